package partition

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/rules"
	"github.com/boc/cmp/internal/statuslist"
)

// Certification is one certification as the profile shows it, and the
// attributes of its item (sk=CERT#<key>) that every reader decodes (Register).
type Certification struct {
	Key         string `json:"key" dynamodbav:"key"`
	Program     string `json:"program" dynamodbav:"program"`
	Category    string `json:"category" dynamodbav:"category"`
	Number      string `json:"number" dynamodbav:"number"`
	Status      string `json:"status" dynamodbav:"status"`
	CMPRequired bool   `json:"cmpRequired" dynamodbav:"cmpRequired"`
	// FirstIssued decides CMP required or voluntary (R-CAT-4) and never
	// changes; the cycle below changes at each renewal (R-CAT-5).
	FirstIssued string `json:"firstIssuedOn" dynamodbav:"firstIssued"`
	CycleStart  string `json:"cycleStart,omitempty" dynamodbav:"cycleStart,omitempty"`
	CycleEnd    string `json:"cycleEnd,omitempty" dynamodbav:"cycleEnd,omitempty"`
	Credential  string `json:"credential" dynamodbav:"credential"`
	// NextCycle is an approved renewal waiting for its effective date
	// (R-CYC-2); On fills it in, it is not stored as such.
	NextCycle *calendar.Period `json:"nextCycle,omitempty" dynamodbav:"-"`
	// InactiveUntil is the end of an extended period of inactive status
	// (R-INA-1); the cycle end moves to it too. Empty when not inactive.
	InactiveUntil string `json:"inactiveUntil,omitempty" dynamodbav:"inactiveUntil,omitempty"`
	// PriorCycleStart/End and EffectiveOn: a renewal approved before it
	// takes effect stores the new cycle above at once (so sweeps and new
	// declarations follow it) and keeps the cycle still current here until
	// EffectiveOn (R-CYC-2); On shows the right one for the day read.
	PriorCycleStart string `json:"-" dynamodbav:"priorCycleStart,omitempty"`
	PriorCycleEnd   string `json:"-" dynamodbav:"priorCycleEnd,omitempty"`
	EffectiveOn     string `json:"-" dynamodbav:"effectiveOn,omitempty"`
	// ScoreHeld: earned by a pass whose score is held for missing
	// transcripts; visible to staff only until the score email is owed (R-EXAM-2).
	ScoreHeld    bool   `json:"-" dynamodbav:"scoreHeld,omitempty"`
	Route        string `json:"-" dynamodbav:"route,omitempty"`
	RegisteredAt string `json:"-" dynamodbav:"registeredAt"`
}

// Registration is a certification to register: the body of POST
// /v1/certificants/{id}/certifications, or what an exam pass earns.
// StartedOn is the start of the current cycle; FirstIssuedOn the first
// issue (R-CAT-5), StartedOn when not given.
type Registration struct {
	Program       string     `json:"program"`
	Category      string     `json:"category"`
	StartedOn     civil.Date `json:"startedOn"`
	FirstIssuedOn civil.Date `json:"firstIssuedOn,omitzero"`
	Number        string     `json:"number,omitempty"`
	Route         string     `json:"route,omitempty"`
	// ScoreHeld: registered by a pass whose score is held (R-EXAM-2).
	ScoreHeld bool `json:"-"`
}

// On is the certification as it stands on today, derived from its dates
// whatever the stored status says: an approved renewal shows as nextCycle
// until its effective date and as the cycle from then on (R-CYC-2); a
// required certification is expired from the day after its cycle ends
// (R-CYC-8); a voluntary one never expires, CM showing while its cycle runs
// (R-CYC-5); inactive through an extended period (R-INA-1); CM while a
// maintained cycle is valid (R-CYC-6).
func (c Certification) On(today civil.Date) Certification {
	if c.EffectiveOn != "" {
		if eff, err := civil.Parse(c.EffectiveOn); err == nil && today.Before(eff) && c.PriorCycleEnd != "" {
			next := calendar.Period{Start: AttrDate(c.CycleStart), End: AttrDate(c.CycleEnd)}
			c.NextCycle = &next
			c.CycleStart, c.CycleEnd = c.PriorCycleStart, c.PriorCycleEnd
		}
		c.PriorCycleStart, c.PriorCycleEnd, c.EffectiveOn = "", "", ""
	}
	end := c.Expiration() // zero without a cycle: voluntary, never expires (R-CYC-5)
	c.Status = string(calendar.StatusActive)
	if c.CMPRequired {
		c.Status = string(calendar.StatusOn(end, today))
	}
	if c.InactiveUntil != "" && c.Status == string(calendar.StatusActive) {
		c.Status = string(calendar.StatusInactive)
	}
	c.Credential = calendar.Credential(c.Category, c.Program, end, today)
	return c
}

// ReexaminationRequired reports whether, on today, only re-examination
// restores c: a required certification expired 10 or more years (R-CYC-8).
func (c Certification) ReexaminationRequired(today civil.Date) bool {
	return c.CMPRequired && calendar.ReexaminationRequired(c.Expiration(), today)
}

// Expiration is the end of the current cycle; zero for a voluntary
// participant without one.
func (c Certification) Expiration() civil.Date {
	end, err := civil.Parse(c.CycleEnd)
	if err != nil {
		return civil.Date{}
	}
	return end
}

// numberPattern: numbers end up in emails and verification records: keep them plain.
var numberPattern = pattern.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// ValidNumber reports whether s has the form of a certification number.
func ValidNumber(s string) bool { return numberPattern.MatchString(s) }

// CertificationItem is a stored certification. A time-limited one enters the
// sparse ByDate index under its expiration, so reminder and expiry sweeps
// find it by date; a voluntary one has no expiration and stays out. Email
// and Given are the certificant's, copied at registration: a reminder sweep
// then reads the index alone, no profile per reminder (issue 7). A future
// change of a profile's email or name must update these copies too.
type CertificationItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Type          string `dynamodbav:"type"`
	CertificantID string `dynamodbav:"certificantId"`
	Certification
	Email string `dynamodbav:"email"`
	Given string `dynamodbav:"given"`
	// Where the current cycle's digital credential keeps its status bits
	// (R-CRED-3), set when the credential is first fetched.
	statuslist.Entry
	DatePK string `dynamodbav:"datePk,omitempty"`
	DateSK string `dynamodbav:"dateSk,omitempty"`
	// NumberPK enters the item in the sparse ByNumber index and Family is
	// copied beside it, so a provider's line is matched by number and family
	// name with one index Query (R-PROV-2).
	NumberPK string `dynamodbav:"numberPk,omitempty"`
	Family   string `dynamodbav:"family,omitempty"`
}

// CertificationItemType is the type attribute of certification items.
const CertificationItemType = "certification"

// NewCertificationItem is the item of certification c held by the
// certificant whose profile is p.
func NewCertificationItem(certificantID string, p ProfileItem, c Certification) CertificationItem {
	k := dynamo.CertificationKey(certificantID, c.Key)
	it := CertificationItem{PK: k.PK, SK: k.SK, Type: CertificationItemType, CertificantID: certificantID, Certification: c,
		Email: p.Email, Given: p.Given, Family: p.Family}
	if c.Number != "" {
		it.NumberPK = dynamo.NumberPK(c.Number)
	}
	if c.CycleEnd != "" {
		it.DatePK, it.DateSK = ExpiryIndex(certificantID, c.Key, c.CycleEnd)
	}
	return it
}

// ExpiryIndex is the ByDate entry (datePk, dateSk) of a certification
// expiring on day: a sharded EXP partition of the day.
func ExpiryIndex(certificantID, certKey, day string) (datePK, dateSK string) {
	ref := certificantID + "#" + certKey
	return dynamo.DatePK(dynamo.ExpiryDateKind, day, ref), ref
}

// CycleMove is a certification's new cycle, as an approved renewal, an
// inactive status grant or a re-examination writes it.
type CycleMove struct {
	CertificantID, CertKey string
	Cycle                  calendar.Period
	Credential             string
	// Inactive: the cycle end is that of an extended period of inactive
	// status (R-INA-1); otherwise the certification is active.
	Inactive bool
	// EffectiveOn, when set, is the later day a renewal takes effect: until
	// then the current cycle stays what the profile shows (R-CYC-2, On).
	EffectiveOn civil.Date
	// IfCycleEnd, when set, is the cycle end the change was decided on: a
	// renewal or an expiry in between makes the write fail.
	IfCycleEnd string
	// IfStatusCycle, when set, is the status entry's cycle read with the
	// certification ("" for none): a credential entry taken in between
	// makes the write fail, so its suspension cannot be missed (R-CRED-3).
	IfStatusCycle *string
}

// MoveCycle is the update that moves a certification to m's cycle, status
// and credential, and its ByDate EXP entry to the new expiration, so the old
// date's reminders stop and the expiry job follows the new one (R-CYC-2,
// R-INA-1, R-INA-2).
func MoveCycle(label string, m CycleMove) (dynamo.Write, error) {
	end := m.Cycle.End.String()
	dpk, dsk := ExpiryIndex(m.CertificantID, m.CertKey, end)
	set := []string{"cycleStart = :start", "cycleEnd = :end", "#status = :status", "credential = :cred", "datePk = :dpk", "dateSk = :dsk"}
	var remove []string
	values := map[string]any{":start": m.Cycle.Start.String(), ":end": end, ":cred": m.Credential, ":dpk": dpk, ":dsk": dsk}
	status := calendar.StatusActive
	if m.Inactive {
		status, set = calendar.StatusInactive, append(set, "inactiveUntil = :end")
	} else {
		remove = append(remove, "inactiveUntil")
	}
	if m.EffectiveOn.IsZero() {
		remove = append(remove, "priorCycleStart", "priorCycleEnd", "effectiveOn")
	} else {
		// The right-hand sides read the item before the update: the cycle still current.
		set = append(set, "priorCycleStart = cycleStart", "priorCycleEnd = cycleEnd", "effectiveOn = :eff")
		values[":eff"] = m.EffectiveOn.String()
	}
	values[":status"] = string(status)
	update := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	cond := dynamo.Condition{Expr: "attribute_exists(pk)", Names: map[string]string{"#status": "status"}, Values: values}
	if m.IfCycleEnd != "" {
		cond.Expr += " AND cycleEnd = :was"
		cond.Values[":was"] = m.IfCycleEnd
	}
	switch {
	case m.IfStatusCycle == nil:
	case *m.IfStatusCycle == "":
		cond.Expr += " AND attribute_not_exists(statusCycle)"
	default:
		cond.Expr += " AND statusCycle = :statusCycle"
		cond.Values[":statusCycle"] = *m.IfStatusCycle
	}
	return dynamo.Update(label, dynamo.CertificationKey(m.CertificantID, m.CertKey), update, cond)
}

// Expire marks a required certification expired, with the credential cred
// (no CM), once its cycle ending on end has ended (R-CYC-8). Conditional on
// that cycle end, so a renewal in between wins and a rerun changes nothing.
func Expire(label, certificantID, certKey, end, cred string) (dynamo.Write, error) {
	return dynamo.Update(label, dynamo.CertificationKey(certificantID, certKey), "SET #status = :expired, credential = :cred",
		dynamo.Condition{Expr: "cycleEnd = :end AND #status <> :expired", Names: map[string]string{"#status": "status"},
			Values: map[string]any{":end": end, ":expired": string(calendar.StatusExpired), ":cred": cred}})
}

// DropCM ends a voluntary participant's CM period that ended on end: the
// plain credential cred, no cycle, out of the ByDate index (R-CYC-5).
// Conditional on that cycle end, as Expire.
func DropCM(label, certificantID, certKey, end, cred string) (dynamo.Write, error) {
	return dynamo.Update(label, dynamo.CertificationKey(certificantID, certKey), "SET credential = :cred REMOVE cycleStart, cycleEnd, datePk, dateSk",
		dynamo.Condition{Expr: "cycleEnd = :end", Values: map[string]any{":end": end, ":cred": cred}})
}

// NumberIndex is the sparse GSI of certification numbers (dynamo patterns).
const NumberIndex = "ByNumber"

// Holder is a certificant who holds a certification under a number.
type Holder struct {
	CertificantID string `dynamodbav:"certificantId"`
	Family        string `dynamodbav:"family"`
}

// Routes end up in emails and verification records: keep them plain.
var routePattern = pattern.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// NewCertification validates a registration at now and computes the
// certification it makes (number, cycle, status, credential) without storing
// it: certificants registers it alone, an exam pass in the same transaction
// as its attempt.
func NewCertification(in Registration, now time.Time) (Certification, error) {
	var errs []fielderr.Field
	cert, err := rules.NewCertification(strings.TrimSpace(in.Program), strings.TrimSpace(in.Category))
	if err != nil {
		errs = append(errs, fielderr.Field{Field: "category", Rule: rules.RuleOf(err, "R-CAT-1"), Message: err.Error()})
	}
	today := calendar.Today(now)
	switch {
	case in.StartedOn.IsZero():
		errs = append(errs, fielderr.Field{Field: "startedOn", Rule: "R-CYC-1", Message: "required, YYYY-MM-DD"})
	case in.StartedOn.After(today):
		errs = append(errs, fielderr.Field{Field: "startedOn", Rule: "R-CYC-1", Message: "must not be in the future"})
	}
	first := in.FirstIssuedOn
	if first.IsZero() {
		first = in.StartedOn
	} else if !in.StartedOn.IsZero() && first.After(in.StartedOn) {
		errs = append(errs, fielderr.Field{Field: "firstIssuedOn", Rule: "R-CAT-5", Message: "the first issue cannot be after the current cycle's start"})
	}
	number := strings.TrimSpace(in.Number)
	if number != "" && !ValidNumber(number) {
		errs = append(errs, fielderr.Field{Field: "number", Message: "letters, digits and '-', at most 32"})
	}
	route := strings.TrimSpace(in.Route)
	if route != "" && !routePattern.MatchString(route) {
		errs = append(errs, fielderr.Field{Field: "route", Message: "letters, digits, '_' and '-', at most 32"})
	}
	if len(errs) > 0 {
		return Certification{}, &fielderr.Invalid{Detail: "invalid request", Fields: errs}
	}
	if number == "" {
		number = newNumber()
	}
	c := Certification{
		Key: cert.Key(), Program: string(cert.Program), Category: cert.Category, Number: number,
		CMPRequired: cert.CMPRequired(first), FirstIssued: first.String(), Route: route,
		RegisteredAt: now.UTC().Format(time.RFC3339), ScoreHeld: in.ScoreHeld,
	}
	// A voluntary participant has no cycle until a declaration grants one
	// (R-CYC-5); one registered as renewed holds that CM period (R-CAT-5).
	if c.CMPRequired || first != in.StartedOn {
		cycle := calendar.CycleFromStart(in.StartedOn)
		c.CycleStart, c.CycleEnd = cycle.Start.String(), cycle.End.String()
	}
	return c.On(today), nil
}

// newNumber draws a certification number when staff give none.
func newNumber() string { return strings.ToUpper(rand.Text()[:10]) }
