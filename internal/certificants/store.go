package certificants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/statuslist"
)

// WelcomeTemplate is the mail template owed to a new certificant.
const WelcomeTemplate = "welcome"

// ProfileItem is the stored profile (sk=PROFILE), decoded by partition readers.
type ProfileItem struct {
	dynamo.Key
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	Given     string `dynamodbav:"given"`
	Family    string `dynamodbav:"family"`
	Email     string `dynamodbav:"email"`
	Country   string `dynamodbav:"country"`
	CreatedAt string `dynamodbav:"createdAt"`
}

// Profile is the profile of the item, without certifications.
func (it ProfileItem) Profile() Profile {
	return Profile{ID: it.ID, Name: Name{Given: it.Given, Family: it.Family}, Email: it.Email,
		Country: it.Country, CreatedAt: it.CreatedAt, Certifications: []Certification{}}
}

// Item is the stored profile (certifications are items of their own).
func (p Profile) Item() ProfileItem {
	return ProfileItem{Key: dynamo.ProfileKey(p.ID), Type: "certificant", ID: p.ID,
		Given: p.Name.Given, Family: p.Name.Family, Email: p.Email, Country: p.Country, CreatedAt: p.CreatedAt}
}

// TableStore keeps certificants in the table.
type TableStore struct {
	table *dynamo.Table
	now   func() time.Time
}

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table, now func() time.Time) *TableStore {
	return &TableStore{table: table, now: now}
}

// Create puts the profile if its id is free, with the welcome email in the
// same transaction: no certificant without the email, no email without one.
func (s *TableStore) Create(ctx context.Context, p Profile) error {
	profile, err := dynamo.Put("profile", p.Item(), dynamo.IfAbsent)
	if err != nil {
		return err
	}
	welcome, err := dynamo.PutOutbox(dynamo.NewOutbox(WelcomeTemplate, p.Email, welcomeMail(p), s.now(), p.ID))
	if err != nil {
		return err
	}
	err = s.table.Transact(ctx, profile, welcome)
	if errors.Is(err, dynamo.ErrConditionFailed) {
		// A leftover welcome item of a deleted profile also means the id was used.
		return ErrDuplicate
	}
	return err
}

// welcomeMail is the data of the welcome email.
func welcomeMail(p Profile) map[string]string {
	return map[string]string{"given": p.Name.Given, "family": p.Name.Family, "certificantId": p.ID}
}

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

// Register puts the certification if the certificant does not hold it; the
// profile is read first so an unknown certificant is a 404, not an orphan.
func (s *TableStore) Register(ctx context.Context, certificantID string, c Certification) error {
	var p ProfileItem
	found, err := s.table.Get(ctx, dynamo.ProfileKey(certificantID), &p)
	if err != nil {
		return err
	}
	if !found {
		return ErrNotFound
	}
	w, err := dynamo.Put("certification", NewCertificationItem(certificantID, p, c), dynamo.IfAbsent)
	if err != nil {
		return err
	}
	err = s.table.Apply(ctx, w)
	if errors.Is(err, dynamo.ErrConditionFailed) {
		return ErrRegistered
	}
	return err
}

// Get reads the profile and its certifications (one partition, two reads).
func (s *TableStore) Get(ctx context.Context, id string) (Profile, bool, error) {
	var it ProfileItem
	found, err := s.table.Get(ctx, dynamo.ProfileKey(id), &it)
	if err != nil || !found {
		return Profile{}, false, err
	}
	certs := []Certification{}
	if err := s.table.QueryPrefix(ctx, dynamo.CertificantPK(id), dynamo.CertificationPrefix, &certs); err != nil {
		return Profile{}, false, fmt.Errorf("certifications of %s: %w", id, err)
	}
	p := it.Profile()
	p.Certifications = certs
	return p, true, nil
}

// NumberIndex is the sparse GSI of certification numbers (dynamo patterns).
const NumberIndex = "ByNumber"

// Holder is a certificant who holds a certification under a number.
type Holder struct {
	CertificantID string `dynamodbav:"certificantId"`
	Family        string `dynamodbav:"family"`
}

// Holders lists who holds certifications numbered number: one Query of the
// ByNumber index, never a Scan (R-PROV-2). The index is eventually
// consistent: a certification registered a moment ago may not be there yet.
func (s *TableStore) Holders(ctx context.Context, number string) ([]Holder, error) {
	var hs []Holder
	if err := s.table.QueryIndex(ctx, NumberIndex, "numberPk", dynamo.NumberPK(number), &hs); err != nil {
		return nil, fmt.Errorf("holders of a number: %w", err)
	}
	return hs, nil
}
