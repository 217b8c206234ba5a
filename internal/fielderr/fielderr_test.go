package fielderr

import "testing"

// The message names every field, and its rule where one is broken.
func TestInvalidError(t *testing.T) {
	err := &Invalid{Detail: "invalid request", Fields: []Field{
		{Field: "email", Message: "a plain email address"},
		{Field: "category", Rule: "R-CAT-1", Message: "unknown"},
	}}
	want := "invalid request: email: a plain email address; category: unknown (R-CAT-1)"
	if got := err.Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
