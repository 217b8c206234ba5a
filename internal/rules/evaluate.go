package rules

import (
	"slices"

	"github.com/boc/cmp/internal/rules/flow"
)

// Allocation puts points of one activity into one requirement area or into
// AreaRelated, the rest of the total (R-ALLOC-1).
type Allocation struct {
	ActivityID string `json:"activityId"`
	Area       Area   `json:"area"`
	Points     Points `json:"points"`
}

// Shortfall is a requirement an allocation misses, with the points still needed
// (R-ALLOC-2). The AreaTotal entry counts every missing point, those of the
// area entries included.
type Shortfall struct {
	Area   Area   `json:"area"`
	Needed Points `json:"needed"`
}

// AreaProgress is one progress line: Earned is the most the countable points
// could give this area on its own (for AreaTotal: all countable points).
type AreaProgress struct {
	Area     Area   `json:"area"`
	Required Points `json:"required"`
	Earned   Points `json:"earned"`
}

// Evaluation is a transcript judged against one cycle.
type Evaluation struct {
	Requirements []AreaProgress `json:"requirements"`
	Capped       []Capped       `json:"capped"`
	Excluded     []Excluded     `json:"excluded"`
	Shortfalls   []Shortfall    `json:"shortfalls"`
	// Proposal meets every requirement whenever some allocation can; otherwise it
	// leaves the smallest possible total shortfall (R-ALLOC-3).
	Proposal []Allocation `json:"proposedAllocation"`
}

// Met reports whether the proposal meets every requirement.
func (e Evaluation) Met() bool { return len(e.Shortfalls) == 0 }

// Evaluate applies windows, claims and caps to a transcript and proposes an
// allocation. Errors mean the input itself is unusable (unknown certification
// group, repeated ids, a window that is not a range), never a rule failure.
func Evaluate(in EvaluationInput) (Evaluation, error) {
	p, err := newPlan(in)
	if err != nil {
		return Evaluation{}, err
	}
	ev := Evaluation{Capped: p.capped, Excluded: p.excluded}
	if ev.Excluded == nil {
		ev.Excluded = []Excluded{} // JSON: an empty list, never null
	}
	earned := p.earned()
	ev.Requirements = make([]AreaProgress, 0, len(earned))
	ev.Requirements = append(ev.Requirements, AreaProgress{AreaTotal, p.req.Total, earned[0]})
	for i, m := range p.req.Minimums {
		ev.Requirements = append(ev.Requirements, AreaProgress{m.Area, m.Points, earned[1+i]})
	}
	ev.Proposal = p.propose()
	ev.Shortfalls = p.shortfalls(ev.Proposal)
	return ev, nil
}

// propose solves the allocation as a maximum flow (R-ALLOC-3):
//
//	source -> cap groups (nested) -> activities -> requirement areas -> sink
//	                                           \-> related remainder  -> sink
//
// Area edges to the sink carry the area's minimum, the remainder carries the
// total minus all minimums; so a flow equal to the total meets every
// requirement, and a maximum flow leaves the least total shortfall.
// Areas are filled first so that no area is reported short when some
// allocation with the same total would meet it.
func (p *plan) propose() []Allocation {
	const source, sink, related, firstArea = 0, 1, 2, 3
	firstGroup := firstArea + len(p.req.Minimums)
	firstLeaf := firstGroup + len(p.groups)
	outEdges := 0
	for _, l := range p.leaves {
		outEdges += len(l.areas) + 1
	}
	g := flow.New(firstLeaf+len(p.leaves), len(p.req.Minimums)+1+len(p.groups)+len(p.leaves)+outEdges)

	var sumMin Points
	for i, m := range p.req.Minimums {
		g.AddEdge(firstArea+i, sink, int64(m.Points))
		sumMin += m.Points
	}
	for i, grp := range p.groups {
		from := source
		if grp.parent >= 0 {
			from = firstGroup + grp.parent
		}
		g.AddEdge(from, firstGroup+i, int64(grp.cap))
	}
	outs := make([]int, 0, outEdges) // edges out of the leaves, in proposal order
	for i, l := range p.leaves {
		from := source
		if l.group >= 0 {
			from = firstGroup + l.group
		}
		v := firstLeaf + i
		g.AddEdge(from, v, int64(l.points))
		for _, a := range l.areas {
			outs = append(outs, g.AddEdge(v, firstArea+a, int64(l.points)))
		}
		outs = append(outs, g.AddEdge(v, related, int64(l.points)))
	}
	// Fill the area minimums first, then the remainder: augmenting toward the
	// remainder never takes flow off an area edge into the sink, so the result
	// is a maximum flow whose area shortfalls are as small as they can be.
	g.MaxFlow(source, sink)
	g.AddEdge(related, sink, int64(p.req.Total-sumMin))
	g.MaxFlow(source, sink)

	n := 0
	for _, e := range outs {
		if g.Flow(e) > 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	alloc := make([]Allocation, 0, n)
	for _, e := range outs {
		if f := g.Flow(e); f > 0 {
			leaf, to := g.Ends(e)
			area := AreaRelated
			if to != related {
				area = p.req.Minimums[to-firstArea].Area
			}
			alloc = append(alloc, Allocation{p.leaves[leaf-firstLeaf].id, area, Points(f)})
		}
	}
	return alloc
}

// shortfalls measures an allocation that already passed the entry checks:
// each area counts up to its minimum, and everything else, surplus in areas
// included, counts toward the rest of the total (R-ALLOC-2, R-REQ-8).
func (p *plan) shortfalls(alloc []Allocation) []Shortfall {
	inArea := make([]Points, len(p.req.Minimums))
	var related Points
	for _, a := range alloc {
		if i := p.areaIndex(a.Area); i >= 0 {
			inArea[i] += a.Points
		} else {
			related += a.Points
		}
	}
	var out []Shortfall
	var counted, rest, sumMin Points
	for i, m := range p.req.Minimums {
		got := inArea[i]
		counted += min(got, m.Points)
		rest += max(got-m.Points, 0)
		sumMin += m.Points
		if got < m.Points {
			out = append(out, Shortfall{m.Area, m.Points - got})
		}
	}
	counted += min(rest+related, p.req.Total-sumMin)
	if counted < p.req.Total {
		out = append([]Shortfall{{AreaTotal, p.req.Total - counted}}, out...)
	}
	return out
}

// areaIndex is the index of area in req.Minimums, -1 when it has no minimum.
func (p *plan) areaIndex(area Area) int {
	return slices.IndexFunc(p.req.Minimums, func(m Requirement) bool { return m.Area == area })
}
