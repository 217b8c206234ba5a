package fees

import "testing"

func TestFormatCents(t *testing.T) {
	for c, want := range map[int64]string{0: "0.00", 5: "0.05", 9500: "95.00", 22000: "220.00", -150: "-1.50"} {
		if got := FormatCents(c); got != want {
			t.Errorf("FormatCents(%d) = %s, want %s", c, got, want)
		}
	}
	if got := Amount(12500, ""); got != "125.00 USD" {
		t.Errorf("Amount without currency = %q, want 125.00 USD", got)
	}
}
