package fees

import "fmt"

// FormatCents writes cents as a decimal amount for people: 9500 -> "95.00".
func FormatCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// Amount is cents with their currency, as emails state them: "95.00 USD".
func Amount(cents int64, currency string) string {
	if currency == "" {
		currency = Currency
	}
	return FormatCents(cents) + " " + currency
}
