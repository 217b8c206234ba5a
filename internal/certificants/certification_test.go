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
