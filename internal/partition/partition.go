// Package partition owns the certificant's partition (pk=C#<id>): its
// entities as stored (profile, certifications, transcript activities,
// declarations, exam attempts), the one-Query reader that returns the
// partition typed, and the write builders more than one use case uses. Use cases read and write
// through it and never import each other for data (architecture.md, "The
// dependency rule"); the key prefixes stay in dynamo/patterns.go.
package partition

import (
	"context"
	"fmt"
	"strings"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/rules"
)

// Claim is an activity claimed by a declaration of a certification
// (R-ACT-11), as the declaration's allocation holds it.
type Claim struct {
	Certification string
	ActivityID    string
}

// Partition is everything a certificant owns that the transcript, progress,
// quotes and submission need, read by Reader.Load in one Query.
type Partition struct {
	// Profile carries the certifications as stored (see Certification.On).
	Profile      Profile
	Entries      []Entry
	Activities   []rules.Activity // the rules' view of Entries, same order
	Claims       []Claim
	Pending      map[string]bool // certification key -> a declaration waits
	Declarations []Declaration
}

// Certification returns the certification with key, if held.
func (p Partition) Certification(key string) (Certification, bool) {
	for _, c := range p.Profile.Certifications {
		if c.Key == key {
			return c, true
		}
	}
	return Certification{}, false
}

// Claimed: a declaration of any certification claims the activity (R-ACT-11).
func (p Partition) Claimed(activityID string) bool {
	for _, c := range p.Claims {
		if c.ActivityID == activityID {
			return true
		}
	}
	return false
}

// Cycle is the certification's current cycle judged on today: its CE window
// (R-CYC-3..5) and the expiration its requirements are read for.
type Cycle struct {
	// Period is the current cycle; zero for a voluntary participant (R-CYC-5).
	Period calendar.Period
	// CEWindow is where activities must lie to count (R-CYC-3..5).
	CEWindow calendar.Period
	// RequirementsOn is the expiration whose requirement row applies (R-REQ):
	// the cycle end while current; for a reinstatement or a voluntary
	// participant, who have no current cycle, the day of submission.
	RequirementsOn civil.Date
}

// CycleOn is the cycle a declaration submitted on today would close.
func CycleOn(c Certification, today civil.Date) Cycle {
	var period calendar.Period
	// A voluntary participant's CM period is no cycle to close: the CE
	// window is the 3 years before submission, always (R-CYC-5).
	if end := c.Expiration(); !end.IsZero() && c.CMPRequired {
		start, err := civil.Parse(c.CycleStart)
		if err != nil {
			start = calendar.CycleEndingOn(end).Start
		}
		period = calendar.Period{Start: start, End: end}
	}
	cy := Cycle{Period: period, CEWindow: calendar.CEWindow(period, today), RequirementsOn: today}
	if !period.IsZero() && !today.After(period.End) {
		cy.RequirementsOn = period.End
	}
	return cy
}

// Evaluation is the rules input for judging the transcript for cert over
// cy: claims by declarations of cert exclude an activity (R-ACT-11), claims
// by other certifications matter to once-only entries (R-ACT-3), and a
// claimed covid entry uses up the certificant's one (R-ACT-9).
func (p Partition) Evaluation(cert rules.Certification, cy Cycle) rules.EvaluationInput {
	in := rules.EvaluationInput{
		Certification:          cert,
		Expires:                cy.RequirementsOn,
		Window:                 rules.Window{From: cy.CEWindow.Start, To: cy.CEWindow.End},
		Activities:             p.Activities,
		ClaimedInCertification: map[string]bool{},
		ClaimedElsewhere:       map[string]bool{},
	}
	covid := map[string]bool{}
	for _, a := range p.Activities {
		if a.Type == rules.CovidCE {
			covid[a.ID] = true
		}
	}
	for _, c := range p.Claims {
		if c.Certification == cert.Key() {
			// A declaration of this certification claiming the covid entry
			// excludes it by R-ACT-11 only, so re-allocating that declaration
			// (its own claims set aside) keeps it (R-ACT-9).
			in.ClaimedInCertification[c.ActivityID] = true
			continue
		}
		in.ClaimedElsewhere[c.ActivityID] = true
		in.CovidUsedElsewhere = in.CovidUsedElsewhere || covid[c.ActivityID]
	}
	return in
}

// Reader reads partitions from the table.
type Reader struct{ table *dynamo.Table }

// NewReader wraps the table.
func NewReader(table *dynamo.Table) *Reader { return &Reader{table: table} }

// Load reads the certificant's partition with one Query; false when the
// certificant has no profile.
func (l *Reader) Load(ctx context.Context, certificantID string) (Partition, bool, error) {
	items, err := l.table.QueryPartition(ctx, dynamo.CertificantPK(certificantID))
	if err != nil {
		return Partition{}, false, fmt.Errorf("load partition: %w", err)
	}
	p, found, err := decodePartition(items)
	if err != nil {
		return Partition{}, false, fmt.Errorf("load partition of %s: %w", certificantID, err)
	}
	return p, found, nil
}

// Profile reads the certificant's profile and its certifications: a GetItem
// and a Query of the certifications, not the whole partition (a transcript
// may be large); false when there is no profile.
func (l *Reader) Profile(ctx context.Context, id string) (Profile, bool, error) {
	var it ProfileItem
	found, err := l.table.Get(ctx, dynamo.ProfileKey(id), &it)
	if err != nil || !found {
		return Profile{}, false, err
	}
	certs := []Certification{}
	if err := l.table.QueryPrefix(ctx, dynamo.CertificantPK(id), dynamo.CertificationPrefix, &certs); err != nil {
		return Profile{}, false, fmt.Errorf("certifications of %s: %w", id, err)
	}
	p := it.Profile()
	p.Certifications = certs
	return p, true, nil
}

// Holders lists who holds certifications numbered number: one Query of the
// ByNumber index, never a Scan (R-PROV-2). The index is eventually
// consistent: a certification registered a moment ago may not be there yet.
func (l *Reader) Holders(ctx context.Context, number string) ([]Holder, error) {
	var hs []Holder
	if err := l.table.QueryIndex(ctx, NumberIndex, "numberPk", dynamo.NumberPK(number), &hs); err != nil {
		return nil, fmt.Errorf("holders of a number: %w", err)
	}
	return hs, nil
}

// Fenced reads the transcript version, then the partition: everything
// committed up to that version is in it.
func (l *Reader) Fenced(ctx context.Context, certificantID string) (Partition, int, bool, error) {
	seen, err := l.table.FenceValue(ctx, dynamo.TranscriptFence(certificantID))
	if err != nil {
		return Partition{}, 0, false, fmt.Errorf("read transcript version: %w", err)
	}
	p, found, err := l.Load(ctx, certificantID)
	return p, seen, found, err
}

// decodePartition sorts the items by their sort-key prefix; other item
// types of the partition (exam attempts, ...) are skipped.
func decodePartition(items []dynamo.Item) (Partition, bool, error) {
	p := Partition{Pending: map[string]bool{}}
	found := false
	for _, raw := range items {
		sk := raw.SK()
		switch {
		case sk == dynamo.ProfileKey("").SK:
			var it ProfileItem
			if err := raw.Decode(&it); err != nil {
				return Partition{}, false, err
			}
			certs := p.Profile.Certifications
			p.Profile, found = it.Profile(), true
			p.Profile.Certifications = append(p.Profile.Certifications, certs...)
		case strings.HasPrefix(sk, dynamo.CertificationPrefix):
			var c Certification
			if err := raw.Decode(&c); err != nil {
				return Partition{}, false, err
			}
			p.Profile.Certifications = append(p.Profile.Certifications, c)
		case strings.HasPrefix(sk, dynamo.ActivityPrefix):
			var it ActivityItem
			if err := raw.Decode(&it); err != nil {
				return Partition{}, false, err
			}
			e, err := it.Entry()
			if err != nil {
				return Partition{}, false, err
			}
			a, err := it.Activity()
			if err != nil {
				return Partition{}, false, err
			}
			p.Entries, p.Activities = append(p.Entries, e), append(p.Activities, a)
		case strings.HasPrefix(sk, dynamo.PendingPrefix):
			p.Pending[strings.TrimPrefix(sk, dynamo.PendingPrefix)] = true
		case strings.HasPrefix(sk, dynamo.DeclarationPrefix):
			var it DeclarationItem
			if err := raw.Decode(&it); err != nil {
				return Partition{}, false, err
			}
			d, err := it.Declaration()
			if err != nil {
				return Partition{}, false, err
			}
			p.Declarations = append(p.Declarations, d)
			for _, id := range d.Claims() {
				p.Claims = append(p.Claims, Claim{Certification: d.Certification, ActivityID: id})
			}
		}
	}
	return p, found, nil
}
