package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/boc/cmp/infra/local/stacktest"
)

// End-to-end tests of the R-INA inactive status request, mounted on the
// certificants function (R-INA-1, R-FEE-4).
func TestInactiveRequests(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	for _, id := range []string{"c-ina-1", "c-ina-2"} {
		if r := s.Do(t, "POST", "/v1/certificants", staff, newCertificant(id, id+"@example.org")); r.Status != 201 {
			t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
		}
	}
	for _, key := range []string{"MLS", "BB", "MLT"} {
		if r := s.Do(t, "POST", "/v1/certificants/c-ina-1/certifications", staff, map[string]any{
			"program": "ASCPi", "category": key, "startedOn": "2024-03-01"}); r.Status != 201 {
			t.Fatalf("register %s: %d %s", key, r.Status, r.Body)
		}
	}
	self, other := s.Token("c-ina-1"), s.Token("c-ina-2")
	path := "/v1/certificants/c-ina-1/inactive-requests"
	body := func(cert, basis string) map[string]any {
		return map[string]any{"certification": cert, "reason": "two years of service abroad", "basis": basis,
			"documents": []map[string]string{{"fileName": "orders.pdf"}}}
	}
	type answer struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Fee    struct {
			Lines []struct {
				Rule string `json:"rule"`
			} `json:"lines"`
			TotalCents int64 `json:"totalCents"`
		} `json:"fee"`
	}
	created := func(name string, r *stacktest.Response, cents int64) answer {
		t.Helper()
		var a answer
		if r.Status != 201 || json.Unmarshal(r.Body, &a) != nil || a.Status != "requested" || a.Fee.TotalCents != cents ||
			len(a.Fee.Lines) != 1 || a.Fee.Lines[0].Rule != "R-FEE-4" {
			t.Errorf("%s: %d %s, want 201 requested with one R-FEE-4 line of %d", name, r.Status, r.Body, cents)
		}
		return a
	}
	created("R-FEE-4 fee", s.Do(t, "POST", path, self, body("ASCPi-MLS", "illness")), 4000)
	created("R-FEE-4 waived for mandatory military service", s.Do(t, "POST", path, self, body("ASCPi-BB", "mandatory_military_service")), 0)

	// Idempotency: the same key and body, in parallel, answer the first
	// request (same id); one request stored, charged once.
	const n = 6
	answers := make([]*stacktest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = s.Do(t, "POST", path, self, body("ASCPi-MLT", "illness"), "Idempotency-Key", "ina-k1")
		})
	}
	wg.Wait()
	first := created("idempotent", answers[0], 4000)
	for i, r := range answers {
		if r.Status != 201 || string(r.Body) != string(answers[0].Body) {
			t.Errorf("answer %d: %d %s, want the first %s", i, r.Status, r.Body, answers[0].Body)
		}
	}
	if first.ID == "" {
		t.Fatal("no id")
	}

	for _, tc := range []struct {
		name   string
		token  string
		path   string
		body   any
		hdr    []string
		status int
		field  string
		rule   string
	}{
		{"R-INA-1 one open request per certification", self, path, body("ASCPi-MLS", "illness"), nil, 409, "certification", "R-INA-1"},
		{"same key, different body", self, path, body("ASCPi-MLT", "other"), []string{"Idempotency-Key", "ina-k1"}, 422, "Idempotency-Key", ""},
		{"R-INA-1 certification not held", self, path, body("ASCPi-SBB", "illness"), nil, 422, "certification", "R-INA-1"},
		{"R-INA-1 documentation required", self, path, map[string]any{"certification": "ASCPi-MLS", "reason": "x", "basis": "illness", "documents": []any{}}, nil, 422, "documents", "R-INA-1"},
		{"R-INA-1 basis required", self, path, map[string]any{"certification": "ASCPi-MLS", "reason": "x", "documents": []map[string]string{{"fileName": "a.pdf"}}}, nil, 422, "basis", "R-INA-1"},
		{"unknown field", self, path, map[string]any{"certification": "ASCPi-MLS", "fee": 0}, nil, 400, "fee", ""},
		{"B requests for A: 404", other, path, body("ASCPi-MLS", "illness"), nil, 404, "", ""},
		{"staff may not request: 403", staff, path, body("ASCPi-MLS", "illness"), nil, 403, "", ""},
		{"no token: 401", "", path, body("ASCPi-MLS", "illness"), nil, 401, "", ""},
		{"body over 64 KiB: 413", self, path, `{"reason":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "", ""},
	} {
		r := s.Do(t, "POST", tc.path, tc.token, tc.body, tc.hdr...)
		if r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		var p problem
		if r.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(r.Body, &p) != nil {
			t.Errorf("%s: not a problem: %s", tc.name, r.Body)
			continue
		}
		named := tc.field == ""
		for _, e := range p.Errors {
			named = named || e.Field == tc.field && (tc.rule == "" || e.Rule == tc.rule)
		}
		if !named {
			t.Errorf("%s: problem %s does not name %s %s", tc.name, r.Body, tc.field, tc.rule)
		}
	}
}
