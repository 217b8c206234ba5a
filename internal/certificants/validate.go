package certificants

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/boc/cmp/internal/fielderr"
)

var (
	// Certificant ids become JWT subjects (Cognito subs are UUIDs), so keep
	// them to characters safe in keys and URLs.
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

const (
	maxNameRunes = 100
	maxEmail     = 254
)

func normalize(in NewCertificant) NewCertificant {
	in.ID = strings.TrimSpace(in.ID)
	in.Name.Given = strings.TrimSpace(in.Name.Given)
	in.Name.Family = strings.TrimSpace(in.Name.Family)
	in.Email = strings.TrimSpace(in.Email)
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	return in
}

func validate(in NewCertificant) error {
	var errs []fielderr.Field
	add := func(field, msg string) { errs = append(errs, fielderr.Field{Field: field, Message: msg}) }
	if in.ID != "" && !idPattern.MatchString(in.ID) {
		add("id", "letters, digits and '-', at most 64, starting with a letter or digit")
	}
	for field, v := range map[string]string{"name.given": in.Name.Given, "name.family": in.Name.Family} {
		if msg := nameProblem(v); msg != "" {
			add(field, msg)
		}
	}
	if msg := emailProblem(in.Email); msg != "" {
		add("email", msg)
	}
	if !countryPattern.MatchString(in.Country) {
		add("country", "an ISO 3166-1 alpha-2 code such as PH or US")
	}
	if len(errs) == 0 {
		return nil
	}
	// Stable answers despite map iteration.
	slices.SortFunc(errs, func(a, b fielderr.Field) int { return strings.Compare(a.Field, b.Field) })
	return &fielderr.Invalid{Detail: "invalid request", Fields: errs}
}

func nameProblem(v string) string {
	switch {
	case v == "":
		return "required"
	case !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxNameRunes:
		return "at most 100 characters"
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

func emailProblem(v string) string {
	if v == "" {
		return "required"
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v || len(v) > maxEmail {
		return "a plain email address such as name@example.org"
	}
	return ""
}
