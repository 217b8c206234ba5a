package credential

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/cmp"
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
	c, err := cmp.ParseKey("ASCPi-MLS")
	if err != nil {
		t.Fatal(err)
	}
	cycle := calendar.CycleFromStart(civil.MustParse("2023-12-01"))
	req, err := cmp.RequirementsFor(c, cycle.End)
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
	if p := os.Getenv("CRED_DUMP"); p != "" {
		enc, _ := statuslist.Encode([]int{1})
		rev, err := s.Sign(is.StatusListCredential("revocation-1", statuslist.Revocation, enc, time.Now()), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		sus, err := s.Sign(is.StatusListCredential("suspension-1", statuslist.Suspension, enc, time.Now()), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(map[string]any{"documents": map[string]any{s.Keys().DID: s.Keys().DIDDocument(),
			is.StatusListURL("revocation-1"): rev, is.StatusListURL("suspension-1"): sus},
			"cases": []any{map[string]any{"name": "current", "expect": "verified", "credential": signed}}})
		os.WriteFile(p, out, 0o600)
	}
	subject := signed["credentialSubject"].(map[string]any)
	subject["name"] = "Ada Lovelacf"
	if err := s.Verify(signed); err == nil {
		t.Fatal("an altered credential verified")
	}
}
