package rules

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fielderr"
)

// ActivityType is a transcript entry's type (R-ACT).
type ActivityType string

const (
	FormalCE              ActivityType = "formal_ce"
	EmployerCourse        ActivityType = "employer_course"
	OnlineCourse          ActivityType = "online_course"
	CollegeCourse         ActivityType = "college_course"
	AdvancedCertification ActivityType = "advanced_certification"
	CompetenceAssessment  ActivityType = "competence_assessment"
	ClinicalTeaching      ActivityType = "clinical_teaching"
	Presentation          ActivityType = "presentation"
	JournalArticle        ActivityType = "journal_article"
	BookAuthored          ActivityType = "book_authored"
	BookChapter           ActivityType = "book_chapter"
	BookEdited            ActivityType = "book_edited"
	DoctoralDissertation  ActivityType = "doctoral_dissertation"
	MastersThesis         ActivityType = "masters_thesis"
	Poster                ActivityType = "poster"
	CommitteeService      ActivityType = "committee_service"
	BOCAdvisoryBoard      ActivityType = "boc_advisory_board"
	Inspector             ActivityType = "inspector"
	CovidCE               ActivityType = "covid_ce"
)

// Status of a transcript entry: covid entries wait for staff (R-ACT-9).
type Status string

const (
	Accepted      Status = "accepted"
	PendingReview Status = "pending_review"
	Rejected      Status = "rejected"
	// Disputed: a provider-posted completion its certificant hid; it never
	// counts again (R-PROV-3).
	Disputed Status = "disputed"
)

// measure says which input fields derive an activity's points.
type measure int

const (
	fixedPoints  measure = iota // nothing more
	contactHours                // contactHours × perHour
	collegeHours                // exactly one of contact, semester, quarter hours
	advancedCert                // level + earnedCertification
	pageCount                   // pages
	covidClaim                  // contactHours (claimed points) + supervisorSignoff
)

// activityRule is one row of the activity table: everything R-ACT says about a type.
type activityRule struct {
	rule          string
	measure       measure
	perHour       Points // points per contact hour
	maxHours      Points // largest contactHours (or claimed points) one entry may carry
	fixed         Points
	accreditation bool   // needs an accrediting body (R-ACT-1)
	perYear       Points // cap per calendar year, 0 = none (R-ACT-4,5,8)
	perCycle      Points // cap per cycle, 0 = none (R-ACT-4,5)
	halfOfTotal   bool   // in a group capped at 50% of the total (R-ACT-2,6)
}

var activityRules = map[ActivityType]*activityRule{
	FormalCE:              {rule: "R-ACT-1", measure: contactHours, perHour: Pt, maxHours: 100 * Pt, accreditation: true},
	EmployerCourse:        {rule: "R-ACT-1", measure: contactHours, perHour: Pt, maxHours: 100 * Pt},
	OnlineCourse:          {rule: "R-ACT-1", measure: contactHours, perHour: Pt, maxHours: 100 * Pt, accreditation: true},
	CollegeCourse:         {rule: "R-ACT-2", measure: collegeHours, perHour: Pt, maxHours: 100 * Pt, halfOfTotal: true},
	AdvancedCertification: {rule: "R-ACT-3", measure: advancedCert},
	CompetenceAssessment:  {rule: "R-ACT-4", fixed: 2 * Pt, perYear: 2 * Pt, perCycle: 4 * Pt},
	ClinicalTeaching:      {rule: "R-ACT-5", fixed: 1 * Pt, perYear: 1 * Pt, perCycle: 3 * Pt},
	Presentation:          {rule: "R-ACT-6", measure: contactHours, perHour: 3 * Pt, maxHours: 100 * Pt, halfOfTotal: true},
	JournalArticle:        {rule: "R-ACT-7", fixed: 5 * Pt},
	BookAuthored:          {rule: "R-ACT-7", measure: pageCount},
	BookChapter:           {rule: "R-ACT-7", fixed: 7 * Pt},
	BookEdited:            {rule: "R-ACT-7", fixed: 5 * Pt},
	DoctoralDissertation:  {rule: "R-ACT-7", fixed: 10 * Pt},
	MastersThesis:         {rule: "R-ACT-7", fixed: 4 * Pt},
	Poster:                {rule: "R-ACT-8", fixed: 3 * Pt, perYear: 3 * Pt},
	CommitteeService:      {rule: "R-ACT-8", fixed: 3 * Pt, perYear: 3 * Pt},
	BOCAdvisoryBoard:      {rule: "R-ACT-8", fixed: 2 * Pt, perYear: 2 * Pt},
	Inspector:             {rule: "R-ACT-8", fixed: 2 * Pt, perYear: 2 * Pt},
	CovidCE:               {rule: "R-ACT-9", measure: covidClaim, perHour: Pt, maxHours: covidMax, perCycle: covidMax},
}

// R-ACT-2 academic credit hours, R-ACT-7 book sizes, R-ACT-9 covid limits.
const (
	perSemesterHour  = 15 * Pt
	perQuarterHour   = 10 * Pt
	maxCreditHours   = 100 * Pt // sanity bound: no single course carries more
	bookLongPages    = 300      // "over 300 pages" earns the long-book points
	bookLong         = 21 * Pt
	bookShort        = 14 * Pt
	maxPages         = 100_000
	covidMax         = 12 * Pt
	maxTextRunes     = 300
	maxReferenceRune = 100
)

var (
	covidFrom = civil.MustParse("2020-03-01")
	covidTo   = civil.MustParse("2022-12-31")
)

// Advanced certification levels (R-ACT-3) and their points.
var advancedLevels = map[string]Points{"specialist": 25 * Pt, "categorical": 12 * Pt, "qualification": 12 * Pt}

// Accrediting bodies of api.md (R-ACT-1).
// KnownAccreditation reports whether s is an accrediting body of the list.
func KnownAccreditation(s string) bool { return accreditations[s] }

var accreditations = map[string]bool{
	"ACCME": true, "ASCP_CMLE": true, "AACC_ACCENT": true, "ASCLS_PACE": true,
	"professional_society": true, "state_board": true, "university": true,
}

// ActivityInput is a transcript entry as a certificant submits it (api.md
// "Activities"). Hours are decimals given as strings or JSON numbers.
type ActivityInput struct {
	Type                ActivityType `json:"type"`
	Title               string       `json:"title"`
	Provider            string       `json:"provider"`
	CompletedOn         civil.Date   `json:"completedOn"`
	Areas               []Area       `json:"areas"`
	ContactHours        *Decimal     `json:"contactHours,omitempty"`
	Accreditation       string       `json:"accreditation,omitempty"`
	SemesterHours       *Decimal     `json:"semesterHours,omitempty"`
	QuarterHours        *Decimal     `json:"quarterHours,omitempty"`
	Level               string       `json:"level,omitempty"`
	EarnedCertification string       `json:"earnedCertification,omitempty"`
	Pages               *int         `json:"pages,omitempty"`
	SupervisorSignoff   string       `json:"supervisorSignoff,omitempty"`
}

// Activity is what the rules need of a transcript entry. Points are what the
// type earns before caps (R-ACT-10); caps and windows apply in Evaluate.
type Activity struct {
	ID          string
	Type        ActivityType
	Title       string
	CompletedOn civil.Date
	Areas       []Area
	Points      Points
	Status      Status
	// Earned is the certification an advanced_certification entry was earned in.
	Earned Certification
	// Reported: a CE provider posted it, so an audit asks no documentation
	// for it (R-PROV-3, R-DEC-3).
	Reported bool
}

// Validate checks an input strictly (fields a type does not use are refused)
// and derives its points and initial status. The returned Activity has no ID.
func (in ActivityInput) Validate() (Activity, []fielderr.Field) {
	v := &validation{}
	act := Activity{Type: in.Type, Title: strings.TrimSpace(in.Title), CompletedOn: in.CompletedOn, Status: Accepted}
	rule, known := activityRules[in.Type]
	if !known {
		v.add("type", "R-ACT", fmt.Sprintf("unknown activity type %q", in.Type))
	}
	v.text("title", in.Title, maxTextRunes)
	v.text("provider", in.Provider, maxTextRunes)
	if in.CompletedOn.IsZero() {
		v.add("completedOn", "R-ACT", "completion date is required")
	}
	act.Areas = v.areas(in.Areas)
	if !known {
		return act, v.errs
	}

	used := map[string]bool{}
	switch rule.measure {
	case fixedPoints:
		act.Points = rule.fixed
	case contactHours:
		used["contactHours"] = true
		act.Points = v.hours("contactHours", in.ContactHours, rule.rule, rule.maxHours, rule.perHour)
	case collegeHours:
		act.Points = v.college(in, used)
	case advancedCert:
		used["level"], used["earnedCertification"] = true, true
		act.Points, act.Earned = v.advanced(in)
	case pageCount:
		used["pages"] = true
		act.Points = v.pages(in.Pages)
	case covidClaim:
		used["contactHours"], used["supervisorSignoff"] = true, true
		act.Points = v.hours("contactHours", in.ContactHours, rule.rule, rule.maxHours, rule.perHour)
		v.text("supervisorSignoff", in.SupervisorSignoff, maxReferenceRune)
		if !in.CompletedOn.IsZero() && !in.CompletedOn.Between(covidFrom, covidTo) {
			v.add("completedOn", rule.rule, fmt.Sprintf("covid CE must be completed between %s and %s", covidFrom, covidTo))
		}
		act.Status = PendingReview
	}
	if rule.accreditation {
		used["accreditation"] = true
		if !accreditations[in.Accreditation] {
			v.add("accreditation", rule.rule, "accrediting body required: ACCME, ASCP_CMLE, AACC_ACCENT, ASCLS_PACE, professional_society, state_board or university")
		}
	}
	v.unused(in, used)
	return act, v.errs
}

// validation collects field errors in field order.
type validation struct{ errs []fielderr.Field }

func (v *validation) add(field, rule, msg string) {
	v.errs = append(v.errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
}

func (v *validation) text(field, s string, maxRunes int) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.add(field, "R-ACT", "required")
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(field, "R-ACT", "must be printable text")
	case utf8.RuneCountInString(s) > maxRunes:
		v.add(field, "R-ACT", fmt.Sprintf("at most %d characters", maxRunes))
	}
}

func (v *validation) areas(areas []Area) []Area {
	if len(areas) == 0 {
		v.add("areas", "R-AREA-1", "name at least one content area")
		return nil
	}
	seen := map[Area]bool{}
	out := make([]Area, 0, len(areas))
	for i, a := range areas {
		field := fmt.Sprintf("areas[%d]", i)
		switch {
		case !a.Valid():
			v.add(field, "R-AREA-1", fmt.Sprintf("unknown content area %q", a))
		case seen[a]:
			v.add(field, "R-AREA-1", fmt.Sprintf("area %q listed twice", a))
		default:
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// hours parses a positive decimal of at most maxHours with at most 2 decimals
// and converts it at perHour points per hour.
func (v *validation) hours(field string, d *Decimal, rule string, maxHours, perHour Points) Points {
	if d == nil {
		v.add(field, rule, "required")
		return 0
	}
	h, err := d.Parse()
	switch {
	case err != nil:
		v.add(field, rule, "a positive number with at most 2 decimals: "+err.Error())
		return 0
	case h <= 0:
		v.add(field, rule, "must be positive")
		return 0
	case h > maxHours:
		v.add(field, rule, "at most "+maxHours.String())
		return 0
	}
	return h * perHour / Pt
}

// college takes exactly one of the three measures of R-ACT-2.
func (v *validation) college(in ActivityInput, used map[string]bool) Points {
	used["contactHours"], used["semesterHours"], used["quarterHours"] = true, true, true
	var given []string
	var pts Points
	if in.ContactHours != nil {
		given = append(given, "contactHours")
		pts = v.hours("contactHours", in.ContactHours, "R-ACT-2", 100*Pt, Pt)
	}
	if in.SemesterHours != nil {
		given = append(given, "semesterHours")
		pts = v.hours("semesterHours", in.SemesterHours, "R-ACT-2", maxCreditHours, perSemesterHour)
	}
	if in.QuarterHours != nil {
		given = append(given, "quarterHours")
		pts = v.hours("quarterHours", in.QuarterHours, "R-ACT-2", maxCreditHours, perQuarterHour)
	}
	if len(given) != 1 {
		v.add("contactHours", "R-ACT-2", fmt.Sprintf("give exactly one of contactHours, semesterHours, quarterHours (got %d)", len(given)))
		return 0
	}
	return pts
}

func (v *validation) advanced(in ActivityInput) (Points, Certification) {
	// Any BOC certification may be earned, also US ones this service does not
	// maintain (R-CAT-3 is about maintenance), so only the shape is checked.
	program, code, _ := strings.Cut(in.EarnedCertification, "-")
	earned := Certification{Program: Program(program), Category: code}
	if c, err := NewCertification(program, code); err == nil {
		earned = c
	} else if (!strings.EqualFold(program, string(ASCP)) && !strings.EqualFold(program, string(ASCPi))) ||
		code == "" || len(code) > 8 || strings.IndexFunc(code, func(r rune) bool { return !unicode.IsLetter(r) || r > unicode.MaxASCII }) >= 0 {
		v.add("earnedCertification", "R-ACT-3", "a certification key such as ASCPi-SBB")
		return 0, earned
	} else if strings.EqualFold(program, string(ASCP)) {
		earned.Program = ASCP
	} else {
		earned.Program = ASCPi
	}
	// The level follows from the certification earned, never from the
	// certificant's word (R-ACT-3): a stated level must agree with it.
	level, known := AdvancedLevel(earned)
	switch {
	case !known:
		v.add("earnedCertification", "R-ACT-3", fmt.Sprintf("%s is not an advanced certification: specialist/diplomate (SBB, SC, SCT, SCYM, SH, SM, SMB, US DLM), categorical (BB, C, CG, CTgyn, H, HTL, M, MB) or qualification (QIA, QBRS, QPD, QIHC, QLS)", in.EarnedCertification))
		return 0, earned
	case in.Level != "" && in.Level != level:
		v.add("level", "R-ACT-3", fmt.Sprintf("%s is a %s certification, not %s", earned.Key(), level, in.Level))
		return 0, earned
	}
	return advancedLevels[level], earned
}

// advancedLevelOf is R-ACT-3's list: the level of each certification code
// that earns advanced-certification points. Codes are the same in both
// programs except DLM, which is US only.
var advancedLevelOf = map[string]string{
	"SBB": "specialist", "SC": "specialist", "SCT": "specialist", "SCYM": "specialist", "SH": "specialist",
	"SM": "specialist", "SMB": "specialist",
	"BB": "categorical", "C": "categorical", "CG": "categorical", "CTgyn": "categorical", "H": "categorical",
	"HTL": "categorical", "M": "categorical", "MB": "categorical",
	"QIA": "qualification", "QBRS": "qualification", "QPD": "qualification", "QIHC": "qualification", "QLS": "qualification",
}

// AdvancedLevel is the R-ACT-3 level of an earned certification; false when
// it earns no advanced-certification points.
func AdvancedLevel(earned Certification) (string, bool) {
	if strings.EqualFold(earned.Category, "DLM") {
		return "specialist", earned.Program == ASCP
	}
	for code, level := range advancedLevelOf {
		if strings.EqualFold(code, earned.Category) {
			return level, true
		}
	}
	return "", false
}

func (v *validation) pages(p *int) Points {
	switch {
	case p == nil:
		v.add("pages", "R-ACT-7", "required")
	case *p <= 0 || *p > maxPages:
		v.add("pages", "R-ACT-7", fmt.Sprintf("between 1 and %d", maxPages))
	case *p > bookLongPages:
		return bookLong
	default:
		return bookShort
	}
	return 0
}

// unused refuses fields the type does not read, so a mistaken entry is caught
// instead of silently earning other points than the certificant expects.
func (v *validation) unused(in ActivityInput, used map[string]bool) {
	present := []struct {
		field string
		set   bool
	}{
		{"contactHours", in.ContactHours != nil},
		{"accreditation", in.Accreditation != ""},
		{"semesterHours", in.SemesterHours != nil},
		{"quarterHours", in.QuarterHours != nil},
		{"level", in.Level != ""},
		{"earnedCertification", in.EarnedCertification != ""},
		{"pages", in.Pages != nil},
		{"supervisorSignoff", in.SupervisorSignoff != ""},
	}
	for _, p := range present {
		if p.set && !used[p.field] {
			v.add(p.field, activityRules[in.Type].rule, fmt.Sprintf("not used by type %s", in.Type))
		}
	}
}
