package declarations

import (
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/partition"
)

// Decision is an event that moves a declaration (R-DEC): a staff decision
// of api.md, the certificant's resolution, or a deadline passing.
type Decision string

// Staff decisions (POST /v1/declarations/{id}/decisions).
const (
	Review      Decision = "review"
	Approve     Decision = "approve"
	Deficiency  Decision = "deficient"
	Audit       Decision = "audit"
	AuditPass   Decision = "audit_pass"
	AuditFail   Decision = "audit_fail"
	AppealGrant Decision = "appeal_grant"
	AppealDeny  Decision = "appeal_deny"
)

// Events that are not staff decisions.
const (
	// Resolve: the certificant fixes a deficiency or answers a failed audit
	// with new points or an appeal letter (R-DEC-2, R-DEC-4).
	Resolve Decision = "resolve"
	// Lapse: a deficiency or audit deadline passed (the declaration-deadlines job).
	Lapse Decision = "lapse"
	// Cancel: unpaid 24 hours after it was created (the same job, R-PAY-4).
	Cancel Decision = "cancel"
)

// Actor is who may take a decision.
type Actor string

const (
	ActorStaff Actor = "staff"
	ActorSelf  Actor = "self"
	ActorJob   Actor = "job"
)

type move struct {
	from partition.State
	by   Decision
}

// lifecycle is the whole R-DEC state machine: state x decision -> next state.
// Anything missing is an illegal transition (409 naming R-DEC).
var lifecycle = map[move]partition.State{
	{partition.Submitted, Review}:       partition.Processing,
	{partition.Submitted, Approve}:      partition.Approved,
	{partition.Submitted, Deficiency}:   partition.Deficient,
	{partition.Submitted, Audit}:        partition.UnderAudit,
	{partition.Processing, Approve}:     partition.Approved,
	{partition.Processing, Deficiency}:  partition.Deficient,
	{partition.Processing, Audit}:       partition.UnderAudit,
	{partition.Deficient, Resolve}:      partition.Processing,
	{partition.Deficient, Lapse}:        partition.Deleted,
	{partition.UnderAudit, AuditPass}:   partition.Approved,
	{partition.UnderAudit, AuditFail}:   partition.AuditFailed,
	{partition.UnderAudit, Lapse}:       partition.AuditFailed,
	{partition.AuditFailed, Resolve}:    partition.Appealed,
	{partition.AuditFailed, Lapse}:      partition.Rejected,
	{partition.Appealed, AppealGrant}:   partition.Approved,
	{partition.Appealed, AppealDeny}:    partition.Rejected,
	{partition.AwaitingPayment, Cancel}: partition.Cancelled,
}

// actors says who takes each decision.
var actors = map[Decision]Actor{
	Review: ActorStaff, Approve: ActorStaff, Deficiency: ActorStaff, Audit: ActorStaff,
	AuditPass: ActorStaff, AuditFail: ActorStaff, AppealGrant: ActorStaff, AppealDeny: ActorStaff,
	Resolve: ActorSelf, Lapse: ActorJob, Cancel: ActorJob,
}

// ActorOf is who takes d; false for an unknown decision.
func ActorOf(d Decision) (Actor, bool) {
	a, ok := actors[d]
	return a, ok
}

// LastMonthFrom is the first day of the last month of the cycle d closes:
// after a failed audit only points completed from then on may be added
// (R-DEC-4). A reinstatement or voluntary declaration, which closes no
// cycle, counts back from the end of its CE window.
func LastMonthFrom(d partition.Declaration) civil.Date {
	if d.Expiration != nil && !d.Reinstatement {
		return d.Expiration.FirstOfMonth()
	}
	return d.CEWindow.End.FirstOfMonth()
}

// Next is the state d moves from into; false when d does not apply to from.
func Next(from partition.State, d Decision) (partition.State, bool) {
	to, ok := lifecycle[move{from, d}]
	return to, ok
}

// Deadline rules of R-DEC-2, R-DEC-3 and R-DEC-4, and the R-REM-2 reminder lead.
const (
	deficiencyDays         = 30 // calendar days from notice (R-DEC-2)
	auditBusinessDays      = 30 // business days to upload documentation (R-DEC-3)
	auditFailedBusinessDay = 30 // business days to answer a failed audit (R-DEC-4)
	reminderLeadDays       = 10 // reminder before either deadline (R-REM-2)
)

// DeadlineFor is the last day to act in state s entered on notice; false
// when s has no deadline.
func DeadlineFor(s partition.State, notice civil.Date) (civil.Date, bool) {
	switch s {
	case partition.Deficient:
		return notice.AddDays(deficiencyDays), true
	case partition.UnderAudit:
		return calendar.AddBusinessDays(notice, auditBusinessDays), true
	case partition.AuditFailed:
		return calendar.AddBusinessDays(notice, auditFailedBusinessDay), true
	}
	return civil.Date{}, false
}

// ReminderOn is the day the R-REM-2 reminder of a deadline is due.
func ReminderOn(deadline civil.Date) civil.Date { return deadline.AddDays(-reminderLeadDays) }

// Open reports whether s is a state some decision still applies to: the
// states the staff queue serves.
func Open(s partition.State) bool {
	for m := range lifecycle {
		if m.from == s {
			return true
		}
	}
	return false
}
