package certificants

import (
	"context"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/partition"
)

func registered() (memStore, *Service) {
	store := memStore{"c-1": {ID: "c-1", Certifications: []partition.Certification{}}}
	// 2025-03-04 noon in New York.
	now := func() time.Time { return time.Date(2025, 3, 4, 12, 0, 0, 0, calendar.Zone) }
	return store, NewService(store, now)
}

func TestProfileRefreshesStatus(t *testing.T) {
	store, svc := registered()
	if _, err := svc.Register(context.Background(), "c-1", partition.Registration{Program: "ASCPi", Category: "MLS", StartedOn: civil.MustParse("2022-01-10")}); err != nil {
		t.Fatal(err)
	}
	later := NewService(store, func() time.Time { return time.Date(2025, 2, 1, 12, 0, 0, 0, calendar.Zone) })
	p, _, err := later.Get(context.Background(), "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Certifications[0]; c.Status != "expired" || c.Credential != "MLS(ASCPi)" || c.CycleEnd != "2025-01-31" {
		t.Errorf("on 2025-02-01: %+v", c)
	}
}

// An exam pass prepares its registration without storing it (the exams
// store writes it with the attempt): a drawn number, the cycle from the exam
// date (R-CYC-1), the route kept; invalid input is refused as in Register.
func TestPrepare(t *testing.T) {
	store, svc := registered()
	c, err := svc.Prepare(partition.Registration{Program: "ASCPi", Category: "MLT", StartedOn: civil.MustParse("2025-02-10"), Route: "route_1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Number == "" || c.Key != "ASCPi-MLT" || c.Route != "route_1" || c.CycleEnd != "2028-02-29" || c.Status != "active" {
		t.Errorf("prepared %+v", c)
	}
	if store.holds("c-1", "ASCPi-MLT") {
		t.Error("Prepare stored the certification")
	}
	if _, err := svc.Prepare(partition.Registration{Program: "ASCPi", Category: "XYZ", StartedOn: civil.MustParse("2025-02-10")}); err == nil {
		t.Error("an unknown category was prepared")
	}
}
