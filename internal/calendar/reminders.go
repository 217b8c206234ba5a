package calendar

import "github.com/boc/cmp/internal/civil"

// ExpirationDue is the expiration date whose reminder at offsetDays before it
// (negative: after it, -1 being the day after) falls on today, so a daily sweep
// can query cycles by expiration date (R-REM-1).
func ExpirationDue(today civil.Date, offsetDays int) civil.Date { return today.AddDays(offsetDays) }
