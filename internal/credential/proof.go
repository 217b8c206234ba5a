package credential

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/mr-tron/base58"
)

// Cryptosuite is the W3C Data Integrity suite of every proof (R-CRED-2).
const Cryptosuite = "eddsa-rdfc-2022"

// Signer adds eddsa-rdfc-2022 Data Integrity proofs with the current key of
// a key set. Safe for concurrent use (canonicalization is serialised).
type Signer struct {
	keys *KeySet
	mu   sync.Mutex
	c    *canonicalizer
}

// NewSigner prepares the canonicalizer (contexts parsed once, at init).
func NewSigner(keys *KeySet) (*Signer, error) {
	c, err := newCanonicalizer()
	if err != nil {
		return nil, err
	}
	return &Signer{keys: keys, c: c}, nil
}

// Keys is the signer's key set.
func (s *Signer) Keys() *KeySet { return s.keys }

// Sign returns doc (an unsigned credential, JSON object) with a proof
// created at created, per the eddsa-rdfc-2022 suite: the proof options
// (with the document's @context) and the document are each canonicalized
// (RDFC-1.0), hashed with SHA-256, and the concatenation of the two hashes,
// options first, is signed with Ed25519; the proof names its
// verificationMethod, so a key rotation leaves earlier proofs checkable.
func (s *Signer) Sign(doc map[string]any, created time.Time) (map[string]any, error) {
	if _, ok := doc["proof"]; ok {
		return nil, errors.New("credential: document is signed already")
	}
	k := s.keys.Current()
	proof := map[string]any{
		"type":               "DataIntegrityProof",
		"cryptosuite":        Cryptosuite,
		"created":            created.UTC().Format(time.RFC3339),
		"verificationMethod": s.keys.MethodID(k.ID),
		"proofPurpose":       "assertionMethod",
	}
	data, err := s.hashData(doc, proof)
	if err != nil {
		return nil, err
	}
	proof["proofValue"] = "z" + base58.Encode(ed25519.Sign(k.private, data))
	out := maps.Clone(doc)
	out["proof"] = proof
	return out, nil
}

// Verify checks the proof of a signed document against the key set's
// public keys (current and previous). The independent check is the Node
// verifier; this one lets Go tests catch a broken signature early.
func (s *Signer) Verify(signed map[string]any) error {
	proof, ok := signed["proof"].(map[string]any)
	if !ok {
		return errors.New("credential: no proof")
	}
	if proof["cryptosuite"] != Cryptosuite || proof["type"] != "DataIntegrityProof" {
		return fmt.Errorf("credential: proof is not %s", Cryptosuite)
	}
	vm, _ := proof["verificationMethod"].(string)
	pub, ok := s.keys.Public(vm)
	if !ok {
		return fmt.Errorf("credential: unknown verification method %q", vm)
	}
	value, _ := proof["proofValue"].(string)
	sig, err := base58.Decode(strings.TrimPrefix(value, "z"))
	if err != nil || !strings.HasPrefix(value, "z") {
		return errors.New("credential: proofValue is not base58btc multibase")
	}
	doc := maps.Clone(signed)
	delete(doc, "proof")
	opts := maps.Clone(proof)
	delete(opts, "proofValue")
	data, err := s.hashData(doc, opts)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, data, sig) {
		return errors.New("credential: signature does not verify")
	}
	return nil
}

// hashData is SHA-256(canonical proof options) || SHA-256(canonical document).
func (s *Signer) hashData(doc, proof map[string]any) ([]byte, error) {
	opts := maps.Clone(proof)
	opts["@context"] = doc["@context"]
	// Normalize works on generic JSON values: round-trip through JSON so Go
	// types ([]string, nested structs) become []any / map[string]any.
	d, err := generic(doc)
	if err != nil {
		return nil, err
	}
	o, err := generic(opts)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cd, err := s.c.canonicalize(d)
	if err != nil {
		return nil, err
	}
	co, err := s.c.canonicalize(o)
	if err != nil {
		return nil, err
	}
	ho, hd := sha256.Sum256([]byte(co)), sha256.Sum256([]byte(cd))
	return append(ho[:], hd[:]...), nil
}

func generic(v map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("credential: encode: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("credential: decode: %w", err)
	}
	return out, nil
}
