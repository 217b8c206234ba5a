package fees

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fielderr"
)

var d = civil.MustParse

func ny(date string, hour, minute int) time.Time {
	c := d(date)
	return time.Date(c.Year, c.Month, c.Day, hour, minute, 0, 0, calendar.Zone)
}

func decl(cert string) Item { return Item{Kind: KindCMPDeclaration, Certification: cert} }

// brief is a quote reduced to (rule, cents) pairs, for compact expectations.
type brief struct {
	rule  string
	cents int64
}

func briefs(q Quote) []brief {
	out := make([]brief, len(q.Lines))
	for i, l := range q.Lines {
		out[i] = brief{l.Rule, l.AmountCents}
	}
	return out
}

func TestQuote(t *testing.T) {
	certs := map[string]Certification{
		"ASCPi-MLS": {Expiration: d("2025-01-31")},
		"ASCPi-SBB": {Expiration: d("2025-04-30")}, // 3 months after MLS
		"ASCPi-SH":  {Expiration: d("2025-05-31")}, // 4 months after MLS
		"ASCPi-SM":  {Expiration: d("2025-07-31")}, // 3 months after SBB, 6 after MLS
		"ASCPi-H":   {Expiration: d("2024-06-30"), Expired: true},
		"ASCPi-C":   {Expiration: d("2024-07-31"), Expired: true},
		"ASCPi-CG":  {Expiration: d("2025-01-31")},
	}
	at := ny("2025-01-06", 10, 0) // a Monday
	earlierMLS := func(when time.Time) []EarlierDeclaration {
		return []EarlierDeclaration{{SubmittedAt: when, Expiration: d("2025-01-31")}}
	}
	cases := []struct {
		name    string
		at      time.Time
		items   []Item
		earlier []EarlierDeclaration
		want    []brief
	}{
		{"R-FEE-1 one declaration", at, []Item{decl("ASCPi-MLS")}, nil, []brief{{"R-FEE-1", 9500}}},
		{"R-FEE-2 same business day, same expiration", at, []Item{decl("ASCPi-CG")},
			earlierMLS(ny("2025-01-06", 8, 0)), []brief{{"R-FEE-2", 1500}}},
		{"R-FEE-2 same business day, expiring 3 months apart", at, []Item{decl("ASCPi-SBB")},
			earlierMLS(ny("2025-01-06", 8, 0)), []brief{{"R-FEE-2", 1500}}},
		{"R-FEE-2 not when expiring more than 3 months apart", at, []Item{decl("ASCPi-SH")},
			earlierMLS(ny("2025-01-06", 8, 0)), []brief{{"R-FEE-1", 9500}}},
		// Issue 11 item 3: the declaration was stored between the clock read
		// and the partition read of this one, so it is stamped later and still
		// came first; excluding it charged both declarations 9500.
		{"R-FEE-2 a same-day declaration stamped after the quote's instant", at, []Item{decl("ASCPi-SBB")},
			earlierMLS(ny("2025-01-06", 10, 0).Add(time.Millisecond)), []brief{{"R-FEE-2", 1500}}},
		{"R-FEE-2 not on the next day", ny("2025-01-07", 9, 0), []Item{decl("ASCPi-SBB")},
			earlierMLS(ny("2025-01-06", 16, 0)), []brief{{"R-FEE-1", 9500}}},
		// 20:00 EST Jan 6 and 01:00 EST Jan 7 are the same UTC day (Jan 7).
		{"R-FEE-2 not across New York midnight on the same UTC day", ny("2025-01-07", 1, 0), []Item{decl("ASCPi-SBB")},
			earlierMLS(ny("2025-01-06", 20, 0)), []brief{{"R-FEE-1", 9500}}},
		{"R-FEE-2 a weekend submission counts for Monday", at, []Item{decl("ASCPi-SBB")},
			earlierMLS(ny("2025-01-04", 11, 0)), []brief{{"R-FEE-2", 1500}}},
		{"R-FEE-2 items count toward later items, either order", at, []Item{decl("ASCPi-SBB"), decl("ASCPi-MLS")}, nil,
			[]brief{{"R-FEE-1", 9500}, {"R-FEE-2", 1500}}},
		{"R-FEE-2 items too far apart pay in full", at, []Item{decl("ASCPi-MLS"), decl("ASCPi-SH")}, nil,
			[]brief{{"R-FEE-1", 9500}, {"R-FEE-1", 9500}}},
		{"R-FEE-2 a reduced declaration is fee-paying too", at, []Item{decl("ASCPi-MLS"), decl("ASCPi-SBB"), decl("ASCPi-SM")}, nil,
			[]brief{{"R-FEE-1", 9500}, {"R-FEE-2", 1500}, {"R-FEE-2", 1500}}},
		{"R-FEE-3 expired certification", at, []Item{decl("ASCPi-H")}, nil,
			[]brief{{"R-FEE-1", 9500}, {"R-FEE-3", 12500}}},
		{"R-FEE-3 reinstatement fee is never reduced", at, []Item{decl("ASCPi-H"), decl("ASCPi-C")}, nil,
			[]brief{{"R-FEE-1", 9500}, {"R-FEE-3", 12500}, {"R-FEE-2", 1500}, {"R-FEE-3", 12500}}},
		{"R-FEE-4 inactive status", at, []Item{{Kind: KindInactiveStatus, Basis: "illness"}}, nil,
			[]brief{{"R-FEE-4", 4000}}},
		{"R-FEE-4 waived for mandatory military service", at, []Item{{Kind: KindInactiveStatus, Basis: BasisMandatoryMilitaryService}}, nil,
			[]brief{{"R-FEE-4", 0}}},
		{"R-FEE-5 score review", at, []Item{{Kind: KindScoreReview}}, nil, []brief{{"R-FEE-5", 2500}}},
		{"R-FEE-6 verification per recipient", at, []Item{{Kind: KindVerification, Count: 3}}, nil, []brief{{"R-FEE-6", 4500}}},
		{"R-FEE-6 no count is one recipient", at, []Item{{Kind: KindVerification}}, nil, []brief{{"R-FEE-6", 1500}}},
	}
	for _, c := range cases {
		q, err := DefaultTariff().Quote(Request{At: c.at, Items: c.items, Certifications: certs, Earlier: c.earlier})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := briefs(q); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: lines %v, want %v", c.name, got, c.want)
		}
		var sum int64
		for _, w := range c.want {
			sum += w.cents
		}
		if q.TotalCents != sum || q.Currency != "USD" {
			t.Errorf("%s: total %d %s, want %d USD", c.name, q.TotalCents, q.Currency, sum)
		}
	}
}

func TestQuoteJSON(t *testing.T) {
	// R-FEE-7: the stored quote keeps api.md's field names and every line's rule.
	q, err := DefaultTariff().Quote(Request{
		At:             ny("2025-01-06", 10, 0),
		Items:          []Item{decl("ASCPi-MLS"), {Kind: KindVerification, Count: 2}},
		Certifications: map[string]Certification{"ASCPi-MLS": {Expiration: d("2025-01-31")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Lines []struct {
			Rule        *string `json:"rule"`
			Description *string `json:"description"`
			AmountCents *int64  `json:"amountCents"`
		} `json:"lines"`
		TotalCents *int64  `json:"totalCents"`
		Currency   *string `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Lines) != 2 || raw.TotalCents == nil || *raw.TotalCents != 12500 || raw.Currency == nil || *raw.Currency != "USD" {
		t.Fatalf("quote JSON %s lacks the api.md shape", b)
	}
	for _, l := range raw.Lines {
		if l.Rule == nil || *l.Rule == "" || l.Description == nil || l.AmountCents == nil {
			t.Errorf("line without rule, description or amountCents in %s", b)
		}
	}
	var back Quote
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, q) {
		t.Errorf("stored quote does not read back unchanged: %+v, %v", back, err)
	}
}

func TestLaterRowKeepsEarlierQuotes(t *testing.T) {
	// R-FEE-7 and the R-FEE tariff: a new row changes quotes from its date on only.
	raised := Original
	raised.Effective = d("2026-01-01")
	raised.ApplicationCents = 10500
	extended, err := NewTariff(raised, Original) // out of order on purpose
	if err != nil {
		t.Fatal(err)
	}
	req := func(at time.Time) Request {
		return Request{At: at, Items: []Item{decl("ASCPi-MLS")},
			Certifications: map[string]Certification{"ASCPi-MLS": {Expiration: d("2026-01-31")}}}
	}
	cases := []struct {
		name string
		at   time.Time
		want int64
	}{
		{"before the new row", ny("2025-11-03", 10, 0), 9500},
		// 23:30 EST Dec 31 is already Jan 1 in UTC: the board date decides.
		{"last evening before the new row", ny("2025-12-31", 23, 30), 9500},
		{"from the new row", ny("2026-01-01", 0, 0), 10500},
	}
	for _, c := range cases {
		before, err := DefaultTariff().Quote(req(c.at))
		if err != nil {
			t.Fatal(err)
		}
		after, err := extended.Quote(req(c.at))
		if err != nil {
			t.Fatal(err)
		}
		if after.TotalCents != c.want {
			t.Errorf("%s: total %d, want %d", c.name, after.TotalCents, c.want)
		}
		if c.want == 9500 && !reflect.DeepEqual(before, after) {
			t.Errorf("%s: adding a later row changed the quote: %+v -> %+v", c.name, before, after)
		}
	}
}

func TestQuoteValidation(t *testing.T) {
	certs := map[string]Certification{"ASCPi-MLS": {Expiration: d("2025-01-31")}}
	cases := []struct {
		name        string
		items       []Item
		field, rule string
	}{
		{"no items", nil, "items", "R-FEE-7"},
		{"unknown kind", []Item{{Kind: "donation"}}, "items[0].kind", "R-FEE-7"},
		{"declaration without certification", []Item{{Kind: KindCMPDeclaration}}, "items[0].certification", "R-FEE-1"},
		{"declaration of an unknown certification", []Item{decl("ASCPi-SBB")}, "items[0].certification", "R-FEE-1"},
		{"same certification twice", []Item{decl("ASCPi-MLS"), decl("ASCPi-MLS")}, "items[1].certification", "R-FEE-1"},
		{"declarations are separate items", []Item{{Kind: KindCMPDeclaration, Certification: "ASCPi-MLS", Count: 2}}, "items[0].count", "R-FEE-2"},
		{"negative count", []Item{{Kind: KindVerification, Count: -1}}, "items[0].count", "R-FEE-6"},
		{"huge count", []Item{{Kind: KindScoreReview, Count: 1 << 40}}, "items[0].count", "R-FEE-5"},
		{"basis on a verification", []Item{{Kind: KindVerification, Basis: BasisMandatoryMilitaryService}}, "items[0].basis", "R-FEE-6"},
	}
	for _, c := range cases {
		_, err := DefaultTariff().Quote(Request{At: ny("2025-01-06", 10, 0), Items: c.items, Certifications: certs})
		var ve *fielderr.Invalid
		if !errors.As(err, &ve) {
			t.Errorf("%s: error %v, want a fielderr.Invalid", c.name, err)
			continue
		}
		if len(ve.Fields) != 1 || ve.Fields[0].Field != c.field || ve.Fields[0].Rule != c.rule {
			t.Errorf("%s: errors %+v, want one on %s under %s", c.name, ve.Fields, c.field, c.rule)
		}
	}
	if _, err := DefaultTariff().Quote(Request{Items: []Item{decl("ASCPi-MLS")}, Certifications: certs}); err == nil {
		t.Error("a quote without an instant was priced")
	}
}
