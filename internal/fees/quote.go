package fees

import (
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fielderr"
)

// Kind is what a quote item prices (api.md POST /v1/fees/quote).
type Kind string

const (
	KindCMPDeclaration Kind = "cmp_declaration"
	KindVerification   Kind = "verification"
	KindScoreReview    Kind = "score_review"
	KindInactiveStatus Kind = "inactive_status"
)

// BasisMandatoryMilitaryService is the inactive status basis that waives the fee
// (R-FEE-4); the request itself must carry the documentation.
const BasisMandatoryMilitaryService = "mandatory_military_service"

// Currency of every amount.
const Currency = "USD"

const (
	// R-FEE-2: the other declaration's certification expires within 3 months.
	reducedWithinMonths = 3
	// Bound on count, so no request can overflow a total; far above any real order.
	maxCount = 100
)

// Item is one thing to price, as the client sends it.
type Item struct {
	Kind Kind `json:"kind"`
	// Certification key (ASCPi-MLS); required for cmp_declaration.
	Certification string `json:"certification,omitempty"`
	// Count of verification recipients or score reviews; 0 means 1.
	Count int `json:"count,omitempty"`
	// Basis of an inactive status request.
	Basis string `json:"basis,omitempty"`
}

// Certification is what the caller loaded about a certification being declared.
type Certification struct {
	Expiration civil.Date
	// Expired: the declaration reinstates it (R-FEE-3).
	Expired bool
}

// EarlierDeclaration is a fee-paying declaration the certificant already
// submitted, for R-FEE-2. Passing more than today's is harmless: the quote
// keeps those submitted on the same business day. Every one passed counts as
// earlier, whatever its timestamp: a declaration is read after it was stored,
// and the caller's clock was read before that read, so one stored in between
// carries a later instant than the quote's and still came first.
type EarlierDeclaration struct {
	SubmittedAt time.Time
	// Expiration of its certification's cycle.
	Expiration civil.Date
}

// Request is a quote to price at instant At: the client's items plus the facts
// the caller loaded for them.
type Request struct {
	At    time.Time
	Items []Item
	// Certifications by key, for every cmp_declaration item.
	Certifications map[string]Certification
	Earlier        []EarlierDeclaration
}

// Line is one charge, with the rule that levies it.
type Line struct {
	Rule          string `json:"rule"`
	Description   string `json:"description"`
	AmountCents   int64  `json:"amountCents"`
	Certification string `json:"certification,omitempty"`
}

// Quote is an itemised price. A declaration stores the quote it was charged
// (R-FEE-7), so it is a plain JSON value with api.md's field names.
type Quote struct {
	Lines      []Line `json:"lines"`
	TotalCents int64  `json:"totalCents"`
	Currency   string `json:"currency"`
	// PricedOn is the board date whose tariff row priced the quote.
	PricedOn civil.Date `json:"pricedOn"`
}

// Quote prices req with the tariff row in force on req.At's board date. Items
// are priced in order; each cmp_declaration counts, for R-FEE-2, toward those
// after it. Invalid items give a *fielderr.Invalid listing all of them.
func (s Tariff) Quote(req Request) (Quote, error) {
	if req.At.IsZero() {
		return Quote{}, errors.New("quote: no instant to price at")
	}
	if err := validate(req); err != nil {
		return Quote{}, err
	}
	on := calendar.Today(req.At)
	row, err := s.At(on)
	if err != nil {
		return Quote{}, fmt.Errorf("quote: %w", err)
	}
	q := Quote{Lines: []Line{}, Currency: Currency, PricedOn: on}
	// Expirations of today's fee-paying declarations, growing as items are priced.
	var sameDay []civil.Date
	for _, e := range req.Earlier {
		if calendar.SameBusinessDay(e.SubmittedAt, req.At) {
			sameDay = append(sameDay, e.Expiration)
		}
	}
	for _, it := range req.Items {
		n := int64(max(it.Count, 1))
		switch it.Kind {
		case KindCMPDeclaration:
			c := req.Certifications[it.Certification]
			q.Lines = append(q.Lines, applicationLine(row, it.Certification, reducible(sameDay, c.Expiration)))
			if c.Expired {
				q.Lines = append(q.Lines, Line{"R-FEE-3", "Reinstatement fee, expired certification", row.ReinstatementCents, it.Certification})
			}
			sameDay = append(sameDay, c.Expiration)
		case KindVerification:
			q.Lines = append(q.Lines, Line{"R-FEE-6", fmt.Sprintf("Third-party verification, %d recipient(s)", n), n * row.VerificationCents, it.Certification})
		case KindScoreReview:
			q.Lines = append(q.Lines, Line{"R-FEE-5", fmt.Sprintf("Review of examination results, %d request(s)", n), n * row.ScoreReviewCents, it.Certification})
		case KindInactiveStatus:
			if it.Basis == BasisMandatoryMilitaryService {
				q.Lines = append(q.Lines, Line{"R-FEE-4", "Inactive status request, fee waived: mandatory military service (documentation required)", 0, it.Certification})
			} else {
				q.Lines = append(q.Lines, Line{"R-FEE-4", "Inactive status request", n * row.InactiveCents, it.Certification})
			}
		}
	}
	for _, l := range q.Lines {
		q.TotalCents += l.AmountCents
	}
	return q, nil
}

func applicationLine(row Amounts, cert string, reduced bool) Line {
	if reduced {
		return Line{"R-FEE-2", "CMP application fee, reduced: another declaration the same business day expires within 3 months", row.ReducedApplicationCents, cert}
	}
	return Line{"R-FEE-1", "CMP application fee", row.ApplicationCents, cert}
}

// reducible reports whether a declaration expiring on exp shares R-FEE-2 terms
// with one of today's: an expiration on the same date or within 3 months.
func reducible(sameDay []civil.Date, exp civil.Date) bool {
	for _, other := range sameDay {
		early, late := other, exp
		if late.Before(early) {
			early, late = late, early
		}
		if !late.After(calendar.ShiftMonths(early, reducedWithinMonths)) {
			return true
		}
	}
	return false
}

func validate(req Request) error {
	var errs []fielderr.Field
	add := func(field, rule, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
	}
	if len(req.Items) == 0 {
		add("items", "R-FEE-7", "at least one item is required")
	}
	declared := map[string]bool{}
	for i, it := range req.Items {
		at := fmt.Sprintf("items[%d].", i)
		rule, ok := kindRule[it.Kind]
		if !ok {
			add(at+"kind", "R-FEE-7", fmt.Sprintf("unknown kind %q: want cmp_declaration, verification, score_review or inactive_status", it.Kind))
			continue
		}
		switch {
		case it.Count < 0 || it.Count > maxCount:
			add(at+"count", rule, fmt.Sprintf("must be between 1 and %d", maxCount))
		case it.Kind == KindCMPDeclaration && it.Count > 1:
			add(at+"count", "R-FEE-2", "each declaration is a separate item")
		}
		if it.Basis != "" && it.Kind != KindInactiveStatus {
			add(at+"basis", rule, "applies to inactive_status only")
		}
		if it.Kind != KindCMPDeclaration {
			continue
		}
		switch _, known := req.Certifications[it.Certification]; {
		case it.Certification == "":
			add(at+"certification", rule, "required for a cmp_declaration")
		case !known:
			add(at+"certification", rule, fmt.Sprintf("no certification %q for this certificant", it.Certification))
		case declared[it.Certification]:
			add(at+"certification", rule, fmt.Sprintf("%s is quoted twice: one declaration per certification", it.Certification))
		}
		declared[it.Certification] = true
	}
	if len(errs) > 0 {
		return &fielderr.Invalid{Detail: "invalid quote request", Fields: errs}
	}
	return nil
}

// kindRule is the rule that prices each kind, named by its validation errors.
var kindRule = map[Kind]string{
	KindCMPDeclaration: "R-FEE-1",
	KindVerification:   "R-FEE-6",
	KindScoreReview:    "R-FEE-5",
	KindInactiveStatus: "R-FEE-4",
}
