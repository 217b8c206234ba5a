package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/rules"
)

// Demo activities pass the same strict validation as the API (R-ACT), so
// `make run` never seeds half a transcript.
func TestDemoActivitiesAreValid(t *testing.T) {
	n := 0
	for _, r := range demoCycles(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)) {
		if !strings.HasSuffix(r.path, "/activities") {
			continue
		}
		n++
		b, err := json.Marshal(r.body)
		if err != nil {
			t.Fatal(err)
		}
		var in rules.ActivityInput
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if _, errs := in.Validate(); len(errs) > 0 {
			t.Errorf("%s: %v", b, errs)
		}
		if !r.firstRun || r.as == "" {
			t.Errorf("%s: activities are sent as their certificant, on the first run only", b)
		}
	}
	if n == 0 {
		t.Fatal("no demo activities")
	}
}
