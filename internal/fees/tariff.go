// Package fees prices what the board charges (R-FEE-1..7): a tariff of amounts
// with effective dates and itemised quotes. Pure: callers load the facts a quote
// depends on and store the quote a declaration was charged.
package fees

import (
	"fmt"
	"slices"

	"github.com/boc/cmp/internal/civil"
)

// Amounts is one row of the tariff, in US cents, in force from Effective
// until a later row's Effective.
type Amounts struct {
	Effective civil.Date `json:"effective"`
	// R-FEE-1: per declaration.
	ApplicationCents int64 `json:"applicationCents"`
	// R-FEE-2: replaces the application fee of a same-business-day declaration.
	ReducedApplicationCents int64 `json:"reducedApplicationCents"`
	// R-FEE-3: per expired certification, on top of the application fee.
	ReinstatementCents int64 `json:"reinstatementCents"`
	// R-FEE-4: per inactive status request unless waived.
	InactiveCents int64 `json:"inactiveCents"`
	// R-FEE-5: per review of examination results.
	ScoreReviewCents int64 `json:"scoreReviewCents"`
	// R-FEE-6: per verification recipient.
	VerificationCents int64 `json:"verificationCents"`
}

// Tariff is the fee table, R-FEE's "schedule with effective dates" (named
// apart from the jobs' EventBridge schedules): rows ordered by effective
// date. A new fee is a new row, so a quote priced on an earlier date keeps
// its amounts (R-FEE-7).
type Tariff struct{ rows []Amounts }

// Original is the row in force from the start (cmp-rules.md R-FEE).
var Original = Amounts{
	Effective:               civil.Date{Year: 2000, Month: 1, Day: 1},
	ApplicationCents:        9500,
	ReducedApplicationCents: 1500,
	ReinstatementCents:      12500,
	InactiveCents:           4000,
	ScoreReviewCents:        2500,
	VerificationCents:       1500,
}

// DefaultTariff holds the original row only.
func DefaultTariff() Tariff { return Tariff{rows: []Amounts{Original}} }

// NewTariff checks and orders rows: at least one, every row dated, no two on
// the same date, no negative amount.
func NewTariff(rows ...Amounts) (Tariff, error) {
	if len(rows) == 0 {
		return Tariff{}, fmt.Errorf("tariff: no rows")
	}
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b Amounts) int { return a.Effective.Compare(b.Effective) })
	for i, r := range sorted {
		if r.Effective.IsZero() {
			return Tariff{}, fmt.Errorf("tariff: a row has no effective date")
		}
		if i > 0 && r.Effective == sorted[i-1].Effective {
			return Tariff{}, fmt.Errorf("tariff: two rows effective %s", r.Effective)
		}
		for _, c := range []int64{r.ApplicationCents, r.ReducedApplicationCents, r.ReinstatementCents,
			r.InactiveCents, r.ScoreReviewCents, r.VerificationCents} {
			if c < 0 {
				return Tariff{}, fmt.Errorf("tariff: row effective %s has a negative amount", r.Effective)
			}
		}
	}
	return Tariff{rows: sorted}, nil
}

// At is the row in force on d: the latest one effective on or before d.
func (s Tariff) At(d civil.Date) (Amounts, error) {
	for i := len(s.rows) - 1; i >= 0; i-- {
		if !s.rows[i].Effective.After(d) {
			return s.rows[i], nil
		}
	}
	return Amounts{}, fmt.Errorf("tariff: no fees in force on %s", d)
}
