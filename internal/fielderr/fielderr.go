// Package fielderr is the domain's answer to well-formed input that breaks
// rules: every invalid field at once, each with the rule it breaks. It knows
// nothing of HTTP; internal/httpapi answers an *Invalid as a 422 problem.
package fielderr

import "strings"

// Field is one invalid input field and, when a business rule is broken, the
// rule's id (R-...): the api.md `errors[]` item.
type Field struct {
	Field   string `json:"field"`
	Rule    string `json:"rule,omitempty"`
	Message string `json:"message"`
}

func (f Field) Error() string {
	if f.Rule == "" {
		return f.Field + ": " + f.Message
	}
	return f.Field + ": " + f.Message + " (" + f.Rule + ")"
}

// Invalid is a refused request: what was refused (the problem's detail) and
// every invalid field.
type Invalid struct {
	Detail string
	Fields []Field
}

func (e *Invalid) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return e.Detail + ": " + strings.Join(msgs, "; ")
}
