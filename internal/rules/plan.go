package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/boc/cmp/internal/civil"
)

// Window is a CE window, both ends inclusive (R-CYC-3..5).
type Window struct {
	From civil.Date
	To   civil.Date
}

// EvaluationInput is everything the rules need to judge a transcript for one cycle.
type EvaluationInput struct {
	Certification Certification
	// Requirements, when Total is zero, come from RequirementsFor(Certification, Expires).
	Requirements Requirements
	Expires      civil.Date
	Window       Window
	Activities   []Activity
	// ClaimedInCertification: ids claimed by another approved or pending
	// declaration of this same certification (R-ACT-11).
	ClaimedInCertification map[string]bool
	// ClaimedElsewhere: ids claimed by declarations of other certifications;
	// only once-only entries (advanced certification, covid) care (R-ACT-3, R-ACT-9).
	ClaimedElsewhere map[string]bool
	// CovidUsedElsewhere: the certificant's one covid claim went to another cycle (R-ACT-9).
	CovidUsedElsewhere bool
}

// Capped is an amount of an activity's points that does not count because of a
// cap; the points stay on the transcript (R-ACT-10).
type Capped struct {
	ActivityID string `json:"activityId"`
	Points     Points `json:"points"`
	Rule       string `json:"rule"`
	Reason     string `json:"reason"`
}

// Excluded is an activity that does not count for this cycle at all, and why.
type Excluded struct {
	ActivityID string `json:"activityId"`
	Rule       string `json:"rule"`
	Reason     string `json:"reason"`
}

// plan is a transcript turned into the allocation model: leaves (activities
// with countable points and the requirement areas they may feed) under a tree
// of cap groups.
type plan struct {
	req      Requirements
	leaves   []leaf
	groups   []capGroup // parents precede their children
	capped   []Capped
	excluded []Excluded // in transcript order
}

type leaf struct {
	id          string
	points      Points // before caps of groups
	group       int    // innermost cap group, -1 for none
	areas       []int  // indexes into req.Minimums the activity covers
	relatedOnly bool   // covid: only the related remainder (R-ACT-9, R-AREA-3)
}

type capGroup struct {
	parent  int // -1 for none
	cap     Points
	rule    string
	typ     ActivityType
	key     groupKey
	members []int // leaves anywhere under the group, in transcript order
	why     string
}

// reason explains the cap; built once and only when reported, to keep
// evaluation cheap.
func (g *capGroup) reason() string {
	if g.why == "" {
		g.why = g.explain()
	}
	return g.why
}

func (g *capGroup) explain() string {
	switch g.key.kind {
	case 'h':
		return string(g.typ) + " points count at most 50% of the total required (" + g.cap.String() + ")"
	case 'c':
		return string(g.typ) + " points count at most " + g.cap.String() + " per cycle"
	}
	return string(g.typ) + " points count at most " + g.cap.String() + " per calendar year (" + strconv.Itoa(g.key.year) + ")"
}

// newPlan validates the input and applies every per-activity rule.
func newPlan(in EvaluationInput) (*plan, error) {
	req := in.Requirements
	if req.Total == 0 {
		var err error
		if req, err = RequirementsFor(in.Certification, in.Expires); err != nil {
			return nil, err
		}
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if in.Window.From.IsZero() || in.Window.To.IsZero() || in.Window.To.Before(in.Window.From) {
		return nil, fmt.Errorf("CE window %s..%s is not a date range", in.Window.From, in.Window.To)
	}
	p := &plan{req: req, leaves: make([]leaf, 0, len(in.Activities))}
	acts, err := sortedActivities(in.Activities)
	if err != nil {
		return nil, err
	}
	repeats := repeatedPresentations(acts)
	// One backing array for the area indexes of all leaves; an activity
	// covers at most as many minimums as it names areas.
	named := 0
	for _, a := range acts {
		named += len(a.Areas)
	}
	areaIdx := make([]int, 0, named)
	var outsideWindow string // built on first use: formatting dates is not free
	covidCounted := false
	for _, a := range acts {
		rule, known := activityRules[a.Type]
		if !known {
			p.exclude(a.ID, "R-ACT", fmt.Sprintf("unknown activity type %q", a.Type))
			continue
		}
		switch {
		case a.Status == PendingReview:
			p.exclude(a.ID, "R-ACT-9", "pending staff review")
			continue
		case a.Status == Rejected:
			p.exclude(a.ID, rule.rule, "rejected on staff review: never counts")
		case a.Status == Disputed:
			p.exclude(a.ID, "R-PROV-3", "disputed by the certificant")
			continue
		case a.Status != Accepted:
			p.exclude(a.ID, rule.rule, "not accepted")
			continue
		case !a.CompletedOn.Between(in.Window.From, in.Window.To):
			if outsideWindow == "" {
				outsideWindow = fmt.Sprintf(", outside the CE window %s to %s", in.Window.From, in.Window.To)
			}
			p.exclude(a.ID, "R-ACT-11", "completed "+a.CompletedOn.String()+outsideWindow)
			continue
		case in.ClaimedInCertification[a.ID]:
			p.exclude(a.ID, "R-ACT-11", "already claimed by another declaration of "+in.Certification.Key())
			continue
		}
		switch a.Type {
		case AdvancedCertification:
			if a.Earned == in.Certification {
				p.capped = append(p.capped, Capped{a.ID, a.Points, "R-ACT-3", "earned in " + a.Earned.Key() + ": never counts toward that certification"})
				continue
			}
			if in.ClaimedElsewhere[a.ID] {
				p.exclude(a.ID, "R-ACT-3", "advanced certification points are usable once and were used for another certification")
				continue
			}
		case CovidCE:
			switch {
			case !a.CompletedOn.Between(covidFrom, covidTo):
				p.exclude(a.ID, "R-ACT-9", fmt.Sprintf("covid CE must be completed between %s and %s", covidFrom, covidTo))
				continue
			case in.CovidUsedElsewhere || in.ClaimedElsewhere[a.ID] || covidCounted:
				p.exclude(a.ID, "R-ACT-9", "one covid entry per certificant, ever: already used")
				continue
			}
			covidCounted = true
		case Presentation:
			if repeats[a.ID] {
				p.capped = append(p.capped, Capped{a.ID, a.Points, "R-ACT-6", "repeat of an earlier presentation with the same title: first delivery only"})
				continue
			}
		}
		if a.Points <= 0 {
			continue
		}
		l := leaf{id: a.ID, points: a.Points, relatedOnly: a.Type == CovidCE,
			group: p.groupFor(a, rule)}
		if !l.relatedOnly {
			from := len(areaIdx)
			for i, m := range req.Minimums {
				if slices.Contains(a.Areas, m.Area) {
					areaIdx = append(areaIdx, i)
				}
			}
			l.areas = areaIdx[from:len(areaIdx):len(areaIdx)]
		}
		p.leaves = append(p.leaves, l)
	}
	p.attributeCaps()
	return p, nil
}

// sortedActivities orders by completion then id, so "first delivery", "first
// covid entry" and which points a cap trims are decided the same way every time.
func sortedActivities(in []Activity) ([]*Activity, error) {
	seen := make(map[string]bool, len(in))
	acts := make([]*Activity, len(in))
	for i := range in {
		a := &in[i]
		if a.ID == "" || seen[a.ID] {
			return nil, fmt.Errorf("activity id %q empty or repeated", a.ID)
		}
		if a.Points < 0 || a.Points > maxDecimal {
			return nil, fmt.Errorf("activity %q: points %s out of range", a.ID, a.Points)
		}
		seen[a.ID] = true
		acts[i] = a
	}
	slices.SortFunc(acts, func(a, b *Activity) int {
		if c := a.CompletedOn.Compare(b.CompletedOn); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return acts, nil
}

// repeatedPresentations finds presentations whose title was delivered before,
// in any cycle (R-ACT-6). Titles compare by case and spacing-insensitive text.
func repeatedPresentations(sorted []*Activity) map[string]bool {
	first := map[string]bool{}
	repeats := map[string]bool{}
	for _, a := range sorted {
		if a.Type != Presentation {
			continue
		}
		t := strings.ToLower(strings.Join(strings.Fields(a.Title), " "))
		if first[t] {
			repeats[a.ID] = true
		}
		first[t] = true
	}
	return repeats
}

func (p *plan) exclude(id, rule, reason string) {
	p.excluded = append(p.excluded, Excluded{id, rule, reason})
}

// groupKey names a cap group: one per type and kind, and per year for
// yearly caps.
type groupKey struct {
	rule *activityRule // the type's row: compares faster than its name
	kind byte          // 'h' half of total, 'c' per cycle, 'y' per year
	year int
}

// groupFor returns the innermost cap group of an activity, creating the
// groups its type needs: 50% of the total (R-ACT-2,6), per cycle, per
// calendar year under it (R-ACT-4,5,8,9). Groups are few (capped types times
// years in the window), so a scan finds them faster than hashing would.
func (p *plan) groupFor(a *Activity, rule *activityRule) int {
	parent := -1
	get := func(key groupKey, capPts Points) int {
		for g := range p.groups {
			if p.groups[g].key == key {
				return g
			}
		}
		p.groups = append(p.groups, capGroup{parent: parent, cap: capPts, rule: rule.rule, typ: a.Type, key: key})
		return len(p.groups) - 1
	}
	if rule.halfOfTotal {
		parent = get(groupKey{rule, 'h', 0}, p.req.Total/2)
	}
	if rule.perCycle > 0 {
		parent = get(groupKey{rule, 'c', 0}, rule.perCycle)
	}
	if rule.perYear > 0 {
		parent = get(groupKey{rule, 'y', a.CompletedOn.Year}, rule.perYear)
	}
	return parent
}

// attributeCaps reports, for display (R-ACT-10), which points each cap trims:
// the latest activities of an over-full group lose first. The allocation
// itself is free to choose any activities within the caps.
func (p *plan) attributeCaps() {
	// Members of all groups share one backing array, each group's part sized
	// by a first count.
	counts := make([]int, len(p.groups))
	all := 0
	for _, l := range p.leaves {
		for g := l.group; g >= 0; g = p.groups[g].parent {
			counts[g]++
			all++
		}
	}
	members := make([]int, all)
	for g := range p.groups {
		p.groups[g].members, members = members[:0:counts[g]], members[counts[g]:]
	}
	left := make([]Points, len(p.leaves))
	for i, l := range p.leaves {
		left[i] = l.points
		for g := l.group; g >= 0; g = p.groups[g].parent {
			p.groups[g].members = append(p.groups[g].members, i)
		}
	}
	for g := len(p.groups) - 1; g >= 0; g-- { // children before parents
		grp := &p.groups[g]
		excess := -grp.cap
		for _, i := range grp.members {
			excess += left[i]
		}
		for j := len(grp.members) - 1; j >= 0 && excess > 0; j-- {
			i := grp.members[j]
			cut := min(excess, left[i])
			if cut == 0 {
				continue
			}
			left[i] -= cut
			excess -= cut
			p.capped = append(p.capped, Capped{p.leaves[i].id, cut, grp.rule, grp.reason()})
		}
	}
}

// earned is, for AreaTotal and then for each minimum in order, the most points
// the leaves covering it can supply together under the caps: each group
// passes on min(cap, what its members supply).
func (p *plan) earned() []Points {
	rows := 1 + len(p.req.Minimums) // row 0 is AreaTotal: every leaf
	out := make([]Points, rows)
	acc := make([]Points, rows*len(p.groups)) // acc[row*len(groups)+group]
	add := func(row int, l leaf) {
		if l.group < 0 {
			out[row] += l.points
		} else {
			acc[row*len(p.groups)+l.group] += l.points
		}
	}
	for _, l := range p.leaves {
		add(0, l)
		for _, a := range l.areas {
			add(1+a, l)
		}
	}
	for row := range rows {
		sums := acc[row*len(p.groups) : (row+1)*len(p.groups)]
		for g := len(p.groups) - 1; g >= 0; g-- {
			v := min(sums[g], p.groups[g].cap)
			if par := p.groups[g].parent; par >= 0 {
				sums[par] += v
			} else {
				out[row] += v
			}
		}
	}
	return out
}
