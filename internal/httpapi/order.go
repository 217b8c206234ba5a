package httpapi

import "github.com/boc/cmp/internal/fielderr"

// One order of judgement on every route (openapi.yaml info): authentication
// and role, then the body's shape (400/415/422), then existence and
// ownership (404), then state (409). Handlers call RefuseStaff or
// RequireStaff first, DecodeChecked next, and only then read stored data.

// Checker is a request body that knows its own shape: required fields,
// lengths and formats that need no stored data.
type Checker interface {
	Check() []fielderr.Field
}

// DecodeChecked decodes the body strictly (400) and checks its shape (422
// naming every bad field).
func (r *Request) DecodeChecked(dst Checker) error {
	if err := r.Decode(dst); err != nil {
		return err
	}
	if errs := dst.Check(); len(errs) > 0 {
		return Unprocessable("invalid request", errs...)
	}
	return nil
}

// RefuseStaff is the role step of a certificant's own route: staff are
// refused (403) from the token alone, before the body is read; whether the
// record is the caller's is decided later (RequireSelf, 404).
func RefuseStaff(p Principal) error {
	if p.IsStaff() {
		return Forbidden("only the certificant may do this")
	}
	return nil
}

// Required is the 422 field error of a missing required field.
func Required(field, rule, msg string) fielderr.Field {
	return fielderr.Field{Field: field, Rule: rule, Message: "required: " + msg}
}
