// Package calendar is the board's sense of time: its time zone, business days,
// certification cycles, CE and submission windows, status and reminder dates
// (R-CYC, R-REM-1). Pure: no I/O, no clock; callers pass "now".
package calendar

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/civil"
)

// ZoneName is the board's time zone: office hours, "today" and "same business
// day" are all New York time.
const ZoneName = "America/New_York"

// newYorkTZif is ZoneName's entry of Go's own zone database
// ($GOROOT/lib/time/zoneinfo.zip, what time/tzdata embeds; TestZoneIsGoDatabase
// compares them). Lambda's al2023 image may lack /usr/share/zoneinfo, and the
// board needs one zone: embedding it instead of the whole database keeps
// ~450 kB out of every binary and the database search out of every init
// (issue 14).
//
//go:embed America_New_York.tzif
var newYorkTZif []byte

// Zone is the board's location.
var Zone = mustLoadZone()

// mustLoadZone cannot fail at run time: the zone data is embedded above, so
// a failure is a build defect and should stop the process at start.
func mustLoadZone() *time.Location {
	loc, err := time.LoadLocationFromTZData(ZoneName, newYorkTZif)
	if err != nil {
		panic(fmt.Sprintf("calendar: load %s: %v", ZoneName, err))
	}
	return loc
}

// Today is the board's calendar date at instant now.
func Today(now time.Time) civil.Date { return civil.In(now, Zone) }
