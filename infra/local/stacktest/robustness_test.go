package stacktest_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
)

// problemOf decodes a problem+json answer, failing the test on anything else.
func problemOf(t *testing.T, r *stacktest.Response) (p struct {
	Status int `json:"status"`
	Errors []struct {
		Field string `json:"field"`
		Rule  string `json:"rule"`
	} `json:"errors"`
}) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(r.Body, &p) != nil || p.Status != r.Status {
		t.Fatalf("%d %s %s: want a problem+json answer", r.Status, ct, r.Body)
	}
	return p
}

func names(p struct {
	Status int `json:"status"`
	Errors []struct {
		Field string `json:"field"`
		Rule  string `json:"rule"`
	} `json:"errors"`
}, field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// newCertificant creates a certificant with a passed ASCPi-MLS exam (so its
// certification is earned and verifiable).
func newCertificant(t *testing.T, s *stacktest.Stack, id string) {
	t.Helper()
	staff := s.Token("staff-1", "staff")
	if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": id,
		"name": map[string]string{"given": "Ana", "family": "Reyes"}, "email": id + "@example.org", "country": "PH"}); r.Status != 201 {
		t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
	}
	exam := calendar.Today(time.Now()).AddDays(-10)
	// Transcripts in first: a pass whose score is held earns no verification order yet (R-EXAM-2).
	if r := s.Do(t, "POST", "/v1/certificants/"+id+"/transcripts-received", staff, map[string]any{"receivedOn": exam.String()}); r.Status != 200 {
		t.Fatalf("transcripts of %s: %d %s", id, r.Status, r.Body)
	}
	if r := s.Do(t, "POST", "/v1/exam-attempts", staff, map[string]any{"certificantId": id, "program": "ASCPi", "category": "MLS",
		"route": "1", "examDate": exam.String(), "scaledScore": 520, "passed": true}); r.Status != 201 {
		t.Fatalf("record a pass for %s: %d %s", id, r.Status, r.Body)
	}
}

// Issue 11 item 7, api.md Conventions: strict JSON through the whole stack.
func TestStrictJSON(t *testing.T) {
	s := stacktest.Get(t)
	const id = "c-strict"
	newCertificant(t, s, id)
	self := s.Token(id)
	acts := "/v1/certificants/" + id + "/activities"
	ok := `{"type":"poster","title":"Poster","provider":"ASCLS","completedOn":"` + calendar.Today(time.Now()).AddDays(-3).String() + `","areas":["safety"]}`
	for _, c := range []struct {
		name, body, contentType string
		status                  int
		field                   string
	}{
		{"well-formed", ok, "application/json", 201, ""},
		{"field name in another case", strings.Replace(ok, `"title"`, `"Title"`, 1), "application/json", 400, "Title"},
		{"duplicate key", strings.Replace(ok, `"title":"Poster"`, `"title":"Poster","title":"Other"`, 1), "application/json", 400, "title"},
		{"not JSON content type", ok, "text/plain", 415, ""},
		{"form content type", ok, "application/x-www-form-urlencoded", 415, ""},
		{"invalid UTF-8", strings.Replace(ok, "Poster", "Post\xffer", 1), "application/json", 400, ""},
		{"control character", strings.Replace(ok, "Poster", `Post\u0007er`, 1), "application/json", 400, "title"},
	} {
		r := s.Do(t, "POST", acts, self, []byte(c.body), "Content-Type", c.contentType)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if c.status >= 400 {
			if p := problemOf(t, r); c.field != "" && !names(p, c.field) {
				t.Errorf("%s: %s does not name %s", c.name, r.Body, c.field)
			}
		}
	}

	// The idempotency hash is over the JSON value: the same order with its
	// keys in another order and other whitespace is the same request.
	order := `{"certificantId":"` + id + `","certification":"ASCPi-MLS","recipients":[{"kind":"employer","name":"City Lab","email":"hr@example.org"}]}`
	reordered := "{\n  \"recipients\": [ {\"email\":\"hr@example.org\", \"name\":\"City Lab\", \"kind\":\"employer\"} ],\n  \"certification\": \"ASCPi-MLS\", \"certificantId\": \"" + id + "\"\n}"
	first := s.Do(t, "POST", "/v1/verification-orders", self, []byte(order), "Idempotency-Key", "strict-1")
	if first.Status != 201 {
		t.Fatalf("order: %d %s", first.Status, first.Body)
	}
	if again := s.Do(t, "POST", "/v1/verification-orders", self, []byte(reordered), "Idempotency-Key", "strict-1"); again.Status != 201 || string(again.Body) != string(first.Body) {
		t.Errorf("same JSON value, other key order and whitespace: %d %s, want the first answer %s", again.Status, again.Body, first.Body)
	}
	other := strings.Replace(order, "City Lab", "Town Lab", 1)
	if r := s.Do(t, "POST", "/v1/verification-orders", self, []byte(other), "Idempotency-Key", "strict-1"); r.Status != 422 {
		t.Errorf("same key, another value: %d %s, want 422", r.Status, r.Body)
	}
}

// Issue 11 item 5: an id or key of 1,100+ characters never reaches
// DynamoDB (whose key size it would break): 400 naming the field, or 404 for
// a path id, problem+json either way.
func TestIdsBoundedAtTheEdge(t *testing.T) {
	s := stacktest.Get(t)
	const id = "c-bounds"
	newCertificant(t, s, id)
	staff, self := s.Token("staff-1", "staff"), s.Token(id)
	long := strings.Repeat("x", 1100)
	today := calendar.Today(time.Now()).String()
	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		field                     string
	}{
		{"certificant path id", "GET", "/v1/certificants/" + long, staff, nil, 404, ""},
		{"certificant id in a create", "POST", "/v1/certificants", staff, map[string]any{"id": long,
			"name": map[string]string{"given": "A", "family": "B"}, "email": "a@example.org", "country": "PH"}, 400, "id"},
		{"certification of a long certificant", "POST", "/v1/certificants/" + long + "/certifications", staff,
			map[string]any{"program": "ASCPi", "category": "MLS", "startedOn": today}, 404, ""},
		{"certification category", "POST", "/v1/certificants/" + id + "/certifications", staff,
			map[string]any{"program": "ASCPi", "category": long, "startedOn": today}, 400, "category"},
		{"transcripts received", "POST", "/v1/certificants/" + long + "/transcripts-received", staff, map[string]any{"receivedOn": today}, 404, ""},
		{"exam attempt certificant", "POST", "/v1/exam-attempts", staff, map[string]any{"certificantId": long, "program": "ASCPi", "category": "MLS",
			"route": "1", "examDate": today, "scaledScore": 520, "passed": true}, 400, "certificantId"},
		{"verification order certification", "POST", "/v1/verification-orders", self, map[string]any{"certificantId": id, "certification": "ASCPi-" + long,
			"recipients": []map[string]string{{"kind": "employer", "name": "Lab", "email": "lab@example.org"}}}, 400, "certification"},
		{"verification token", "GET", "/v1/verifications/" + long, "", nil, 404, ""},
		{"declaration id", "GET", "/v1/declarations/" + long, self, nil, 404, ""},
		{"progress key", "GET", "/v1/certificants/" + id + "/certifications/" + long + "/progress", self, nil, 404, ""},
		{"activity id", "DELETE", "/v1/certificants/" + id + "/activities/" + long, self, nil, 404, ""},
	} {
		r := s.Do(t, c.method, c.path, c.token, c.body)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if p := problemOf(t, r); c.field != "" && !names(p, c.field) {
			t.Errorf("%s: %s does not name %s", c.name, r.Body, c.field)
		}
	}
}

// Issue 11 item 8: names refuse bidirectional overrides and invisible-only
// values, emails refuse what SES would, reasons keep their newlines only.
func TestTextHygiene(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	person := func(given, email string) map[string]any {
		return map[string]any{"name": map[string]string{"given": given, "family": "Reyes"}, "email": email, "country": "PH"}
	}
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"bidi override in a name", person("\u202eAna", "a1@example.org"), "name.given"},
		{"isolate in a name", person("Ana\u2066x\u2069", "a2@example.org"), "name.given"},
		{"invisible-only name", person("\u200b\u200d", "a3@example.org"), "name.given"},
		{"newline in a name", person("Ana\nMaria", "a4@example.org"), "name.given"},
		{"non-ASCII local part", person("Ana", "josé@example.org"), "email"},
	} {
		r := s.Do(t, "POST", "/v1/certificants", staff, c.body)
		if r.Status != 422 {
			t.Errorf("%s: %d %s, want 422", c.name, r.Status, r.Body)
			continue
		}
		if p := problemOf(t, r); !names(p, c.field) {
			t.Errorf("%s: %s does not name %s", c.name, r.Body, c.field)
		}
	}
	if r := s.Do(t, "POST", "/v1/certificants", staff, person("Zoë", "zoe@example.org")); r.Status != 201 {
		t.Errorf("a plain accented name: %d %s", r.Status, r.Body)
	}
	// A reason keeps its newline; a tab is refused, naming the field.
	const id = "c-hygiene"
	newCertificant(t, s, id)
	req := func(reason string) map[string]any {
		return map[string]any{"certification": "ASCPi-MLS", "reason": reason, "basis": "unemployed", "documents": []map[string]string{{"fileName": "letter.pdf"}}}
	}
	r := s.Do(t, "POST", "/v1/certificants/"+id+"/inactive-requests", s.Token(id), req("no lab work\nsince March"))
	if r.Status >= 500 || (r.Status == 400 && strings.Contains(string(r.Body), `"reason"`)) {
		t.Errorf("a reason with a newline: %d %s, want it not refused for the newline", r.Status, r.Body)
	}
	r = s.Do(t, "POST", "/v1/certificants/"+id+"/inactive-requests", s.Token(id), req("no lab work\tsince March"))
	if r.Status != 400 || !names(problemOf(t, r), "reason") {
		t.Errorf("a reason with a tab: %d %s, want 400 naming reason", r.Status, r.Body)
	}
}
