package declarations

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/rules"
)

// DefaultAuditShareBP is the R-DEC-3 default share of declarations audited,
// in basis points (5%).
const DefaultAuditShareBP = 500

// ParseAuditShare reads a percentage ("5", "2.5", at most 2 decimals, 0 to
// 100) as basis points; empty is the default.
func ParseAuditShare(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultAuditShareBP, nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return 0, fmt.Errorf("audit share %q: want a percentage with at most 2 decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	bp, err := strconv.Atoi(whole + frac)
	if err != nil || bp < 0 || bp > 10000 || strings.ContainsAny(whole+frac, "+-") {
		return 0, fmt.Errorf("audit share %q: want a percentage from 0 to 100", s)
	}
	return bp, nil
}

// AuditSelected reports whether the declaration id falls in the audited
// share: a hash of the id, so every retry and every replica decides the same
// (R-DEC-3).
func AuditSelected(id string, shareBP int) bool {
	sum := sha256.Sum256([]byte(id))
	return binary.BigEndian.Uint64(sum[:8])%10000 < uint64(shareBP)
}

// AuditPending reports whether d was selected for audit at submission and
// its audit has not been opened yet: it cannot be approved before (R-DEC-3).
func AuditPending(d partition.Declaration) bool {
	return d.AuditSelected && !slices.ContainsFunc(d.History, func(t partition.Transition) bool { return t.State == partition.UnderAudit })
}

// The documentation kinds of the booklet's list, and the two the list does
// not name (advanced certifications and COVID CE, whose proof is the record
// or the sign-off the entry already references).
const (
	CertificateOfParticipation partition.DocumentKind = "certificate_of_participation"
	EmployerLetter             partition.DocumentKind = "employer_letter"
	UniversityTranscript       partition.DocumentKind = "university_transcript"
	EmployerAssessmentForm     partition.DocumentKind = "employer_assessment_form"
	ClinicalTeachingForm       partition.DocumentKind = "clinical_teaching_form"
	PresentationProgram        partition.DocumentKind = "presentation_program"
	PublicationTitlePage       partition.DocumentKind = "publication_title_page"
	EditorPage                 partition.DocumentKind = "editor_page"
	PosterAbstract             partition.DocumentKind = "poster_abstract"
	PublicationCopy            partition.DocumentKind = "publication_copy"
	ServiceLetter              partition.DocumentKind = "service_letter"
	InspectorLetter            partition.DocumentKind = "inspector_letter"
	CertificationRecord        partition.DocumentKind = "certification_record"
	SupervisorSignoff          partition.DocumentKind = "supervisor_signoff"
)

// RequiredDocumentation is the booklet's list: the documentation an audit
// asks for per activity type (R-DEC-3).
var RequiredDocumentation = map[rules.ActivityType]partition.DocumentKind{
	rules.FormalCE:              CertificateOfParticipation,
	rules.OnlineCourse:          CertificateOfParticipation,
	rules.EmployerCourse:        EmployerLetter,
	rules.CollegeCourse:         UniversityTranscript,
	rules.CompetenceAssessment:  EmployerAssessmentForm,
	rules.ClinicalTeaching:      ClinicalTeachingForm,
	rules.Presentation:          PresentationProgram,
	rules.BookAuthored:          PublicationTitlePage,
	rules.BookChapter:           PublicationTitlePage,
	rules.DoctoralDissertation:  PublicationTitlePage,
	rules.BookEdited:            EditorPage,
	rules.Poster:                PosterAbstract,
	rules.JournalArticle:        PublicationCopy,
	rules.MastersThesis:         PublicationCopy,
	rules.CommitteeService:      ServiceLetter,
	rules.BOCAdvisoryBoard:      ServiceLetter,
	rules.Inspector:             InspectorLetter,
	rules.AdvancedCertification: CertificationRecord,
	rules.CovidCE:               SupervisorSignoff,
}

// knownKind reports whether k is a kind of the list.
func knownKind(k partition.DocumentKind) bool {
	for _, v := range RequiredDocumentation {
		if v == k {
			return true
		}
	}
	return false
}

var (
	languagePattern = pattern.MustCompile(`^[a-z]{2}$`)
	// File names end up in staff screens and emails: plain names only.
	fileNamePattern = pattern.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,127}$`)
)

// maxDocuments bounds one declaration's documents (the item stays small).
const maxDocuments = 200

// CheckDocument validates an upload against d: under audit, an activity
// the declaration claims, the kind the list names for that activity's type
// (acts: the transcript by id), and an English translation of anything not
// in English (R-DEC-3).
func CheckDocument(d partition.Declaration, doc partition.Document, acts map[string]rules.Activity) []fielderr.Field {
	var errs []fielderr.Field
	add := func(field, rule, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
	}
	errs = append(errs, Upload(doc).Check()...)
	if !slices.Contains(d.Allocated(), doc.ActivityID) {
		add("activityId", "R-DEC-3", "not an activity this declaration claims")
	}
	a, claimed := acts[doc.ActivityID]
	if want, listed := RequiredDocumentation[a.Type]; knownKind(doc.Kind) && claimed && listed && doc.Kind != want {
		add("kind", "R-DEC-3", fmt.Sprintf("a %s activity is documented by %s, not %s", a.Type, want, doc.Kind))
	}
	if len(d.Documents) >= maxDocuments {
		add("documents", "", fmt.Sprintf("at most %d documents", maxDocuments))
	}
	return errs
}

// Upload is the body of a document upload: the stored Document, judged by
// its shape (Check) before the declaration is read.
type Upload partition.Document

// Check is the document's own shape, judged before the declaration is read
// (R-DEC-3): an activity id, a kind of the list, a plain file name, a
// language code, and a translation of anything not in English.
func (doc Upload) Check() []fielderr.Field {
	var errs []fielderr.Field
	add := func(field, rule, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
	}
	if doc.ActivityID == "" {
		add("activityId", "R-DEC-3", "required: the claimed activity documented")
	}
	if !knownKind(doc.Kind) {
		add("kind", "R-DEC-3", "not a kind of the required documentation list")
	}
	if !fileNamePattern.MatchString(doc.FileName) {
		add("fileName", "R-DEC-3", "1 to 128 letters, digits, spaces and . _ ( ) -")
	}
	switch {
	case !languagePattern.MatchString(doc.Language):
		add("language", "R-DEC-3", "an ISO 639-1 code such as en")
	case doc.Language != "en" && !doc.Translated:
		add("translated", "R-DEC-3", "documentation not in English needs a translated English copy")
	}
	return errs
}

// MissingDocumentation lists the claimed activities without any document
// yet (an empty list, never null), except those a CE provider reported: the
// provider is the primary source (R-PROV-3).
func MissingDocumentation(d partition.Declaration) []string {
	missing := []string{}
	for _, id := range d.Allocated() {
		if slices.Contains(d.Reported, id) {
			continue
		}
		if !slices.ContainsFunc(d.Documents, func(doc partition.Document) bool { return doc.ActivityID == id }) {
			missing = append(missing, id)
		}
	}
	return missing
}

// reported lists the activities of alloc that a CE provider posted.
func reported(acts map[string]rules.Activity, alloc []rules.Allocation) []string {
	var ids []string
	for _, id := range (partition.Declaration{Allocations: alloc}).Allocated() {
		if acts[id].Reported {
			ids = append(ids, id)
		}
	}
	return ids
}

// AddDocument records audit documentation metadata uploaded to d by its
// certificant (R-DEC-3): no state change, the version guards the write.
func (l *Lifecycle) AddDocument(ctx context.Context, d partition.Declaration, doc partition.Document) (partition.Declaration, error) {
	if d.Status != partition.UnderAudit {
		return partition.Declaration{}, &TransitionError{From: d.Status, Decision: "documents"}
	}
	snap, err := l.snapshot(ctx, d)
	if err != nil {
		return partition.Declaration{}, err
	}
	acts := activitiesByID(snap.Evaluation.Activities)
	if errs := CheckDocument(d, doc, acts); len(errs) > 0 {
		return partition.Declaration{}, &RuleError{Detail: "the document cannot be accepted", Errors: errs}
	}
	now := l.now()
	doc.UploadedAt = now.UTC()
	n := d
	n.Documents = append(slices.Clone(d.Documents), doc)
	n.Version = d.Version + 1
	party, err := l.store.Party(ctx, d)
	if err != nil {
		return partition.Declaration{}, fmt.Errorf("read certificant of %s: %w", d.ID, err)
	}
	// The receipt email is owed once per upload (version), like a transition's.
	mail := dynamo.NewOutbox(StatusTemplate, party.Email, documentMail(n, party, titles(acts)), now, n.ID, strconv.Itoa(n.Version))
	if err := l.store.Apply(ctx, Change{From: d, To: n, Mail: mail}); err != nil {
		return partition.Declaration{}, fmt.Errorf("add document to %s: %w", d.ID, err)
	}
	return n, nil
}
