package declarations

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
)

// StatusTemplate is the mail template of every transition (R-DEC-5).
const StatusTemplate = "declaration-status"

// Party is what a transition reads besides the declaration: who is told,
// and the certification an approval renews.
type Party struct {
	Email, Given  string
	Certification partition.Certification
}

// Renewal is what an approval writes to the certification (R-CYC-2, R-CYC-5).
type Renewal struct {
	CertKey    string
	Cycle      calendar.Period
	Effective  civil.Date
	Credential string
}

// Change is one transition as the store writes it, all or nothing: the
// declaration (conditional on the version and state read), its email, the
// markers released or taken, the renewal and the deadline entries.
type Change struct {
	From, To       partition.Declaration
	Mail           dynamo.OutboxItem
	ReleasePending bool
	// Fence is the transcript version read before a new allocation was
	// judged: the change commits only while no activity was deleted and no
	// declaration submitted since (R-ACT-11). Claims need no write: a
	// declaration's allocation holds them (Declaration.Claims).
	Fence   *int
	Renewal *Renewal
	Due     []Due
	// Also are writes of other records that change with it (the payment
	// cancelled with its declaration, R-PAY-4).
	Also []dynamo.Write
}

// Due is a ByDate entry: on On, the declaration-deadlines job looks at the
// declaration for Kind.
type Due struct {
	Kind DueKind
	On   civil.Date
}

// DueKind is why the job looks at a declaration on a day.
type DueKind string

const (
	// DueReminder: 10 days before a deadline (R-REM-2).
	DueReminder DueKind = "DEC-REMIND"
	// DueLapse: the day after a deadline (R-DEC-2, R-DEC-3).
	DueLapse DueKind = "DEC-LAPSE"
)

// LifecycleStore reads and writes what transitions need.
type LifecycleStore interface {
	Get(ctx context.Context, id string) (partition.Declaration, bool, error)
	Party(ctx context.Context, d partition.Declaration) (Party, error)
	Apply(ctx context.Context, c Change) error
	// TranscriptVersion reads the version a Change.Fence holds to.
	TranscriptVersion(ctx context.Context, certificantID string) (int, error)
	Queue(ctx context.Context, state partition.State) ([]partition.Declaration, error)
	// Owe puts an outbox item unless it is owed already (false then).
	Owe(ctx context.Context, item dynamo.OutboxItem) (bool, error)
}

// Errors of transitions.
var (
	// ErrStale: the declaration changed since it was read (409, R-DEC).
	ErrStale = errors.New("declarations: the declaration changed meanwhile")
)

// TransitionError is a decision that does not apply to the state (409, R-DEC).
type TransitionError struct {
	From     partition.State
	Decision Decision
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("decision %s does not apply to a %s declaration", e.Decision, e.From)
}

// Lifecycle is the R-DEC use case: staff decisions, resolutions, audit
// documents and deadline lapses.
type Lifecycle struct {
	store  LifecycleStore
	loader Loader
	now    func() time.Time
}

// NewLifecycle wires the store, the partition loader (for resolutions,
// audit documents and their reminders) and a clock. Audit selection is
// recorded at submission (Service.WithAuditShare), not decided here.
func NewLifecycle(store LifecycleStore, loader Loader, now func() time.Time) *Lifecycle {
	return &Lifecycle{store: store, loader: loader, now: now}
}

// Decide applies a staff decision by staff member `by` with reasons.
func (l *Lifecycle) Decide(ctx context.Context, id string, dec Decision, by string, reasons []string) (partition.Declaration, error) {
	if a, ok := ActorOf(dec); !ok || a != ActorStaff {
		return partition.Declaration{}, &RuleError{Detail: "unknown decision", Errors: []fielderr.Field{{Field: "decision", Rule: "R-DEC",
			Message: "one of review, approve, deficient, audit, audit_pass, audit_fail, appeal_grant, appeal_deny"}}}
	}
	d, err := l.Declaration(ctx, id)
	if err != nil {
		return partition.Declaration{}, err
	}
	return l.transit(ctx, d, dec, by, strings.Join(reasons, "; "), nil, civil.Date{})
}

// Declaration reads declaration id: ErrNotFound when there is none.
func (l *Lifecycle) Declaration(ctx context.Context, id string) (partition.Declaration, error) {
	d, found, err := l.store.Get(ctx, id)
	if err != nil {
		return partition.Declaration{}, fmt.Errorf("read declaration: %w", err)
	}
	if !found {
		return partition.Declaration{}, ErrNotFound
	}
	return d, nil
}

// Queue lists the declarations in state, an open one, for staff.
func (l *Lifecycle) Queue(ctx context.Context, state partition.State) ([]partition.Declaration, error) {
	ds, err := l.store.Queue(ctx, state)
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", state, err)
	}
	return ds, nil
}

// edit adjusts the declaration a transition writes (a resolution's new
// allocation); nil for none.
type edit func(d *partition.Declaration, c *Change)

// transit applies dec to d as read by the caller; the version guard of
// Apply turns a change since that read into ErrStale. A new deadline counts
// from notice, today when zero (a job passes the day it runs for).
func (l *Lifecycle) transit(ctx context.Context, d partition.Declaration, dec Decision, by, reason string, ed edit, notice civil.Date) (partition.Declaration, error) {
	party, err := l.store.Party(ctx, d)
	if err != nil {
		return partition.Declaration{}, fmt.Errorf("read certificant of %s: %w", d.ID, err)
	}
	now := l.now()
	if notice.IsZero() {
		notice = calendar.Today(now)
	}
	c, err := changeOn(d, dec, by, reason, party, now, notice)
	if err != nil {
		return partition.Declaration{}, err
	}
	if ed != nil {
		ed(&c.To, &c)
	}
	if err := l.store.Apply(ctx, c); err != nil {
		return partition.Declaration{}, fmt.Errorf("apply %s to %s: %w", dec, d.ID, err)
	}
	return c.To, nil
}

// ChangeOf computes a transition without writing it: the next state (R-DEC
// table; a review or an approval of a declaration selected for audit at
// submission opens the audit instead, R-DEC-3), the history entry, the
// deadline and its due entries, the renewal of an approval, the markers
// released by a final state, and the status email (R-DEC-5).
func ChangeOf(d partition.Declaration, dec Decision, by, reason string, p Party, now time.Time) (Change, error) {
	return changeOn(d, dec, by, reason, p, now, calendar.Today(now))
}

// changeOn is ChangeOf with the day a new deadline counts from.
func changeOn(d partition.Declaration, dec Decision, by, reason string, p Party, now time.Time, notice civil.Date) (Change, error) {
	to, ok := Next(d.Status, dec)
	if !ok {
		return Change{}, &TransitionError{From: d.Status, Decision: dec}
	}
	if (dec == Review || dec == Approve) && AuditPending(d) {
		to, reason = partition.UnderAudit, strings.TrimPrefix(reason+"; selected for audit (R-DEC-3)", "; ")
	}
	today := calendar.Today(now)
	n := d
	n.Status, n.Version = to, d.Version+1
	n.History = append(slices.Clone(d.History), partition.Transition{State: to, At: now.UTC(), By: by, Reason: reason})
	n.DeadlineOn = nil
	c := Change{From: d}
	if dl, ok := DeadlineFor(to, notice); ok {
		n.DeadlineOn = &dl
		c.Due = []Due{{Kind: DueReminder, On: ReminderOn(dl)}, {Kind: DueLapse, On: dl.AddDays(1)}}
	}
	if to == partition.Approved {
		r := Renew(p.Certification, d, today)
		n.Renewal = &r.Cycle
		c.Renewal = &r
	}
	if to.Final() {
		c.ReleasePending = true
	}
	c.To = n
	c.Mail = dynamo.NewOutbox(StatusTemplate, p.Email, statusMail(n, p, c.Renewal), now, n.ID, strconv.Itoa(n.Version))
	return c, nil
}

// Renew is the cycle an approval on today grants: the next cycle after the
// old expiration, effective no earlier than the first of the expiring month
// (R-CYC-2), even when a timely declaration is approved after the expiration
// (R-CYC-7 accepts late submissions); a reinstatement (decided at
// submission) or a voluntary participant gets a cycle from the approval date
// (R-CYC-4, R-CYC-5). CM shows through its end (R-CYC-6).
func Renew(c partition.Certification, d partition.Declaration, today civil.Date) Renewal {
	exp := c.Expiration()
	r := Renewal{CertKey: d.Certification, Effective: today}
	switch {
	case !c.CMPRequired || exp.IsZero() || d.Reinstatement:
		r.Cycle = calendar.CycleFromStart(today)
	default:
		r.Cycle = calendar.NextCycle(exp)
		r.Effective = calendar.RenewalEffective(exp, today)
	}
	r.Credential = calendar.Credential(c.Category, c.Program, r.Cycle.End, today)
	return r
}

// DecisionRequest is the body of POST /v1/declarations/{id}/decisions.
type DecisionRequest struct {
	Decision Decision `json:"decision"`
	Reasons  []string `json:"reasons,omitempty"`
}

// Check is the decision's shape: reasons are bounded (they end up in the
// history and the email).
func (d DecisionRequest) Check() []fielderr.Field {
	if len(d.Reasons) > maxReasons {
		return []fielderr.Field{{Field: "reasons", Rule: "R-DEC-5", Message: fmt.Sprintf("at most %d", maxReasons)}}
	}
	for i, s := range d.Reasons {
		if len(s) > maxReasonChars {
			return []fielderr.Field{{Field: fmt.Sprintf("reasons[%d]", i), Rule: "R-DEC-5", Message: fmt.Sprintf("at most %d characters", maxReasonChars)}}
		}
	}
	return nil
}

// Limits of staff reasons, which end up in the history and the email.
const (
	maxReasons     = 10
	maxReasonChars = 500
)
