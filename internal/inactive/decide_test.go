package inactive

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/mail/mailtest"
	"github.com/boc/cmp/internal/partition"
)

func heldMLS() partition.CertificationItem {
	return partition.CertificationItem{Given: "Maria", Certification: partition.Certification{Key: "ASCPi-MLS",
		Program: "ASCPi", Category: "MLS", CMPRequired: true, CycleStart: "2022-02-01", CycleEnd: "2025-01-31"}}
}

func requested() InactiveRequest {
	return InactiveRequest{ID: "R1", CertificantID: "c-1", Certification: "ASCPi-MLS", Status: Requested,
		Reason: "working abroad without lab practice", Basis: "employment_abroad", Fee: fees.Quote{TotalCents: 4000, Currency: "USD"}}
}

// R-INA-1: staff grant an extended period after the current expiration
// (the certification becomes inactive, its expiration moves) or deny with a
// reason; a decided request takes no second decision.
func TestJudge(t *testing.T) {
	now := time.Date(2024, 11, 4, 15, 0, 0, 0, time.UTC)
	d := civil.MustParse
	voluntary := heldMLS()
	voluntary.CycleStart, voluntary.CycleEnd = "", ""
	decided := requested()
	decided.Status = Granted
	for _, tc := range []struct {
		name     string
		r        InactiveRequest
		held     partition.CertificationItem
		in       Decision
		field    string // the invalid field, if any
		status   Status
		mailFact string
	}{
		{"grant", requested(), heldMLS(), Decision{Decision: Grant, ExtendedUntil: d("2026-01-31")}, "", Granted,
			"Declare all points earned within the extended period, 2022-02-01 to 2026-01-31"},
		{"deny", requested(), heldMLS(), Decision{Decision: Deny, Reason: "financial hardship is not a ground"}, "", Denied,
			"keeps its expiration date of 2025-01-31; the fee of 40.00 USD is not refundable"},
		{"grant without an end", requested(), heldMLS(), Decision{Decision: Grant}, "extendedUntil", "", ""},
		{"grant ending on the expiration", requested(), heldMLS(), Decision{Decision: Grant, ExtendedUntil: d("2025-01-31")}, "extendedUntil", "", ""},
		{"grant of a voluntary certification", requested(), voluntary, Decision{Decision: Grant, ExtendedUntil: d("2026-01-31")}, "decision", "", ""},
		{"deny without a reason", requested(), heldMLS(), Decision{Decision: Deny, Reason: "  "}, "reason", "", ""},
		{"deny with an end", requested(), heldMLS(), Decision{Decision: Deny, Reason: "x", ExtendedUntil: d("2026-01-31")}, "extendedUntil", "", ""},
		{"unknown decision", requested(), heldMLS(), Decision{Decision: "approve"}, "decision", "", ""},
		{"reason too long", requested(), heldMLS(), Decision{Decision: Deny, Reason: strings.Repeat("x", maxReason+1)}, "reason", "", ""},
	} {
		out, err := Judge(tc.r, tc.held, tc.in, "staff-1", now)
		var v *fielderr.Invalid
		switch {
		case tc.field != "":
			if !errors.As(err, &v) || v.Fields[0].Field != tc.field || v.Fields[0].Rule != "R-INA-1" {
				t.Errorf("%s: %v, want an R-INA-1 error on %s", tc.name, err, tc.field)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case out.Request.Status != tc.status || out.Request.DecidedBy != "staff-1" || out.Request.DecidedAt == nil ||
			!strings.Contains(out.Mail["todo"], tc.mailFact) || out.Mail["given"] != "Maria":
			t.Errorf("%s: %+v, mail %v; want %s with %q", tc.name, out.Request, out.Mail, tc.status, tc.mailFact)
		}
	}
	if _, err := Judge(decided, heldMLS(), Decision{Decision: Deny, Reason: "x"}, "staff-1", now); !errors.Is(err, ErrDecided) {
		t.Errorf("second decision: %v, want ErrDecided", err)
	}
	// R-INA-1, R-CYC-8: a certification lapsed 10 or more years (here in
	// 2013) gets no inactive status: only re-examination restores it.
	lapsed := heldMLS()
	lapsed.CycleStart, lapsed.CycleEnd = "2010-02-01", "2013-01-31"
	if out, err := Judge(requested(), lapsed, Decision{Decision: Grant, ExtendedUntil: d("2027-01-31")}, "staff-1", now); !errors.Is(err, ErrReexamination) || out.Cycle != nil {
		t.Errorf("grant of a certification expired 11 years: %v %+v, want ErrReexamination", err, out.Cycle)
	}
	// Expired less than 10 years: still allowed.
	recent := heldMLS()
	recent.CycleStart, recent.CycleEnd = "2017-02-01", "2020-01-31"
	if _, err := Judge(requested(), recent, Decision{Decision: Grant, ExtendedUntil: d("2027-01-31")}, "staff-1", now); err != nil {
		t.Errorf("grant of a certification expired 4 years: %v", err)
	}
}

// R-INA-1, R-INA-2: a grant moves the whole certification to an inactive
// cycle ending on the extended end, guarded by the expiration decided on.
func TestJudgeGrantMovesCycle(t *testing.T) {
	out, err := Judge(requested(), heldMLS(), Decision{Decision: Grant, ExtendedUntil: civil.MustParse("2026-01-31")}, "staff-1",
		time.Date(2025, 3, 4, 15, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := partition.CycleMove{CertificantID: "c-1", CertKey: "ASCPi-MLS", Inactive: true, IfCycleEnd: "2025-01-31",
		Cycle:      calendar.Period{Start: civil.MustParse("2022-02-01"), End: civil.MustParse("2026-01-31")},
		Credential: "MLS(ASCPi)CM"}
	if out.Cycle == nil || *out.Cycle != want {
		t.Errorf("cycle move %+v, want %+v", out.Cycle, want)
	}
	if out.Request.ExtendedUntil == nil || out.Request.ExtendedUntil.String() != "2026-01-31" || out.Mail["extendedUntil"] != "2026-01-31" {
		t.Errorf("request %+v, mail %v: want the extended end 2026-01-31", out.Request, out.Mail)
	}
}

// The emails of a request render from the data the use case owes (the
// templates refuse a missing key): received with the fee, decided with the
// extended period and what to do (R-INA-1, R-INA-2).
func TestMailRenders(t *testing.T) {
	grant, err := Judge(requested(), heldMLS(), Decision{Decision: Grant, ExtendedUntil: civil.MustParse("2026-01-31"), Reason: "<b>illness</b>"},
		"staff-1", time.Date(2024, 11, 4, 15, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	deny, err := Judge(requested(), heldMLS(), Decision{Decision: Deny, Reason: "no documentation of the illness"},
		"staff-1", time.Date(2024, 11, 4, 15, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	waived := requested()
	waived.Basis, waived.Fee.TotalCents = fees.BasisMandatoryMilitaryService, 0
	for _, tc := range []struct {
		template string
		data     map[string]string
		subject  string
		facts    []string
	}{
		{ReceivedTemplate, receivedMail(requested(), heldMLS()), "Inactive status request received: ASCPi-MLS, fee 40.00 USD", []string{"2025-01-31"}},
		{ReceivedTemplate, receivedMail(waived, heldMLS()), "Inactive status request received: ASCPi-MLS, fee 0.00 USD", []string{"waived: mandatory military service"}},
		{DecisionTemplate, grant.Mail, "Inactive status granted: ASCPi-MLS", []string{"2022-02-01 to 2026-01-31", "submissions open on 2025-10-31"}},
		{DecisionTemplate, deny.Mail, "Inactive status denied: ASCPi-MLS", []string{"no documentation", "2025-01-31", "40.00 USD"}},
	} {
		// Every state and kind, without debris (%!, <no value>, empty dates or amounts).
		m := mailtest.Render(t, tc.template, tc.data)
		if m.Subject != tc.subject {
			t.Errorf("%s: subject %q, want %q", tc.template, m.Subject, tc.subject)
		}
		for _, f := range tc.facts {
			if !strings.Contains(m.Text, f) || !strings.Contains(m.HTML, f) {
				t.Errorf("%s: %q missing in\n%s\n%s", tc.template, f, m.Text, m.HTML)
			}
		}
		if strings.Contains(m.HTML, "<b>illness") {
			t.Errorf("%s: staff text not escaped in HTML", tc.template)
		}
	}
}
