package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/boc/cmp/infra/local/stacktest"
)

// raceTrials is how often each race of issue 11 runs.
const raceTrials = 20

// race runs a and b at the same instant, as far as goroutines allow.
func race(a, b func()) {
	var start, wg sync.WaitGroup
	start.Add(1)
	for _, f := range []func(){a, b} {
		wg.Go(func() { start.Wait(); f() })
	}
	start.Done()
	wg.Wait()
}

type activityEntry struct {
	ID    string   `json:"id"`
	Areas []string `json:"areas"`
}

func activities(t *testing.T, s *stacktest.Stack, sc scene) []activityEntry {
	t.Helper()
	r := s.Do(t, "GET", "/v1/certificants/"+sc.id+"/activities", sc.token, nil)
	var v struct {
		Activities []activityEntry `json:"activities"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &v) != nil {
		t.Fatalf("activities: %d %s", r.Status, r.Body)
	}
	return v.Activities
}

// Issue 11 item 1, R-ACT-11 and api.md DELETE: a submission racing the
// delete of an activity it would claim never both succeed with the claim:
// either the claim wins (delete 409) or the delete wins (the declaration does
// not claim it, or is refused for the points it lacks).
func TestRaceSubmitVersusDelete(t *testing.T) {
	s := stacktest.Get(t)
	outcomes := map[string]int{}
	for i := range raceTrials {
		sc := newScene(t, s, fmt.Sprintf("c-race-del-%d", i), map[string]int{"ASCPi-MLS": 2})
		var safety string
		for _, a := range activities(t, s, sc) {
			if slices.Contains(a.Areas, "safety") {
				safety = a.ID
			}
		}
		if safety == "" {
			t.Fatal("the scene has no safety activity")
		}
		var sub, del *stacktest.Response
		race(func() { sub = submit(t, s, sc, "ASCPi-MLS") },
			func() { del = s.Do(t, "DELETE", "/v1/certificants/"+sc.id+"/activities/"+safety, sc.token, nil) })
		var rec struct {
			ID          string `json:"id"`
			Allocations []struct {
				ActivityID string `json:"activityId"`
			} `json:"allocations"`
		}
		claimed := false
		if sub.Status == 201 {
			if err := json.Unmarshal(sub.Body, &rec); err != nil {
				t.Fatal(err)
			}
			for _, a := range rec.Allocations {
				claimed = claimed || a.ActivityID == safety
			}
		}
		outcomes[fmt.Sprintf("submit %d, delete %d", sub.Status, del.Status)]++
		switch {
		case sub.Status == 201 && del.Status == 409 && claimed:
		case del.Status == 204 && sub.Status == 201 && !claimed:
		case del.Status == 204 && (sub.Status == 422 || sub.Status == 409):
		default:
			t.Errorf("trial %d: submit %d (claims the activity: %v) %s; delete %d %s", i, sub.Status, claimed, sub.Body, del.Status, del.Body)
		}
		// Whatever won, a stored declaration claims only activities that exist.
		if sub.Status == 201 {
			exist := map[string]bool{}
			for _, a := range activities(t, s, sc) {
				exist[a.ID] = true
			}
			for _, a := range rec.Allocations {
				if !exist[a.ActivityID] {
					t.Errorf("trial %d: declaration %s claims deleted activity %s", i, rec.ID, a.ActivityID)
				}
			}
		}
	}
	t.Logf("submit vs delete, %d trials: %v", raceTrials, outcomes)
}

// Issue 11 item 3, R-FEE-2: two declarations of one certificant submitted
// in parallel the same business day, expiring within 3 months of each
// other: exactly one pays the full application fee, the other the reduced.
func TestRaceSameDaySubmissions(t *testing.T) {
	s := stacktest.Get(t)
	for i := range raceTrials {
		sc := newScene(t, s, fmt.Sprintf("c-race-fee-%d", i), map[string]int{"ASCPi-MLS": 2, "ASCPi-SBB": 2})
		var a, b *stacktest.Response
		race(func() { a = submit(t, s, sc, "ASCPi-MLS") }, func() { b = submit(t, s, sc, "ASCPi-SBB") })
		var fees []int64
		for _, r := range []*stacktest.Response{a, b} {
			var rec receipt
			if r.Status != 201 || json.Unmarshal(r.Body, &rec) != nil {
				t.Fatalf("trial %d: %d %s, want both submitted", i, r.Status, r.Body)
			}
			fees = append(fees, rec.Fee.TotalCents)
		}
		slices.Sort(fees)
		if fees[0] != 1500 || fees[1] != 9500 {
			t.Errorf("trial %d: fees %v, want one reduced 1500 (R-FEE-2) and one full 9500 (R-FEE-1)", i, fees)
		}
	}
}

// Issue 11, acceptance: a submission racing a staff decision on the
// certificant's other declaration. Both land; the decision applies to its
// declaration only, the submission's fee is judged with it as a same-day
// declaration (R-FEE-2), and neither changes the other.
func TestRaceSubmitVersusDecision(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token(staffID, "staff")
	for i := range raceTrials {
		sc := newScene(t, s, fmt.Sprintf("c-race-dec-%d", i), map[string]int{"ASCPi-MLS": 2, "ASCPi-SBB": 2})
		d1 := submitPaid(t, s, sc, "ASCPi-MLS")
		var dec, sub *stacktest.Response
		race(func() {
			dec = s.Do(t, "POST", "/v1/declarations/"+d1.ID+"/decisions", staff, map[string]any{"decision": "deficient", "reasons": []string{"missing safety point"}})
		}, func() { sub = submit(t, s, sc, "ASCPi-SBB") })
		var d2 receipt
		if dec.Status != 200 || sub.Status != 201 || json.Unmarshal(sub.Body, &d2) != nil {
			t.Fatalf("trial %d: decision %d %s; submission %d %s", i, dec.Status, dec.Body, sub.Status, sub.Body)
		}
		if d2.Fee.TotalCents != 1500 {
			t.Errorf("trial %d: second declaration charged %d, want the reduced 1500 (R-FEE-2)", i, d2.Fee.TotalCents)
		}
		// The second waits for its fee (R-PAY-1), judged at submission (R-FEE-2).
		for id, want := range map[string]string{d1.ID: "deficient", d2.ID: "awaiting_payment"} {
			var got receipt
			if r := s.Do(t, "GET", "/v1/declarations/"+id, sc.token, nil); r.Status != 200 || json.Unmarshal(r.Body, &got) != nil || got.Status != want {
				t.Errorf("trial %d: declaration %s is %q (%d %s), want %s", i, id, got.Status, r.Status, r.Body, want)
			}
		}
	}
}

// Issue 11 item 4, R-ACT-11: a transcript of 150 quarter-hour webinars
// (over 100 activities claimed, more than one DynamoDB transaction holds as
// items) is submitted: the claims live in the declaration's allocation, so
// the submission is one declaration, not one item per activity; a claimed
// webinar then cannot be deleted, an unclaimed one can.
func TestManyActivitiesSubmit(t *testing.T) {
	s := stacktest.Get(t)
	// No scene transcript: only the webinars, 150 of a quarter hour each.
	sc := scene{id: "c-many", email: "c-many@example.org", token: s.Token("c-many")}
	staff := s.Token("staff-scene", "staff")
	if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": sc.id, "email": sc.email, "country": "PH",
		"name": map[string]string{"given": "Ana", "family": "Reyes"}}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := s.Do(t, "POST", "/v1/certificants/"+sc.id+"/certifications", staff, map[string]any{
		"program": "ASCPi", "category": "MLS", "startedOn": startedFor(2).String()}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	areas := []string{"safety", "ethics", "blood_banking", "chemistry", "hematology", "microbiology", "management"}
	on := today().AddDays(-30).String()
	for i := range 150 {
		r := s.Do(t, "POST", "/v1/certificants/"+sc.id+"/activities", sc.token, map[string]any{
			"type": "formal_ce", "title": fmt.Sprintf("Webinar %d", i), "provider": "ASCLS", "completedOn": on,
			"areas": []string{areas[i%len(areas)]}, "contactHours": "0.25", "accreditation": "ASCLS_PACE"})
		if r.Status != 201 {
			t.Fatalf("webinar %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := submit(t, s, sc, "ASCPi-MLS")
	var rec struct {
		Allocations []struct {
			ActivityID string `json:"activityId"`
		} `json:"allocations"`
	}
	if r.Status != 201 || json.Unmarshal(r.Body, &rec) != nil {
		t.Fatalf("submission with 150 short webinars: %d %s, want 201", r.Status, r.Body)
	}
	claimed := map[string]bool{}
	for _, a := range rec.Allocations {
		claimed[a.ActivityID] = true
	}
	if len(claimed) <= 100 {
		t.Fatalf("the declaration claims %d activities; the test needs more than 100", len(claimed))
	}
	var kept, free string
	for _, a := range activities(t, s, sc) {
		if claimed[a.ID] {
			kept = a.ID
		} else {
			free = a.ID
		}
	}
	if r := s.Do(t, "DELETE", "/v1/certificants/"+sc.id+"/activities/"+kept, sc.token, nil); r.Status != 409 || !decodeProblem(t, r).names("activityId", "R-ACT-11") {
		t.Errorf("delete of a claimed webinar: %d %s, want 409 naming R-ACT-11", r.Status, r.Body)
	}
	if free != "" {
		if r := s.Do(t, "DELETE", "/v1/certificants/"+sc.id+"/activities/"+free, sc.token, nil); r.Status != 204 {
			t.Errorf("delete of an unclaimed webinar: %d %s, want 204", r.Status, r.Body)
		}
	}
	t.Logf("150 webinars: 201, %d claimed by one declaration", len(claimed))
}
