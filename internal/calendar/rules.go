package calendar

// The R-CYC, R-REM and processing constants in one table, so a rule change is an
// edit here and nowhere else.
const (
	cycleMonths            = 36 // R-CYC-1, R-CYC-2: a cycle runs 36 months
	lookBackYears          = 3  // R-CYC-4, R-CYC-5: CE window of reinstatement and voluntary declarations
	windowOpensMonths      = 3  // R-CYC-7: submissions open 3 months before expiration
	lateWithinMonths       = 1  // R-CYC-7: later than 1 month before expiration is late
	processingBusinessDays = 30 // R-CYC-7, R-DEC-1: processing takes up to 30 business days
	reexaminationYears     = 10 // R-CYC-8: expired 10 or more years needs re-examination
)

// DefaultReminderOffsets are the R-REM-1 defaults in days before expiration: 180,
// 90 and 30 days before, and -1 for the day after expiration. A fresh slice each
// call, so a caller's configuration cannot alter the default.
func DefaultReminderOffsets() []int { return []int{180, 90, 30, -1} }
