package credential

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/rules"
	"github.com/boc/cmp/internal/statuslist"
)

func testSigner(t *testing.T) *Signer {
	t.Helper()
	raw, err := NewSecret("key-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := ParseKeySet("did:web:cmp.example.org", raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(ks)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testBadge(t *testing.T) Badge {
	c, err := rules.ParseKey("ASCPi-MLS")
	if err != nil {
		t.Fatal(err)
	}
	cycle := calendar.CycleFromStart(civil.MustParse("2023-12-01"))
	req, err := rules.RequirementsFor(c, cycle.End)
	if err != nil {
		t.Fatal(err)
	}
	return Badge{ID: "urn:uuid:0b5e0a52-3f3a-4d5c-9d43-1b7a0f0b8d11", CertificantID: "c-1", Name: "Ada Lovelace",
		Certification: c, Number: "N123", Credential: "MLS(ASCPi)CM", Cycle: cycle, From: cycle.Start, Requirements: req,
		Status: statuslist.Entry{List: 1, Index: 4242, Cycle: cycle.Start.String()}}
}

// R-CRED-2: a signed credential verifies; a changed byte does not.
func TestSignVerify(t *testing.T) {
	s := testSigner(t)
	is := Issuer{DID: s.Keys().DID, BaseURL: "https://cmp.example.org"}
	signed, err := s.Sign(is.Credential(testBadge(t)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(signed); err != nil {
		t.Fatalf("verify: %v", err)
	}
	subject := signed["credentialSubject"].(map[string]any)
	subject["name"] = "Ada Lovelacf"
	if err := s.Verify(signed); err == nil {
		t.Fatal("an altered credential verified")
	}
}

// R-CRED-2 key rotation: the next secret version keeps the old key's public
// part, the DID document lists both (current first), new proofs name the new
// key, and a credential signed before the rotation still verifies.
func TestRotationKeepsEarlierCredentialsVerifiable(t *testing.T) {
	before := testSigner(t)
	is := Issuer{DID: before.Keys().DID, BaseURL: "https://cmp.example.org"}
	old, err := before.Sign(is.Credential(testBadge(t)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := NewSecret("key-2", before.Keys().Rotated())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(raw), `"seed"`) != 1 {
		t.Fatalf("rotated secret keeps a previous seed: %s", raw)
	}
	keys, err := ParseKeySet(is.DID, raw)
	if err != nil {
		t.Fatal(err)
	}
	after, err := NewSigner(keys)
	if err != nil {
		t.Fatal(err)
	}
	doc := keys.DIDDocument()
	methods := doc["assertionMethod"].([]any)
	if len(methods) != 2 || methods[0] != is.DID+"#key-2" || methods[1] != is.DID+"#key-1" {
		t.Errorf("DID document assertion methods %v, want key-2 then key-1", methods)
	}
	if err := after.Verify(old); err != nil {
		t.Errorf("a credential signed before the rotation: %v", err)
	}
	fresh, err := after.Sign(is.Credential(testBadge(t)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if vm := fresh["proof"].(map[string]any)["verificationMethod"]; vm != is.DID+"#key-2" {
		t.Errorf("new proof names %v, want the current key", vm)
	}
	if err := before.Verify(fresh); err == nil {
		t.Error("a proof of the new key verified against the old set alone")
	}
}

// The key set never shows private material when logged.
func TestKeySetNeverPrintsSeed(t *testing.T) {
	raw, err := NewSecret("key-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var s SecretJSON
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	ks, err := ParseKeySet("did:web:cmp.example.org", raw)
	if err != nil {
		t.Fatal(err)
	}
	logged, _ := json.Marshal(map[string]any{"keys": ks})
	for _, out := range []string{ks.String(), string(logged), fmt.Sprintf("%v %+v", ks, ks)} {
		if strings.Contains(out, s.Current.Seed) {
			t.Errorf("key set printed its seed: %s", out)
		}
	}
}
