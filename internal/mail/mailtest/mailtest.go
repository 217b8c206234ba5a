// Package mailtest renders the embedded email templates in tests and fails
// on the debris a wrong data map leaves: format verbs (%!), missing keys
// (<no value>), and an empty date or amount where a sentence needs one.
// It uses only mail's public Render API, so it holds whatever engine
// renders the templates.
package mailtest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/boc/cmp/internal/mail"
)

// debris are the patterns of a gap: a format error, a missing key, a word
// that introduces a date or amount followed by nothing, an amount without
// its number, empty parentheses, or a doubled space inside a sentence.
var debris = []struct {
	what string
	re   *regexp.Regexp
}{
	{"format verb debris", regexp.MustCompile(`%!|%\[\d\]|%[sdv]\b`)},
	{"missing template value", regexp.MustCompile(`<no value>|\bnil\b|\{\{|\}\}`)},
	{"empty date or amount", regexp.MustCompile(`\b(by|on|until|through|from|to|effective|of|reads|is|expires|opens)[ \t]*([.,;)]|\((\d+ (calendar|business) days)?\)|[ \t](to|and)[ \t,.;])`)},
	// A label whose value is missing: nothing after it before a blank line,
	// another label or the end (a value on the next line is fine).
	{"empty labelled value", regexp.MustCompile(`(?m)^[A-Z][A-Za-z ]{0,30}:[ \t]*(\n[ \t]*\n|\n[A-Z][A-Za-z ]{0,30}:|\z)`)},
	{"amount without a number", regexp.MustCompile(`(^|[^\d\s]|\s\s)\s?USD\b`)},
	{"empty parentheses", regexp.MustCompile(`\(\s*\)`)},
	{"doubled space", regexp.MustCompile(`\S  +\S`)},
}

// Debris lists what in text looks like a rendering gap; empty when clean.
func Debris(text string) []string {
	var out []string
	for _, d := range debris {
		if m := d.re.FindString(text); m != "" {
			out = append(out, d.what+": "+strings.TrimSpace(m))
		}
	}
	return out
}

// Render renders template name with data (and a base URL) and fails t when
// it does not render or when its subject, text or HTML carries debris; it
// answers the message for the caller's own checks of the facts.
func Render(t testing.TB, name string, data map[string]string) mail.Message {
	t.Helper()
	r, err := mail.NewRenderer(map[string]string{"baseUrl": "https://cmp.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Render(name, data)
	if err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": htmlText(m.HTML)} {
		if d := Debris(s); len(d) > 0 {
			t.Errorf("%s %s: %v in %q", name, part, d, s)
		}
	}
	return m
}

var tags = regexp.MustCompile(`<[^>]*>`)

// htmlText is the HTML part's text, tags removed, so the same checks apply.
func htmlText(h string) string {
	s := tags.ReplaceAllString(h, "")
	s = strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}
