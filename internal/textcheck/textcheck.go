// Package textcheck is the text hygiene every input shares (api.md
// Conventions): names that render as what they say, addresses SES accepts,
// free text without control characters but its newlines.
package textcheck

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEmail is the longest address SMTP carries.
const MaxEmail = 254

// Name says what is wrong with a name ("" when nothing): required, valid
// UTF-8, at most max characters, no control characters, no bidirectional
// controls (they make a name display as something else, e.g. an
// administrator's), and not made of invisible characters only.
func Name(v string, max int) string {
	switch {
	case v == "":
		return "required"
	case !utf8.ValidString(v) || utf8.RuneCountInString(v) > max:
		return fmt.Sprintf("at most %d characters", max)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "must not contain control characters"
	case strings.IndexFunc(v, isBidiControl) >= 0:
		return "must not contain bidirectional control characters"
	case strings.IndexFunc(v, func(r rune) bool { return !invisible(r) }) < 0:
		return "must contain visible characters"
	}
	return ""
}

// isBidiControl: the embeddings, overrides and isolates of Unicode's
// bidirectional algorithm, and the implicit marks.
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}

// invisible: white space, format characters (zero-width space, joiners),
// combining marks with nothing to combine with, and the fillers that render
// blank.
func invisible(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800', '\u180e':
		return true
	}
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me, unicode.Zs, unicode.Other_Default_Ignorable_Code_Point)
}

// Email says what is wrong with an address ("" when nothing): a plain
// address (no display name), at most MaxEmail bytes, and ASCII only: SES
// refuses non-ASCII local parts (no SMTPUTF8) and wants international
// domains in their xn-- form.
func Email(v string) string {
	if v == "" {
		return "required"
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v || len(v) > MaxEmail {
		return "a plain email address such as name@example.org"
	}
	if strings.IndexFunc(v, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
		return "ASCII only (an international domain in its xn-- form)"
	}
	return ""
}

// FreeText reports whether v is valid UTF-8 without control characters
// other than newline (reasons keep their lines; emails show them as text).
func FreeText(v string) bool {
	return utf8.ValidString(v) && strings.IndexFunc(v, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) < 0
}
