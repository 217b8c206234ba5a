package rules

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Points are CMP points in hundredths (3.5 pt = 350), never floats.
type Points int64

// Pt is n whole points, for rule tables.
const Pt Points = 100

// String formats with two places: "2.50", "-1.00". It is in every cap and
// allocation message, hence strconv rather than fmt.
func (p Points) String() string {
	var b []byte
	v := uint64(p)
	if p < 0 {
		b, v = append(b, '-'), -v
	}
	b = strconv.AppendUint(b, v/100, 10)
	b = append(b, '.', byte('0'+v%100/10), byte('0'+v%10))
	return string(b)
}

// MarshalJSON writes the api.md form, a decimal string with two places.
func (p Points) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a decimal string or a JSON number with at most two decimals.
func (p *Points) UnmarshalJSON(b []byte) error {
	v, err := ParsePoints(Decimal(b).text())
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// maxDecimal bounds parsed values so that sums over any transcript stay far from
// int64 overflow; no rule allows anything near it.
const maxDecimal = 1_000_000 * Pt

// ParsePoints reads a plain decimal ("12", "1.5", "-0.25") into hundredths.
// Exponents, more than two decimals and values beyond a million are refused.
func ParsePoints(s string) (Points, error) {
	body, neg := strings.CutPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(body, ".")
	if whole == "" || !digits(whole) || (hasDot && (frac == "" || !digits(frac))) {
		return 0, fmt.Errorf("%q is not a plain decimal number", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than 2 decimals", s)
	}
	if len(whole) > 7 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64) // digits only, at most 7: cannot fail
	f, _ := strconv.ParseInt(frac+"00"[len(frac):], 10, 64)
	v := Points(w*100 + f)
	if v > maxDecimal {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if neg {
		v = -v
	}
	return v, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Decimal keeps a decimal as the client wrote it (JSON string or number), so that
// validation can answer a field error instead of a decoding failure.
type Decimal string

// UnmarshalJSON accepts any JSON value; Parse decides whether it is a decimal.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	*d = Decimal(b)
	return nil
}

// MarshalJSON writes the decimal back as a string.
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(d.text()) }

// text strips JSON string quotes, if any.
func (d Decimal) text() string {
	s := strings.TrimSpace(string(d))
	if strings.HasPrefix(s, `"`) {
		var u string
		if json.Unmarshal([]byte(s), &u) == nil {
			return u
		}
	}
	return s
}

// Parse reads the decimal into hundredths.
func (d Decimal) Parse() (Points, error) { return ParsePoints(d.text()) }
