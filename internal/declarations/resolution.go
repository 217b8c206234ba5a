package declarations

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// Resolution is the body of POST /v1/declarations/{id}/resolution: a new
// allocation (without one, the proposal over the transcript as it is now,
// new activities included), or for a failed audit an appeal letter
// (R-DEC-2, R-DEC-4).
type Resolution struct {
	Allocations *[]rules.Allocation `json:"allocations,omitempty"`
	Appeal      string              `json:"appeal,omitempty"`
}

// maxAppeal bounds the appeal letter kept in the history.
const maxAppeal = 2000

// Resolve answers d, a deficiency (-> processing) or a failed audit (->
// appealed), by its certificant `by` (the caller checked the ownership).
func (l *Lifecycle) Resolve(ctx context.Context, d partition.Declaration, by string, res Resolution) (partition.Declaration, error) {
	if _, ok := Next(d.Status, Resolve); !ok {
		return partition.Declaration{}, &TransitionError{From: d.Status, Decision: Resolve}
	}
	appeal := strings.TrimSpace(res.Appeal)
	if len(appeal) > maxAppeal {
		return partition.Declaration{}, &RuleError{Detail: "appeal too long", Errors: []fielderr.Field{{Field: "appeal", Rule: "R-DEC-4",
			Message: fmt.Sprintf("at most %d characters", maxAppeal)}}}
	}
	if d.Status == partition.AuditFailed && appeal != "" && res.Allocations == nil {
		return l.transit(ctx, d, Resolve, by, "appeal: "+appeal, nil, civil.Date{})
	}
	if d.Status == partition.Deficient && appeal != "" {
		return partition.Declaration{}, &RuleError{Detail: "an appeal answers a failed audit only", Errors: []fielderr.Field{{Field: "appeal", Rule: "R-DEC-4",
			Message: "resolve a deficiency with a new allocation or new activities"}}}
	}
	// Read before the transcript the allocation is judged on (Change.Fence).
	seen, err := l.store.TranscriptVersion(ctx, d.CertificantID)
	if err != nil {
		return partition.Declaration{}, fmt.Errorf("read transcript version: %w", err)
	}
	alloc, acts, err := l.reallocate(ctx, d, res.Allocations)
	if err != nil {
		return partition.Declaration{}, err
	}
	old, now := d.Allocated(), partition.Declaration{Allocations: alloc}.Allocated()
	if d.Status == partition.AuditFailed {
		if errs := lastMonthOnly(d, without(now, old), acts); len(errs) > 0 {
			return partition.Declaration{}, &RuleError{Detail: "after a failed audit only points of the last month of the cycle may be added", Errors: errs}
		}
	}
	reason := "new allocation"
	if appeal != "" {
		reason += "; appeal: " + appeal
	}
	return l.transit(ctx, d, Resolve, by, reason, func(n *partition.Declaration, c *Change) {
		n.Allocations, n.Reported = alloc, reported(acts, alloc)
		c.Fence = &seen
	}, civil.Date{})
}

// lastMonthOnly refuses, after a failed audit, every newly claimed activity
// completed before the first day of the cycle's last month (R-DEC-4).
func lastMonthOnly(d partition.Declaration, added []string, acts map[string]rules.Activity) []fielderr.Field {
	from := LastMonthFrom(d)
	var errs []fielderr.Field
	for _, id := range added {
		if a, ok := acts[id]; !ok || a.CompletedOn.Before(from) {
			errs = append(errs, fielderr.Field{Field: "allocations", Rule: "R-DEC-4",
				Message: fmt.Sprintf("activity %s was not completed on or after %s, the first day of the last month of the cycle", id, from)})
		}
	}
	return errs
}

// reallocate judges the new allocation against the transcript now, this
// declaration's own claims not counting against it (R-ALLOC, R-ACT-11); it
// also answers the transcript's activities by id.
func (l *Lifecycle) reallocate(ctx context.Context, d partition.Declaration, given *[]rules.Allocation) ([]rules.Allocation, map[string]rules.Activity, error) {
	snap, err := l.snapshot(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	in := snap.Evaluation
	in.ClaimedInCertification = maps.Clone(in.ClaimedInCertification)
	for _, id := range d.Allocated() {
		delete(in.ClaimedInCertification, id)
	}
	alloc, err := allocation(in, given)
	return alloc, activitiesByID(in.Activities), err
}

// snapshot reads the transcript of d's certificant as at d's submission.
func (l *Lifecycle) snapshot(ctx context.Context, d partition.Declaration) (Snapshot, error) {
	snap, found, err := l.loader.Load(ctx, d.CertificantID, d.Certification, d.SubmittedAt)
	if err != nil {
		return Snapshot{}, fmt.Errorf("load transcript: %w", err)
	}
	if !found {
		return Snapshot{}, ErrNotFound
	}
	return snap, nil
}

func activitiesByID(acts []rules.Activity) map[string]rules.Activity {
	out := make(map[string]rules.Activity, len(acts))
	for _, a := range acts {
		out[a.ID] = a
	}
	return out
}

// titles maps the activity ids of acts to their titles, for emails.
func titles(acts map[string]rules.Activity) map[string]string {
	out := make(map[string]string, len(acts))
	for id, a := range acts {
		out[id] = a.Title
	}
	return out
}

// without lists the ids of a not in b.
func without(a, b []string) []string {
	var out []string
	for _, id := range a {
		if !slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}
