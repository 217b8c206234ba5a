package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/providers"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

func today() civil.Date { return calendar.Today(time.Now()) }

// loose decodes only the fields a test looks at.
func loose(t testing.TB, r *stacktest.Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
}

// certificant creates a certificant with family name family holding
// ASCPi-MLS under number, expiring at the end of the month after next (its
// submission window open).
func certificant(t testing.TB, s *stacktest.Stack, id, family, number string) string {
	t.Helper()
	staff := s.Token("staff-prov", "staff")
	if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": id, "email": id + "@example.org", "country": "PH",
		"name": map[string]string{"given": "Ana", "family": family}}); r.Status != 201 {
		t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
	}
	started := today().FirstOfMonth().AddMonths(2 - 36)
	if r := s.Do(t, "POST", "/v1/certificants/"+id+"/certifications", staff, map[string]any{
		"program": "ASCPi", "category": "MLS", "startedOn": started.String(), "number": number}); r.Status != 201 {
		t.Fatalf("register %s: %d %s", id, r.Status, r.Body)
	}
	return s.Token(id)
}

// register registers a provider through the staff route and returns its id.
func register(t testing.TB, s *stacktest.Stack, name string) string {
	t.Helper()
	r := s.Do(t, "POST", "/v1/providers", s.Token("staff-prov", "staff"), map[string]any{"name": name, "accreditation": "ASCP_CMLE"})
	if r.Status != 201 {
		t.Fatalf("register provider: %d %s", r.Status, r.Body)
	}
	var p providers.Provider
	r.JSON(t, &p)
	return p.ID
}

// line is one completion of a batch.
func line(number, family, course, area, hours string, done civil.Date) map[string]any {
	return map[string]any{"certificationNumber": number, "familyName": family, "courseId": course,
		"title": "Course " + course, "completedOn": done.String(), "contactHours": hours, "accreditation": "ASCP_CMLE",
		"areas": []string{area}}
}

func post(t testing.TB, s *stacktest.Stack, token string, lines []map[string]any) providers.Batch {
	t.Helper()
	r := s.Do(t, "POST", "/v1/provider-completions", token, map[string]any{"completions": lines})
	if r.Status != 200 {
		t.Fatalf("post completions: %d %s", r.Status, r.Body)
	}
	var b providers.Batch
	r.JSON(t, &b)
	if len(b.Lines) != len(lines) {
		t.Fatalf("%d lines answered for %d sent", len(b.Lines), len(lines))
	}
	return b
}

type activity struct {
	ID           string `json:"id"`
	Source       string `json:"source"`
	ProviderName string `json:"providerName"`
	Provider     string `json:"provider"`
	Points       string `json:"points"`
	Status       string `json:"status"`
	Areas        []string
}

func transcriptOf(t testing.TB, s *stacktest.Stack, id, token string) []activity {
	t.Helper()
	r := s.Do(t, "GET", "/v1/certificants/"+id+"/activities", token, nil)
	if r.Status != 200 {
		t.Fatalf("transcript of %s: %d %s", id, r.Status, r.Body)
	}
	var v struct{ Activities []activity }
	loose(t, r, &v)
	return v.Activities
}

func posted(acts []activity) []activity {
	var out []activity
	for _, a := range acts {
		if a.Source == "provider" {
			out = append(out, a)
		}
	}
	return out
}

type progress struct {
	Requirements []struct {
		Area   string `json:"area"`
		Earned string `json:"earned"`
	} `json:"requirements"`
	Excluded []struct {
		ActivityID string `json:"activityId"`
		Rule       string `json:"rule"`
	} `json:"excluded"`
	Shortfalls []struct {
		Area string `json:"area"`
	} `json:"shortfalls"`
}

func progressOf(t testing.TB, s *stacktest.Stack, id, token string) progress {
	t.Helper()
	r := s.Do(t, "GET", "/v1/certificants/"+id+"/certifications/ASCPi-MLS/progress", token, nil)
	if r.Status != 200 {
		t.Fatalf("progress of %s: %d %s", id, r.Status, r.Body)
	}
	var p progress
	loose(t, r, &p)
	return p
}

func (p progress) earned(area string) string {
	for _, r := range p.Requirements {
		if r.Area == area {
			return r.Earned
		}
	}
	return ""
}

// R-PROV-1..4 end to end: staff register a provider; its client posts a
// mixed batch; the posted lines are in the transcript (source provider) and
// count in progress; a declaration uses them; its audit asks documentation
// only for the self-entered activities; a disputed posting stops counting.
func TestProviderPostingsThroughTheStack(t *testing.T) {
	s := stacktest.Get(t)
	self := certificant(t, s, "c-prov-1", "Reyes", "PV-1001")
	certificant(t, s, "c-prov-2", "Tan", "PV-1002")
	pid := register(t, s, "ASCP Online CE")
	prov := s.ProviderToken("client-ascp", pid)
	done := today().AddDays(-20)

	// The self-entered part of the transcript: ethics and management.
	for _, a := range []struct{ area, hours string }{{"ethics", "1"}, {"management", "20"}} {
		if r := s.Do(t, "POST", "/v1/certificants/c-prov-1/activities", self, map[string]any{
			"type": "formal_ce", "title": "Self " + a.area, "provider": "ASCLS", "completedOn": done.String(),
			"areas": []string{a.area}, "contactHours": a.hours, "accreditation": "ASCLS_PACE"}); r.Status != 201 {
			t.Fatalf("self-entered %s: %d %s", a.area, r.Status, r.Body)
		}
	}

	lines := []map[string]any{
		line("PV-1001", "Reyes", "SAF-1", "safety", "2", done),
		line("PV-1001", "  reyes ", "BB-1", "blood_banking", "12", done), // case and spacing of the name aside
		line("PV-1001", "Reyes", "CH-1", "chemistry", "2", done),
		line("PV-1001", "Reyes", "HE-1", "hematology", "2", done),
		line("PV-1001", "Reyes", "MI-1", "microbiology", "2", done),
		line("PV-1001", "Reyes", "SAF-1", "safety", "2", done), // the first line again
		line("PV-1001", "Smith", "SAF-2", "safety", "2", done), // wrong family name
		line("PV-9999", "Reyes", "SAF-3", "safety", "2", done), // nobody's number
		line("PV-1001", "Reyes", "ZERO", "safety", "0", done),  // R-ACT-1
		line("PV-1001", "Reyes", "FUT", "safety", "1", today().AddDays(2)),
		line("PV-1001", "Reyes", "AREA", "astrology", "1", done),
	}
	b := post(t, s, prov, lines)
	want := []struct {
		outcome, field, rule string
		again                bool
	}{
		{"posted", "", "", false}, {"posted", "", "", false}, {"posted", "", "", false}, {"posted", "", "", false}, {"posted", "", "", false},
		{"posted", "", "", true},
		{"unmatched", "certificationNumber", "R-PROV-2", false}, {"unmatched", "certificationNumber", "R-PROV-2", false},
		{"rejected", "contactHours", "R-ACT-1", false}, {"rejected", "completedOn", "R-ACT-11", false}, {"rejected", "areas[0]", "R-AREA-1", false},
	}
	for i, w := range want {
		l := b.Lines[i]
		if l.Outcome != w.outcome || l.AlreadyPosted != w.again || l.CourseID != lines[i]["courseId"] {
			t.Errorf("line %d: %+v, want %s (alreadyPosted %v)", i, l, w.outcome, w.again)
		}
		if w.field != "" && !slices.ContainsFunc(l.Errors, func(e fielderr.Field) bool { return e.Field == w.field && e.Rule == w.rule }) {
			t.Errorf("line %d errors %+v, want %s %s", i, l.Errors, w.field, w.rule)
		}
	}
	// R-PROV-2: a wrong name and an unknown number answer alike.
	if a, c := b.Lines[6], b.Lines[7]; fmt.Sprint(a.Outcome, a.Errors) != fmt.Sprint(c.Outcome, c.Errors) {
		t.Errorf("unmatched answers differ: %+v vs %+v", a, c)
	}
	if b.Summary.Posted != 6 || b.Summary.Unmatched != 2 || b.Summary.Rejected != 3 {
		t.Errorf("summary %+v", b.Summary)
	}

	// R-PROV-4: the provider reads its batch back; nobody else does.
	other := s.ProviderToken("client-other", register(t, s, "Other CE"))
	for _, c := range []struct {
		name, token string
		status      int
	}{{"own provider", prov, 200}, {"other provider", other, 404}, {"certificant", self, 403}, {"staff", s.Token("staff-prov", "staff"), 403}} {
		r := s.Do(t, "GET", "/v1/provider-completions/"+b.BatchID, c.token, nil)
		if r.Status != c.status {
			t.Errorf("batch read by %s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
		}
		if r.Status == 200 {
			var got providers.Batch
			r.JSON(t, &got)
			if got.BatchID != b.BatchID || len(got.Lines) != len(b.Lines) || got.Lines[6].Outcome != "unmatched" {
				t.Errorf("batch read back: %+v", got)
			}
		}
	}

	// The posted lines in the transcript: source provider, the provider's name.
	acts := transcriptOf(t, s, "c-prov-1", self)
	got := posted(acts)
	if len(got) != 5 || len(acts) != 7 {
		t.Fatalf("transcript: %d entries, %d posted; want 7 and 5: %+v", len(acts), len(got), acts)
	}
	for _, a := range got {
		if a.ProviderName != "ASCP Online CE" || a.Provider != "ASCP Online CE" || a.Status != "accepted" {
			t.Errorf("posted entry %+v", a)
		}
	}
	// R-PROV-3: posted entries are disputed, never deleted.
	if r := s.Do(t, "DELETE", "/v1/certificants/c-prov-1/activities/"+got[0].ID, self, nil); r.Status != 409 || !strings.Contains(string(r.Body), "R-PROV-3") {
		t.Errorf("delete a posted entry: %d %s", r.Status, r.Body)
	}

	// They count like self-entered formal CE: the requirements are met.
	p := progressOf(t, s, "c-prov-1", self)
	if len(p.Shortfalls) != 0 || p.earned("blood_banking") != "12.00" || p.earned("safety") != "2.00" {
		t.Fatalf("progress %+v", p)
	}

	// A declaration claims them; its audit asks documentation only for the
	// self-entered activities (R-PROV-3, R-DEC-3).
	r := s.Do(t, "POST", "/v1/declarations", self, map[string]any{"certificantId": "c-prov-1", "certification": "ASCPi-MLS"})
	if r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var d struct {
		ID          string `json:"id"`
		Status      string `json:"status"`
		Allocations []struct {
			ActivityID string `json:"activityId"`
		} `json:"allocations"`
		Reported []string `json:"providerReported"`
	}
	loose(t, r, &d)
	s.Pay(t, d.ID) // its fee, as Stripe reports it (R-PAY-1)
	staff := s.Token("staff-prov", "staff")
	decide := func(decision string) {
		t.Helper()
		r := s.Do(t, "POST", "/v1/declarations/"+d.ID+"/decisions", staff, map[string]any{"decision": decision})
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", decision, r.Status, r.Body)
		}
		loose(t, r, &d)
	}
	decide("review")
	if d.Status != "under_audit" {
		decide("audit")
	}
	claimed := map[string]bool{}
	for _, a := range d.Allocations {
		claimed[a.ActivityID] = true
	}
	var selfClaimed []string
	for _, a := range acts {
		if a.Source == "self" && claimed[a.ID] {
			selfClaimed = append(selfClaimed, a.ID)
		}
	}
	for _, a := range got {
		if claimed[a.ID] && !slices.Contains(d.Reported, a.ID) {
			t.Errorf("claimed posting %s not in providerReported %v", a.ID, d.Reported)
		}
	}
	if len(selfClaimed) == 0 || len(d.Reported) == 0 {
		t.Fatalf("want self-entered and posted activities claimed: %+v", d)
	}
	for i, id := range selfClaimed {
		r := s.Do(t, "POST", "/v1/declarations/"+d.ID+"/documents", self, map[string]any{"activityId": id,
			"kind": "certificate_of_participation", "fileName": fmt.Sprintf("cert-%d.pdf", i), "language": "en", "translated": false})
		if r.Status != 201 {
			t.Fatalf("document: %d %s", r.Status, r.Body)
		}
		var docs struct{ Missing []string }
		loose(t, r, &docs)
		if left := len(selfClaimed) - i - 1; len(docs.Missing) != left {
			t.Errorf("after %d documents missing %v, want %d (never the posted ones)", i+1, docs.Missing, left)
		}
	}

	// A claimed posting cannot be disputed while the declaration stands.
	if r := s.Do(t, "POST", "/v1/certificants/c-prov-1/activities/"+d.Reported[0]+"/dispute", self,
		map[string]any{"reason": "not mine"}); r.Status != 409 || !strings.Contains(string(r.Body), "R-ACT-11") {
		t.Errorf("dispute a claimed posting: %d %s", r.Status, r.Body)
	}

	// c-prov-2: one posting, disputed, stops counting; a re-post changes nothing.
	tan := s.Token("c-prov-2")
	one := []map[string]any{line("PV-1002", "Tan", "SAF-1", "safety", "2", done)}
	post(t, s, prov, one)
	if got := progressOf(t, s, "c-prov-2", tan).earned("safety"); got != "2.00" {
		t.Fatalf("safety before the dispute %s", got)
	}
	id := posted(transcriptOf(t, s, "c-prov-2", tan))[0].ID
	if r := s.Do(t, "POST", "/v1/certificants/c-prov-2/activities/"+id+"/dispute", tan, map[string]any{"reason": "I did not attend"}); r.Status != 200 {
		t.Fatalf("dispute: %d %s", r.Status, r.Body)
	}
	if b := post(t, s, prov, one); !b.Lines[0].AlreadyPosted {
		t.Errorf("re-post after the dispute: %+v", b.Lines[0])
	}
	p = progressOf(t, s, "c-prov-2", tan)
	if p.earned("safety") != "0.00" || !slices.ContainsFunc(p.Excluded, func(e struct {
		ActivityID string `json:"activityId"`
		Rule       string `json:"rule"`
	}) bool {
		return e.ActivityID == id && e.Rule == "R-PROV-3"
	}) {
		t.Errorf("after the dispute: %+v", p)
	}
	if acts := transcriptOf(t, s, "c-prov-2", tan); len(acts) != 1 || acts[0].Status != "disputed" {
		t.Errorf("transcript after dispute and re-post: %+v", acts)
	}
}

// R-PROV-1, R-PROV-4: a certificant's token cannot post; a provider's token
// reaches no certificant data, whatever its subject says; an unregistered
// provider id posts nothing; the batch bound is 500.
func TestProviderAuthorization(t *testing.T) {
	s := stacktest.Get(t)
	self := certificant(t, s, "c-prov-auth", "Lim", "PV-2001")
	pid := register(t, s, "Auth CE")
	prov := s.ProviderToken("c-prov-auth", pid) // the certificant's id as subject
	one := map[string]any{"completions": []map[string]any{line("PV-2001", "Lim", "A-1", "safety", "1", today().AddDays(-1))}}
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"certificant posts", "POST", "/v1/provider-completions", self, one, 403},
		{"staff posts", "POST", "/v1/provider-completions", s.Token("staff-prov", "staff"), one, 403},
		{"unregistered provider", "POST", "/v1/provider-completions", s.ProviderToken("x", "no-such-provider"), one, 403},
		{"no token", "POST", "/v1/provider-completions", "", one, 401},
		{"provider reads a transcript", "GET", "/v1/certificants/c-prov-auth/activities", prov, nil, 403},
		{"provider reads a profile", "GET", "/v1/certificants/c-prov-auth", prov, nil, 403},
		{"provider reads progress", "GET", "/v1/certificants/c-prov-auth/certifications/ASCPi-MLS/progress", prov, nil, 403},
		{"provider adds an activity", "POST", "/v1/certificants/c-prov-auth/activities", prov, map[string]any{"type": "poster"}, 403},
		{"provider registers a provider", "POST", "/v1/providers", prov, map[string]any{"name": "X", "accreditation": "ACCME"}, 403},
		{"certificant registers a provider", "POST", "/v1/providers", self, map[string]any{"name": "X", "accreditation": "ACCME"}, 403},
		{"bad accreditation", "POST", "/v1/providers", s.Token("staff-prov", "staff"), map[string]any{"name": "X", "accreditation": "NOPE"}, 422},
		{"empty batch", "POST", "/v1/provider-completions", prov, map[string]any{"completions": []any{}}, 422},
		{"501 lines", "POST", "/v1/provider-completions", prov, map[string]any{"completions": make([]map[string]any, 501)}, 422},
		{"unknown field", "POST", "/v1/provider-completions", prov, map[string]any{"completions": []map[string]any{{"points": "9"}}}, 400},
	}
	for _, tc := range tests {
		if r := s.Do(t, tc.method, tc.path, tc.token, tc.body); r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
		}
	}
	if acts := transcriptOf(t, s, "c-prov-auth", self); len(acts) != 0 {
		t.Errorf("refused posts left %d entries", len(acts))
	}
}

// R-PROV-2: a batch posted again posts nothing twice, also when two uploads
// of it race.
func TestRepostAndRace(t *testing.T) {
	s := stacktest.Get(t)
	self := certificant(t, s, "c-prov-race", "Cruz", "PV-3001")
	prov := s.ProviderToken("client-race", register(t, s, "Race CE"))
	var lines []map[string]any
	for i := range 40 {
		lines = append(lines, line("PV-3001", "Cruz", fmt.Sprintf("R-%02d", i), "safety", "1", today().AddDays(-3)))
	}
	var wg sync.WaitGroup
	batches := make([]providers.Batch, 4)
	for i := range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batches[i] = post(t, s, prov, lines)
		}()
	}
	wg.Wait()
	fresh := 0
	for _, b := range batches {
		for _, l := range b.Lines {
			if l.Outcome != "posted" {
				t.Errorf("line %+v", l)
			}
			if !l.AlreadyPosted {
				fresh++
			}
		}
	}
	if fresh != len(lines) {
		t.Errorf("%d lines newly posted over 4 racing uploads, want %d", fresh, len(lines))
	}
	if got := len(posted(transcriptOf(t, s, "c-prov-race", self))); got != len(lines) {
		t.Errorf("transcript holds %d postings, want %d", got, len(lines))
	}
	// Posted again later: every line already posted, nothing new.
	for _, l := range post(t, s, prov, lines).Lines {
		if l.Outcome != "posted" || !l.AlreadyPosted {
			t.Errorf("re-post line %+v", l)
		}
	}
	if got := len(posted(transcriptOf(t, s, "c-prov-race", self))); got != len(lines) {
		t.Errorf("after the re-post the transcript holds %d postings, want %d", got, len(lines))
	}
}
