package rules

import (
	"fmt"
	"slices"

	"github.com/boc/cmp/internal/fielderr"
)

// AllocationCheck is the verdict on a certificant's allocation: entry errors
// (R-ALLOC-1, R-AREA-3, caps) and what the valid entries still miss (R-ALLOC-2).
// A declaration may be submitted only when both are empty.
type AllocationCheck struct {
	Errors     []fielderr.Field `json:"errors"`
	Shortfalls []Shortfall      `json:"shortfalls"`
}

// OK reports whether the allocation can be submitted.
func (c AllocationCheck) OK() bool { return len(c.Errors) == 0 && len(c.Shortfalls) == 0 }

// CheckAllocation validates alloc against the same transcript judgement as
// Evaluate. Errors mean the input itself is unusable, as for Evaluate.
func CheckAllocation(in EvaluationInput, alloc []Allocation) (AllocationCheck, error) {
	p, err := newPlan(in)
	if err != nil {
		return AllocationCheck{}, err
	}
	var check AllocationCheck
	byID := make(map[string]int, len(p.leaves))
	for i, l := range p.leaves {
		byID[l.id] = i
	}
	perLeaf := make([]Points, len(p.leaves))
	valid := make([]Allocation, 0, len(alloc))
	for i, a := range alloc {
		li, counts := byID[a.ActivityID]
		if fe, ok := p.checkEntry(a, li, counts); !ok {
			fe.Field = fmt.Sprintf("allocations[%d]", i) + fe.Field
			check.Errors = append(check.Errors, fe)
			continue
		}
		perLeaf[li] += a.Points
		valid = append(valid, a)
	}
	// R-ALLOC-1: a split never exceeds the activity's countable points.
	for i, l := range p.leaves {
		if perLeaf[i] > l.points {
			check.Errors = append(check.Errors, fielderr.Field{Field: "allocations", Rule: "R-ALLOC-1",
				Message: fmt.Sprintf("activity %s: %s allocated, only %s countable", l.id, perLeaf[i], l.points)})
		}
	}
	// Caps bind the sum over each group, whichever activities it comes from.
	for g := range p.groups {
		grp := &p.groups[g]
		var sum Points
		for _, i := range grp.members {
			sum += perLeaf[i]
		}
		if sum > grp.cap {
			check.Errors = append(check.Errors, fielderr.Field{Field: "allocations", Rule: grp.rule,
				Message: fmt.Sprintf("%s allocated: %s", sum, grp.reason())})
		}
	}
	check.Shortfalls = p.shortfalls(valid)
	return check, nil
}

// checkEntry applies the per-entry rules to an entry for leaf li (counts false
// when the activity has no leaf); false with the error when broken. The error's
// Field is relative to the entry, e.g. ".points".
func (p *plan) checkEntry(a Allocation, li int, counts bool) (fielderr.Field, bool) {
	if !counts {
		if i := slices.IndexFunc(p.excluded, func(ex Excluded) bool { return ex.ActivityID == a.ActivityID }); i >= 0 {
			ex := p.excluded[i]
			return fielderr.Field{Field: ".activityId", Rule: ex.Rule, Message: fmt.Sprintf("activity %s does not count: %s", a.ActivityID, ex.Reason)}, false
		}
		return fielderr.Field{Field: ".activityId", Rule: "R-ALLOC-1", Message: fmt.Sprintf("activity %q has no countable points for this cycle", a.ActivityID)}, false
	}
	l := p.leaves[li]
	if a.Points <= 0 || a.Points > l.points {
		return fielderr.Field{Field: ".points", Rule: "R-ALLOC-1", Message: fmt.Sprintf("between 0.01 and the activity's %s countable points", l.points)}, false
	}
	if a.Area == AreaRelated {
		return fielderr.Field{}, true
	}
	idx := p.areaIndex(a.Area)
	switch {
	case l.relatedOnly:
		return fielderr.Field{Field: ".area", Rule: "R-ACT-9", Message: "covid points go only to the related remainder (area \"related\")"}, false
	case idx < 0:
		return fielderr.Field{Field: ".area", Rule: "R-ALLOC-1", Message: fmt.Sprintf("%q is not a requirement area of this cycle; use \"related\"", a.Area)}, false
	case !slices.Contains(l.areas, idx):
		return fielderr.Field{Field: ".area", Rule: "R-AREA-3", Message: fmt.Sprintf("activity %s does not cover %s", a.ActivityID, a.Area)}, false
	}
	return fielderr.Field{}, true
}
