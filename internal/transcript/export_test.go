package transcript

import (
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/partition"
)

// What the external route tests (routes_test.go) borrow from the package.

// Memory is the in-memory store of the tests.
type Memory = memory

// Parts are the partitions the in-memory store holds.
func (m *memory) Parts() map[string]*partition.Partition { return m.parts }

// Fixture is c-1 (holding ASCPi-MLS) and c-2 in memory and the service
// over them; today is 2025-03-04 in New York.
func Fixture() (*memory, *Service) {
	mls := partition.Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: true,
		CycleStart: "2022-02-01", CycleEnd: "2025-04-30"}
	m := &memory{parts: map[string]*partition.Partition{
		"c-1": {Profile: partition.Profile{ID: "c-1", Certifications: []partition.Certification{mls}}, Pending: map[string]bool{}},
		"c-2": {Profile: partition.Profile{ID: "c-2"}, Pending: map[string]bool{}},
	}}
	now := func() time.Time { return time.Date(2025, 3, 4, 12, 0, 0, 0, calendar.Zone) }
	return m, NewService(m, m, now)
}
