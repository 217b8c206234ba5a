package pattern

import (
	"regexp"
	"strings"
	"testing"
)

// The validators' patterns (R-CAT certification numbers and routes,
// certificant ids, countries, documentation file names and languages,
// inactive-status bases) must accept exactly what package regexp accepts.
var patterns = []string{
	`^[A-Za-z0-9-]{1,32}$`,
	`^[A-Za-z0-9_-]{1,32}$`,
	`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`,
	`^[A-Z]{2}$`,
	`^[a-z]{2}$`,
	`^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,127}$`,
	`^[A-Za-z]{1,8}-[A-Za-z]{1,8}$`,
	`^[a-z][a-z_]{0,39}$`,
	`^[A-Za-z0-9._:/-]{1,64}$`, // providers: course ids
	`^[A-Za-z0-9_-]{1,128}$`,   // providers: app client ids
	`^[A-Za-z0-9._-]{1,64}$`,   // credential: signing key ids
	`^[a-z]{0,3}[a-z-]{1,2}x$`, // overlapping items: needs the backtracking
}

func inputs() []string {
	in := []string{"", "a", "A", "US", "us", "USA", "en", "e", "ASCPi-MLS", "ASCPi-", "-MLS", "a-b-c", "ab_c", "_ab",
		"c-1", "-c1", "c--1", "report (1).pdf", " report.pdf", "report.pdf\n", "ré.pdf", "a\x00b", "abx", "ab-x", "a-bx", "abcd-x",
		"MLS(ASCPi)CM", "ce:2026/lab.safety-1", "key_2026.01-a", "a:b", "/", "x", "-x", "--x", "abc--x", "Zz09", "a b", "ABCDEFGHI-A"}
	for _, n := range []int{31, 32, 33, 63, 64, 65, 127, 128, 129, 1 << 16} {
		in = append(in, strings.Repeat("a", n), "A"+strings.Repeat("-", n-1), strings.Repeat("ab_", n/3))
	}
	return in
}

func TestMatchesRegexp(t *testing.T) {
	for _, src := range patterns {
		p, re := MustCompile(src), regexp.MustCompile(src)
		for _, s := range inputs() {
			if got, want := p.MatchString(s), re.MatchString(s); got != want {
				t.Errorf("%s on %.40q: %v, regexp %v", src, s, got, want)
			}
		}
	}
}

func TestRefusesWhatItDoesNotKnow(t *testing.T) {
	for _, src := range []string{`[a-z]`, `^[a-z]`, `^a|b$`, `^[^a]$`, `^a+$`, `^a.b$`, `^[a-z$`, `^a{2,1}$`, `^[z-a]$`, `^\d$`, `^(a)$`} {
		if _, err := compile(src); err == nil {
			t.Errorf("%s compiled", src)
		}
	}
}
