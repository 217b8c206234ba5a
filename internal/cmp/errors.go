package cmp

import (
	"errors"
	"fmt"
)

// FieldError is one broken rule on one input field, the api.md `errors[]` item.
type FieldError struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Rule) }

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
