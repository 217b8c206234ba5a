package inactive

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
)

// Decision is the body of POST /v1/certificants/{id}/inactive-requests/{requestId}/decision.
type Decision struct {
	Decision      string     `json:"decision"`
	ExtendedUntil civil.Date `json:"extendedUntil"`
	Reason        string     `json:"reason"`
}

// Decisions staff take on a request (R-INA-1).
const (
	Grant = "grant"
	Deny  = "deny"
)

// Statuses of a decided request.
const (
	Granted Status = "granted"
	Denied  Status = "denied"
)

// ErrDecided: the request was decided already, or meanwhile (409).
var ErrDecided = errors.New("inactive: the request is decided already")

// ErrAwaitingPayment: the request is not registered until its fee is paid
// (409, R-PAY-1).
var ErrAwaitingPayment = errors.New("inactive: the request awaits its fee")

// Outcome is what a decision writes: the decided request, for a grant the
// certification's extended cycle, and the data of the decision email.
type Outcome struct {
	Request InactiveRequest
	Cycle   *partition.CycleMove
	Mail    map[string]string
}

// Check is the decision's own shape (R-INA-1), judged before the request is
// read (422 before 404 and 409): grant or deny, a grant's extendedUntil, a
// denial's reason.
func (d Decision) Check() []fielderr.Field {
	var errs []fielderr.Field
	add := func(field, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: "R-INA-1", Message: msg})
	}
	reason := strings.TrimSpace(d.Reason)
	if len(reason) > maxReason {
		add("reason", fmt.Sprintf("at most %d characters", maxReason))
	}
	switch d.Decision {
	case Grant:
		if d.ExtendedUntil.IsZero() {
			add("extendedUntil", "required for a grant: the last day of the extended period, YYYY-MM-DD")
		}
	case Deny:
		if !d.ExtendedUntil.IsZero() {
			add("extendedUntil", "only with a grant")
		}
		if reason == "" {
			add("reason", "required for a denial: the certificant is told why")
		}
	default:
		add("decision", "one of grant, deny")
	}
	return errs
}

// Judge decides request r of the certification item held (as stored) by staff member
// by at now (R-INA-1): a grant extends the cycle to ExtendedUntil, which must
// lie after the current expiration and after today, and makes the
// certification inactive; at the end of that period the certificant
// declares the points earned within it, or the certification expires
// (R-INA-2). A denial needs a reason. Errors: ErrDecided, *fielderr.Invalid.
func Judge(r InactiveRequest, held partition.CertificationItem, d Decision, by string, now time.Time) (Outcome, error) {
	c := held.Certification
	if r.Status == AwaitingPayment {
		return Outcome{}, ErrAwaitingPayment
	}
	if r.Status != Requested {
		return Outcome{}, ErrDecided
	}
	d.Reason = strings.TrimSpace(d.Reason)
	today := calendar.Today(now)
	// Only for a certification current or expired less than 10 years
	// (R-INA-1, R-CYC-8): a grant must never revive one only an exam restores.
	if d.Decision == Grant && c.ReexaminationRequired(today) {
		return Outcome{}, ErrReexamination
	}
	// The decision's own shape first, then what the stored cycle allows.
	errs := d.Check()
	add := func(field, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: "R-INA-1", Message: msg})
	}
	var cycle calendar.Period
	if d.Decision == Grant {
		start, serr := civil.Parse(c.CycleStart)
		end, eerr := civil.Parse(c.CycleEnd)
		switch {
		case serr != nil || eerr != nil:
			add("decision", "the certification has no expiration to extend (voluntary participation)")
		case d.ExtendedUntil.IsZero(): // named by Check
		case !d.ExtendedUntil.After(end) || !d.ExtendedUntil.After(today):
			add("extendedUntil", fmt.Sprintf("must be after the current expiration %s and after today %s", end, today))
		}
		cycle = calendar.Period{Start: start, End: d.ExtendedUntil}
	}
	if len(errs) > 0 {
		return Outcome{}, &fielderr.Invalid{Detail: "the inactive status request cannot be accepted", Fields: errs}
	}
	at := now.UTC()
	n := r
	n.DecidedAt, n.DecidedBy, n.DecisionReason = &at, by, d.Reason
	mail := map[string]string{"given": held.Given, "certification": r.Certification, "requestId": r.ID, "reason": d.Reason,
		"extendedUntil": "", "periodStart": ""}
	var move *partition.CycleMove
	if d.Decision == Grant {
		n.Status, n.ExtendedUntil = Granted, &d.ExtendedUntil
		move = &partition.CycleMove{CertificantID: r.CertificantID, CertKey: r.Certification, Cycle: cycle,
			Credential: calendar.Credential(c.Category, c.Program, cycle.End, today), Inactive: true, IfCycleEnd: c.CycleEnd}
		mail["decision"], mail["extendedUntil"], mail["periodStart"] = "granted", cycle.End.String(), cycle.Start.String()
		mail["todo"] = fmt.Sprintf("Your certification is inactive and now expires on %[1]s. Declare all points earned within the "+
			"extended period, %[2]s to %[1]s, in a CMP declaration; submissions open on %[3]s. Without an approved declaration "+
			"the certification expires after %[1]s.", cycle.End, cycle.Start, calendar.SubmissionWindowFor(cycle.End).Opens)
	} else {
		n.Status = Denied
		mail["decision"] = "denied"
		mail["todo"] = fmt.Sprintf("Your certification keeps its expiration date%s; the fee of %s is not refundable. "+
			"You may send a new request with further documentation.", expiring(c), money(r.Fee))
	}
	return Outcome{Request: n, Cycle: move, Mail: mail}, nil
}

// expiring is " of <date>" for a certification with an expiration.
func expiring(c partition.Certification) string {
	if c.CycleEnd == "" {
		return ""
	}
	return " of " + c.CycleEnd
}

func money(q fees.Quote) string { return fees.Amount(q.TotalCents, q.Currency) }
