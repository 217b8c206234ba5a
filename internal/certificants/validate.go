package certificants

import (
	"slices"
	"strings"

	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/textcheck"
)

var (
	// Certificant ids become JWT subjects (Cognito subs are UUIDs), so keep
	// them to characters safe in keys and URLs.
	idPattern      = pattern.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
	countryPattern = pattern.MustCompile(`^[A-Z]{2}$`)
)

const maxNameRunes = 100

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

func nameProblem(v string) string { return textcheck.Name(v, maxNameRunes) }

func emailProblem(v string) string { return textcheck.Email(v) }
