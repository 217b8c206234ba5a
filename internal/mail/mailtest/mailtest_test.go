package mailtest

import "testing"

// The checks catch the debris of issue 10 and pass the texts as sent.
func TestDebris(t *testing.T) {
	for _, dirty := range []string{
		"appeal letter.%!(EXTRA civil.Date=2027-01-14, string=, string=95.00 USD)",
		"Dear <no value>,",
		"Resolve the deficiency by  (30 calendar days)",
		"Upload it by .",
		"Deadline: \nWhat to do: upload it.",
		"Basis: \n\nFee charged: 40.00 USD",
		"the fee of  USD is kept",
		"effective ; your credential",
		"Your new cycle runs  to , effective",
	} {
		if len(Debris(dirty)) == 0 {
			t.Errorf("no debris found in %q", dirty)
		}
	}
	for _, clean := range []string{
		"Resolve the deficiency by 2025-01-01 (30 calendar days): submit a new allocation.",
		"the fee of 95.00 USD is kept. To renew, submit a new declaration.",
		"Your new cycle runs 2025-02-01 to 2028-01-31, effective 2025-01-01; your credential reads MLS(ASCPi)CM.",
		"Deadline: 2025-01-15\nWhat to do: upload it.",
	} {
		if d := Debris(clean); len(d) > 0 {
			t.Errorf("debris %v found in clean %q", d, clean)
		}
	}
}
