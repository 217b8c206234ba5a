package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/boc/cmp/internal/civil"
)

// bruteGroup restates the caps of R-ACT-2,4,6,8,9 independently of plan.go.
type bruteGroup struct {
	key string
	cap int
}

func bruteGroups(a Activity, total int) []bruteGroup {
	y := a.CompletedOn.Year
	switch a.Type {
	case CollegeCourse:
		return []bruteGroup{{"college", total / 2}}
	case Presentation:
		return []bruteGroup{{"presentation", total / 2}}
	case Poster:
		return []bruteGroup{{fmt.Sprint("poster", y), 3}}
	case CompetenceAssessment:
		return []bruteGroup{{fmt.Sprint("competence", y), 2}, {"competence", 4}}
	case CovidCE:
		return []bruteGroup{{"covid", 12}}
	}
	return nil
}

// bruteBest searches every whole-point split of every activity over the
// areas it may feed (R-AREA-3) and the related remainder, within the caps,
// and returns the least total shortfall and, among splits reaching it, the
// least sum of area shortfalls. Points are whole (in units of Pt).
func bruteBest(req Requirements, acts []Activity) (minTotal, minAreas int) {
	total := int(req.Total / Pt)
	mins := make([]int, len(req.Minimums))
	sumMin := 0
	for i, m := range req.Minimums {
		mins[i] = int(m.Points / Pt)
		sumMin += mins[i]
	}
	type item struct {
		pts     int
		targets []int // indexes into mins; len(mins) is the remainder
		groups  []bruteGroup
	}
	var items []item
	for _, a := range acts {
		it := item{pts: int(a.Points / Pt), groups: bruteGroups(a, total)}
		if a.Type != CovidCE {
			for i, m := range req.Minimums {
				for _, ar := range a.Areas {
					if ar == m.Area {
						it.targets = append(it.targets, i)
					}
				}
			}
		}
		it.targets = append(it.targets, len(mins))
		items = append(items, it)
	}
	got := make([]int, len(mins)+1)
	used := map[string]int{}
	minTotal, minAreas = total+1, 0
	var visit func(i, t, left int)
	visit = func(i, t, left int) {
		if i == len(items) {
			counted, rest, areaShort := 0, got[len(mins)], 0
			for k, m := range mins {
				counted += min(got[k], m)
				rest += max(got[k]-m, 0)
				areaShort += max(m-got[k], 0)
			}
			counted += min(rest, total-sumMin)
			short := total - counted
			if short < minTotal || (short == minTotal && areaShort < minAreas) {
				minTotal, minAreas = short, areaShort
			}
			return
		}
		it := items[i]
		if t == len(it.targets) {
			next := 0
			if i+1 < len(items) {
				next = items[i+1].pts
			}
			visit(i+1, 0, next)
			return
		}
		for v := 0; v <= left; v++ {
			ok := true
			for _, g := range it.groups {
				ok = ok && used[g.key]+v <= g.cap
			}
			if !ok {
				break
			}
			for _, g := range it.groups {
				used[g.key] += v
			}
			got[it.targets[t]] += v
			visit(i, t+1, left-v)
			got[it.targets[t]] -= v
			for _, g := range it.groups {
				used[g.key] -= v
			}
		}
	}
	if len(items) > 0 {
		visit(0, 0, items[0].pts)
	} else {
		visit(0, 0, 0)
	}
	return minTotal, minAreas
}

// R-ALLOC-3: the proposal meets the requirements whenever some allocation
// does, and otherwise leaves the least total shortfall (and, with it, the
// least area shortfall); every proposal passes the validator (R-ALLOC-1,2).
func TestProposalMatchesExhaustiveSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 1))
	areas := []Area{AreaSafety, AreaEthics, AreaChemistry, AreaOther}
	types := []ActivityType{FormalCE, FormalCE, Poster, CompetenceAssessment, CollegeCourse, Presentation, CovidCE}
	mls, _ := ParseKey("ASCPi-MLS")
	window := Window{civil.MustParse("2022-01-01"), civil.MustParse("2024-12-31")}
	const cases = 5000
	feasible := 0
	for c := range cases {
		total := 2 * (2 + rng.IntN(3)) // 4, 6 or 8: even, so 50% caps are whole points
		req := Requirements{Total: Points(total) * Pt}
		left := total
		for _, a := range rng.Perm(3)[:1+rng.IntN(2)] {
			m := min(rng.IntN(3), left)
			left -= m
			req.Minimums = append(req.Minimums, Requirement{areas[a], Points(m) * Pt})
		}
		var acts []Activity
		covid := false
		for i := range 1 + rng.IntN(5) {
			typ := types[rng.IntN(len(types))]
			if typ == CovidCE && covid {
				typ = FormalCE
			}
			covid = covid || typ == CovidCE
			year := 2022 + rng.IntN(3)
			if typ == CovidCE {
				year = 2022 // R-ACT-9 dates; exclusions are tested elsewhere
			}
			var as []Area
			for _, a := range areas {
				if rng.IntN(2) == 0 {
					as = append(as, a)
				}
			}
			acts = append(acts, Activity{ID: fmt.Sprint("a", i), Type: typ, Title: fmt.Sprint("t", i),
				CompletedOn: civil.Date{Year: year, Month: 6, Day: 1}, Areas: as,
				Points: Points(1+rng.IntN(3)) * Pt, Status: Accepted})
		}
		in := EvaluationInput{Certification: mls, Requirements: req, Window: window, Activities: acts}
		ev, err := Evaluate(in)
		if err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
		var areaShort Points
		for _, s := range ev.Shortfalls {
			if s.Area != AreaTotal {
				areaShort += s.Needed
			}
		}
		wantTotal, wantAreas := bruteBest(req, acts)
		if got := shortfall(ev.Shortfalls, AreaTotal); got != Points(wantTotal)*Pt || areaShort != Points(wantAreas)*Pt {
			t.Fatalf("case %d: shortfall total %s areas %s, exhaustive %d %d\nreq %+v\nacts %+v\nproposal %v",
				c, got, areaShort, wantTotal, wantAreas, req, acts, ev.Proposal)
		}
		if wantTotal == 0 {
			feasible++
		}
		check, err := CheckAllocation(in, ev.Proposal)
		if err != nil || len(check.Errors) > 0 || len(check.Shortfalls) != len(ev.Shortfalls) {
			t.Fatalf("case %d: proposal fails validation: %v %v", c, check, err)
		}
	}
	t.Logf("%d cases, %d feasible", cases, feasible)
}
