package verification

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/mail/mailtest"
	"github.com/boc/cmp/internal/partition"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
)

type profiles map[string]partition.Profile

func (p profiles) Profile(_ context.Context, id string) (partition.Profile, bool, error) {
	v, ok := p[id]
	return v, ok, nil
}

type passes map[string]bool

func (p passes) Passed(_ context.Context, cid, key string) (bool, error) { return p[cid+key], nil }

type tokens map[string]Token

func (t tokens) Token(_ context.Context, hash string) (Token, bool, error) {
	v, ok := t[hash]
	return v, ok, nil
}

func service(tok tokens) *Service {
	cert := partition.Certification{Key: "ASCPi-MLS", Number: "N-7", Status: "active", CycleStart: "2025-02-01", CycleEnd: "2028-02-29"}
	ps := profiles{
		"passed": {Name: partition.Name{Given: "Ana", Family: "Cruz"}, Email: "ana@example.org", Country: "PH", Certifications: []partition.Certification{cert}},
		"failed": {Name: partition.Name{Given: "Ben", Family: "Ong"}, Certifications: []partition.Certification{cert}},
	}
	return NewService(ps, passes{"passedASCPi-MLS": true}, tok, fees.DefaultTariff(), "https://cmp.example.org/", time.Now)
}

func order(cid string, n int) NewOrder {
	o := NewOrder{CertificantID: cid, Certification: "ASCPi-MLS"}
	for range n {
		o.Recipients = append(o.Recipients, Recipient{Kind: KindEmployer, Name: "Lab", Email: "hr@example.org"})
	}
	return o
}

// R-VER-1: a fee per recipient, and only for a certification earned by passing.
func TestPrepare(t *testing.T) {
	svc := service(tokens{})
	o, err := svc.Prepare(context.Background(), order("passed", 3))
	if err != nil || o.Fee.TotalCents != 4500 || o.Fee.Lines[0].Rule != "R-FEE-6" {
		t.Fatalf("3 recipients: %+v %v", o.Fee, err)
	}
	body, _ := json.Marshal(o)
	for _, r := range o.Recipients {
		if len(r.token) != tokenLen || strings.Contains(string(body), r.token) {
			t.Errorf("token %q missing or answered", r.token)
		}
		// The recipient's email renders without debris and carries the name and link (R-VER-3).
		m := mailtest.Render(t, Template, recipientMail(o, r, svc.Link(r.token)))
		if !strings.Contains(m.Text, "Ana Cruz") || !strings.Contains(m.Text, svc.Link(r.token)) {
			t.Errorf("verification email %q", m.Text)
		}
	}
	// R-EXAM-2: a pass whose score is held earns no order yet.
	held := service(tokens{})
	p := held.profiles.(profiles)["passed"]
	p.Certifications = []partition.Certification{{Key: "ASCPi-MLS", Number: "N-7", ScoreHeld: true}}
	held.profiles = profiles{"passed": p}
	if _, err := held.Prepare(context.Background(), order("passed", 1)); !errors.Is(err, ErrNotEarnedByPassing) {
		t.Errorf("order while the score is held: %v, want ErrNotEarnedByPassing", err)
	}
	if _, err := svc.Prepare(context.Background(), order("failed", 1)); !errors.Is(err, ErrNotEarnedByPassing) {
		t.Errorf("failed-only candidate: %v", err)
	}
	var ve *fielderr.Invalid
	bad := order("passed", 1)
	bad.Recipients[0].Kind, bad.Recipients[0].Email = "friend", "x <x@example.org>"
	if _, err := svc.Prepare(context.Background(), bad); !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Errorf("R-VER-2 validation: %v", err)
	}
}

// R-VER-3: the record states the listed fields only; unknown and revoked are not found.
func TestLookup(t *testing.T) {
	good, revoked := NewToken(), NewToken()
	svc := service(tokens{
		HashToken(good):    {CertificantID: "passed", Certification: "ASCPi-MLS"},
		HashToken(revoked): {CertificantID: "passed", Certification: "ASCPi-MLS", Revoked: true},
	})
	rec, err := svc.Lookup(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	body, _ := json.Marshal(rec)
	_ = json.Unmarshal(body, &fields)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, ",") != "certification,cycleEnd,cycleStart,name,number,status" || rec.Name != "Ana Cruz" || rec.Number != "N-7" {
		t.Errorf("record %s", body)
	}
	// A cycle that ended yesterday reads expired though the stored status
	// still says active (R-VER-3 states today's status).
	yesterday := calendar.Today(time.Now()).AddDays(-1).String()
	lapsed := NewToken()
	stale := service(tokens{HashToken(lapsed): {CertificantID: "lapsed", Certification: "ASCPi-MLS"}})
	stale.profiles = profiles{"lapsed": {Name: partition.Name{Given: "Eve", Family: "Sy"}, Certifications: []partition.Certification{
		{Key: "ASCPi-MLS", Number: "N-8", Status: "active", CMPRequired: true, CycleStart: "2020-01-01", CycleEnd: yesterday}}}}
	if rec, err := stale.Lookup(context.Background(), lapsed); err != nil || rec.Status != "expired" || rec.CycleEnd != yesterday {
		t.Errorf("lapsed record %+v, %v: want status expired", rec, err)
	}
	for _, tok := range []string{revoked, NewToken(), "short", ""} {
		if _, err := svc.Lookup(context.Background(), tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	if svc.Link(good) != "https://cmp.example.org/v1/verifications/"+good {
		t.Errorf("link %s", svc.Link(good))
	}
}
