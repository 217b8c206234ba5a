package declarations

import (
	"slices"
	"testing"

	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// R-PROV-3 (R-DEC-3): an audit asks documentation for every claimed
// activity except those a CE provider posted.
func TestReportedNeedNoDocumentation(t *testing.T) {
	acts := []rules.Activity{{ID: "self-1"}, {ID: "prov-1", Reported: true}, {ID: "prov-2", Reported: true}}
	alloc := []rules.Allocation{{ActivityID: "self-1", Area: "total"}, {ActivityID: "prov-1", Area: "total"}, {ActivityID: "prov-1", Area: "safety"}}
	d := partition.Declaration{Allocations: alloc, Reported: reported(activitiesByID(acts), alloc)}
	if !slices.Equal(d.Reported, []string{"prov-1"}) {
		t.Fatalf("reported %v, want the claimed provider posting only", d.Reported)
	}
	if got := MissingDocumentation(d); !slices.Equal(got, []string{"self-1"}) {
		t.Errorf("missing %v, want only the self-entered activity", got)
	}
}
