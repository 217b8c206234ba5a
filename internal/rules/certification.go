// Package rules is the credential-maintenance rules engine: programs and
// categories (R-CAT), point requirements (R-REQ), activity points and caps
// (R-ACT), content areas (R-AREA) and allocation (R-ALLOC). It is pure: no
// AWS types, no I/O, no clock; callers pass dates in.
package rules

import (
	"fmt"
	"strings"

	"github.com/boc/cmp/internal/civil"
)

// Program is a certification program (R-CAT-1).
type Program string

const (
	ASCPi Program = "ASCPi" // international, the booklet
	ASCP  Program = "ASCP"  // US
)

// Group decides which requirement rows apply (R-CAT-2, R-REQ).
type Group string

const (
	Generalist  Group = "generalist"
	Categorical Group = "categorical"
	Phlebotomy  Group = "phlebotomy"
	Specialist  Group = "specialist"
)

// category is one row of R-CAT-2/3 with its area of certification (R-AREA-2).
type category struct {
	group Group
	area  Area // empty for generalists: they have no single area
}

// categories per program. MT is the legacy title of MLS (R-CAT-2) and keeps its
// own code so the credential text stays MT(ASCPi).
var categories = map[Program]map[string]category{
	ASCPi: {
		"MLS": {Generalist, ""}, "MT": {Generalist, ""}, "MLT": {Generalist, ""}, "CLM": {Generalist, ""},
		"BB": {Categorical, AreaBloodBanking}, "C": {Categorical, AreaChemistry},
		"CG": {Categorical, AreaCytogenetics}, "CT": {Categorical, AreaCytology},
		"CTgyn": {Categorical, AreaCytology}, "H": {Categorical, AreaHematology},
		"HT": {Categorical, AreaHistology}, "HTL": {Categorical, AreaHistology},
		"M": {Categorical, AreaMicrobiology}, "MB": {Categorical, AreaMolecularBiology},
		"PBT": {Phlebotomy, AreaPhlebotomy},
		"SBB": {Specialist, AreaBloodBanking}, "SC": {Specialist, AreaChemistry},
		"SCT": {Specialist, AreaCytology}, "SCYM": {Specialist, AreaCytometry},
		"SH": {Specialist, AreaHematology}, "SM": {Specialist, AreaMicrobiology},
		"SMB": {Specialist, AreaMolecularBiology},
	},
	ASCP: {"MLS": {Generalist, ""}, "MT": {Generalist, ""}, "MLT": {Generalist, ""}},
}

// cmpRequiredFrom is the first issue date from which CMP is required (R-CAT-4).
var cmpRequiredFrom = map[Program]civil.Date{
	ASCPi: civil.MustParse("2012-01-01"),
	ASCP:  civil.MustParse("2004-01-01"),
}

// Certification is a (program, category) pair in canonical spelling.
type Certification struct {
	Program  Program
	Category string
}

// ParseKey reads a certification key `PROGRAM-CATEGORY` (ASCPi-MLS, ASCP-MLT,
// ASCPi-CTgyn). Case is forgiven; the result is canonical.
func ParseKey(key string) (Certification, error) {
	program, code, ok := strings.Cut(key, "-")
	if !ok {
		return Certification{}, &RuleError{"R-CAT-1", fmt.Sprintf("certification key %q: want PROGRAM-CATEGORY, e.g. ASCPi-MLS", key)}
	}
	return NewCertification(program, code)
}

// NewCertification validates a program and category code (R-CAT-1..3).
func NewCertification(program, code string) (Certification, error) {
	var p Program
	switch {
	case strings.EqualFold(program, string(ASCPi)):
		p = ASCPi
	case strings.EqualFold(program, string(ASCP)):
		p = ASCP
	default:
		return Certification{}, &RuleError{"R-CAT-1", fmt.Sprintf("unknown program %q: want ASCPi or ASCP", program)}
	}
	if c, ok := canonicalCode(categories[p], code); ok {
		return Certification{p, c}, nil
	}
	if p == ASCP {
		if _, known := canonicalCode(categories[ASCPi], code); known {
			return Certification{}, &RuleError{"R-CAT-3", fmt.Sprintf("US category %q is not supported: only MLS and MLT", code)}
		}
	}
	return Certification{}, &RuleError{"R-CAT-2", fmt.Sprintf("unknown %s category %q", p, code)}
}

func canonicalCode(cats map[string]category, code string) (string, bool) {
	for c := range cats {
		if strings.EqualFold(c, code) {
			return c, true
		}
	}
	return "", false
}

// Key is the `PROGRAM-CATEGORY` form.
func (c Certification) Key() string { return string(c.Program) + "-" + c.Category }

func (c Certification) String() string { return c.Key() }

// Group is the requirement group (R-CAT-2/3).
func (c Certification) Group() Group { return categories[c.Program][c.Category].group }

// Area is the area of certification (R-AREA-2); false for generalists.
func (c Certification) Area() (Area, bool) {
	a := categories[c.Program][c.Category].area
	return a, a != ""
}

// CMPRequired reports whether a certification first issued on that date must
// take part in CMP; earlier ones take part voluntarily (R-CAT-4).
func (c Certification) CMPRequired(firstIssued civil.Date) bool {
	from, ok := cmpRequiredFrom[c.Program]
	return ok && !firstIssued.Before(from)
}
