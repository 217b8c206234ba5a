package textcheck

import "testing"

// Issue 11 item 8, api.md Conventions: names refuse bidirectional controls
// and invisible-only values.
func TestName(t *testing.T) {
	ok := []string{"Ana", "María José", "李", "O'Brien-Smith", "Zoë", "محمد"}
	bad := []string{"", "a\nb", "a\x00", "\u202eadmin", "Ana\u2066x\u2069", "a\u200fb", "\u200b", "\u200b\u200d", " \u3164 ", "\u0301", "\u2800", "\xff"}
	for _, v := range ok {
		if msg := Name(v, 100); msg != "" {
			t.Errorf("Name(%q) = %q, want accepted", v, msg)
		}
	}
	for _, v := range bad {
		if Name(v, 100) == "" {
			t.Errorf("Name(%q) accepted", v)
		}
	}
	if Name("abcd", 3) == "" {
		t.Error("over max accepted")
	}
}

// Issue 11 item 8: addresses SES would refuse are refused here.
func TestEmail(t *testing.T) {
	for _, v := range []string{"a@example.org", "first.last+tag@sub.example.org", "x@xn--bcher-kva.example"} {
		if msg := Email(v); msg != "" {
			t.Errorf("Email(%q) = %q", v, msg)
		}
	}
	for _, v := range []string{"", "josé@example.org", "a@bücher.example", "Ana <a@example.org>", "not an address", "a@example.org\n"} {
		if Email(v) == "" {
			t.Errorf("Email(%q) accepted", v)
		}
	}
}

// Issue 11 item 8: reasons keep newlines but no other control characters.
func TestFreeText(t *testing.T) {
	if !FreeText("line one\nline two") {
		t.Error("newline refused")
	}
	for _, v := range []string{"a\tb", "a\rb", "a\x00", "a\u0085", "\xff"} {
		if FreeText(v) {
			t.Errorf("FreeText(%q) accepted", v)
		}
	}
}
