package rules

import (
	"errors"
)

// RuleError is a refusal that names the rule behind it.
type RuleError struct {
	Rule    string
	Message string
}

func (e *RuleError) Error() string { return e.Message + " (" + e.Rule + ")" }

// ErrNotSupported marks a certification that exists but is outside this
// service's scope (R-CAT-3); match it with errors.Is.
var ErrNotSupported = errors.New("not supported")

func (e *RuleError) Is(target error) bool {
	return target == ErrNotSupported && e.Rule == "R-CAT-3"
}

// RuleOf is the rule a *RuleError in err's chain names, else fallback.
func RuleOf(err error, fallback string) string {
	var re *RuleError
	if errors.As(err, &re) && re.Rule != "" {
		return re.Rule
	}
	return fallback
}
