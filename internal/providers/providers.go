// Package providers is R-PROV: staff register CE providers; a provider's
// machine client posts batches of completions, each line matched to one
// certificant by certification number and family name and posted into the
// transcript (source provider), answered posted, unmatched or rejected; a
// provider reads back its own batches and nothing of any certificant.
package providers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/rules"
)

// Provider is a registered CE provider (R-PROV-1). ClientID, when set, is
// the Cognito app client its machine client authenticates as.
type Provider struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Accreditation string `json:"accreditation"`
	ClientID      string `json:"clientId,omitempty"`
	CreatedAt     string `json:"createdAt"`
}

// Registration is the body of POST /v1/providers.
type Registration struct {
	Name          string `json:"name"`
	Accreditation string `json:"accreditation"`
	ClientID      string `json:"clientId,omitempty"`
}

// Completion is one line of a batch (api.md). Dates and hours stay raw here
// so that one malformed line is rejected on its own, not the whole batch.
type Completion struct {
	CertificationNumber string         `json:"certificationNumber"`
	FamilyName          string         `json:"familyName"`
	CourseID            string         `json:"courseId"`
	Title               string         `json:"title"`
	CompletedOn         string         `json:"completedOn"`
	ContactHours        *rules.Decimal `json:"contactHours"`
	Accreditation       string         `json:"accreditation"`
	Areas               []rules.Area   `json:"areas"`
}

// Upload is the body of POST /v1/provider-completions.
type Upload struct {
	Completions []Completion `json:"completions"`
}

// Outcomes of a line (R-PROV-2).
const (
	Posted    = "posted"
	Unmatched = "unmatched"
	Rejected  = "rejected"
)

// Line is the answer to one completion.
type Line struct {
	CourseID            string `json:"courseId"`
	CertificationNumber string `json:"certificationNumber"`
	Outcome             string `json:"outcome"`
	// AlreadyPosted: the same provider, course and number were posted
	// before (or earlier in this batch); nothing changed.
	AlreadyPosted bool             `json:"alreadyPosted,omitempty"`
	Errors        []fielderr.Field `json:"errors,omitempty"`
}

// Batch is a processed upload as the provider reads it back (R-PROV-4).
type Batch struct {
	BatchID    string `json:"batchId"`
	ProviderID string `json:"providerId"`
	ReceivedAt string `json:"receivedAt"`
	Summary    struct {
		Posted    int `json:"posted"`
		Unmatched int `json:"unmatched"`
		Rejected  int `json:"rejected"`
	} `json:"summary"`
	Lines []Line `json:"lines"`
}

// MaxLines is the most completions one batch carries (R-PROV-2).
const MaxLines = 500

// Errors of the use case; the HTTP layer maps them.
var (
	// ErrUnknownProvider: the token names no registered provider (403).
	ErrUnknownProvider = errors.New("providers: no registered provider for this client")
	// ErrClientTaken: the app client belongs to another provider (409).
	ErrClientTaken = errors.New("providers: the client id is registered to another provider")
	// ErrNotFound: no such batch of this provider (404).
	ErrNotFound = errors.New("providers: not found")
)

// Store keeps providers and batches.
type Store interface {
	// Register puts the provider, and its client mapping when it has one
	// (ErrClientTaken when that client is mapped already).
	Register(ctx context.Context, p Provider) error
	Provider(ctx context.Context, id string) (Provider, bool, error)
	// ProviderOfClient is the provider id registered for an app client.
	ProviderOfClient(ctx context.Context, clientID string) (string, bool, error)
	SaveBatch(ctx context.Context, b Batch) error
	Batch(ctx context.Context, id string) (Batch, bool, error)
}

// Holders finds who holds a certification number (partition.Reader: an index lookup).
type Holders interface {
	Holders(ctx context.Context, number string) ([]partition.Holder, error)
}

// Transcripts posts completions; posted[i] is false for one there already.
type Transcripts interface {
	Post(ctx context.Context, ps []partition.Posting) (posted []bool, err error)
}

// Service is the R-PROV use case.
type Service struct {
	store       Store
	holders     Holders
	transcripts Transcripts
	now         func() time.Time
}

// NewService wires the stores and a clock.
func NewService(store Store, holders Holders, transcripts Transcripts, now func() time.Time) *Service {
	return &Service{store: store, holders: holders, transcripts: transcripts, now: now}
}

var (
	// Ids and names end up in keys, transcripts and emails: keep them plain.
	courseIDPattern = pattern.MustCompile(`^[A-Za-z0-9._:/-]{1,64}$`)
	clientIDPattern = pattern.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
)

const (
	maxName  = 200
	maxTitle = 200
)

// plainText reports text of 1..max characters without control characters.
func plainText(s string, max int) bool {
	return s != "" && len(s) <= max && strings.IndexFunc(s, unicode.IsControl) < 0
}

// Register validates and stores a provider (R-PROV-1).
func (s *Service) Register(ctx context.Context, in Registration) (Provider, error) {
	p := Provider{ID: rand.Text(), Name: strings.TrimSpace(in.Name), Accreditation: strings.TrimSpace(in.Accreditation),
		ClientID: strings.TrimSpace(in.ClientID), CreatedAt: s.now().UTC().Format(time.RFC3339)}
	var errs []fielderr.Field
	if !plainText(p.Name, maxName) {
		errs = append(errs, fielderr.Field{Field: "name", Rule: "R-PROV-1", Message: fmt.Sprintf("required, at most %d characters", maxName)})
	}
	if !rules.KnownAccreditation(p.Accreditation) {
		errs = append(errs, fielderr.Field{Field: "accreditation", Rule: "R-PROV-1",
			Message: "one of ACCME, ASCP_CMLE, AACC_ACCENT, ASCLS_PACE, professional_society, state_board, university"})
	}
	if p.ClientID != "" && !clientIDPattern.MatchString(p.ClientID) {
		errs = append(errs, fielderr.Field{Field: "clientId", Rule: "R-PROV-1", Message: "a Cognito app client id"})
	}
	if len(errs) > 0 {
		return Provider{}, &fielderr.Invalid{Detail: "invalid provider", Fields: errs}
	}
	if err := s.store.Register(ctx, p); err != nil {
		if errors.Is(err, ErrClientTaken) {
			return Provider{}, err
		}
		return Provider{}, fmt.Errorf("register provider: %w", err)
	}
	return p, nil
}

// Caller is what the authorizer says of a provider's machine client: the
// provider_id claim (local tokens, or a pre-token-generation trigger), or
// the app client id of a Cognito client-credentials token.
type Caller struct{ ProviderID, ClientID string }

// Resolve finds the registered provider of a caller.
func (s *Service) Resolve(ctx context.Context, c Caller) (Provider, error) {
	id := c.ProviderID
	if id == "" && c.ClientID != "" {
		mapped, found, err := s.store.ProviderOfClient(ctx, c.ClientID)
		if err != nil {
			return Provider{}, fmt.Errorf("provider of client: %w", err)
		}
		if !found {
			return Provider{}, ErrUnknownProvider
		}
		id = mapped
	}
	if id == "" || len(id) > 128 {
		return Provider{}, ErrUnknownProvider
	}
	p, found, err := s.store.Provider(ctx, id)
	if err != nil {
		return Provider{}, fmt.Errorf("read provider: %w", err)
	}
	if !found {
		return Provider{}, ErrUnknownProvider
	}
	return p, nil
}

// Batch reads one of the provider's batches; another provider's is
// ErrNotFound, as an unknown one (R-PROV-4).
func (s *Service) Batch(ctx context.Context, p Provider, batchID string) (Batch, error) {
	b, found, err := s.store.Batch(ctx, batchID)
	if err != nil {
		return Batch{}, fmt.Errorf("read batch: %w", err)
	}
	if !found || b.ProviderID != p.ID {
		return Batch{}, ErrNotFound
	}
	return b, nil
}

// Post answers every line of an upload (R-PROV-2): rejected when it breaks
// a rule, unmatched when its number and family name do not name exactly one
// certificant, else posted, once per provider, course and number.
func (s *Service) Post(ctx context.Context, p Provider, up Upload) (Batch, error) {
	if n := len(up.Completions); n == 0 || n > MaxLines {
		return Batch{}, &fielderr.Invalid{Detail: "invalid batch", Fields: []fielderr.Field{{Field: "completions", Rule: "R-PROV-2",
			Message: fmt.Sprintf("1 to %d completions", MaxLines)}}}
	}
	now := s.now()
	b := Batch{BatchID: rand.Text(), ProviderID: p.ID, ReceivedAt: now.UTC().Format(time.RFC3339), Lines: make([]Line, len(up.Completions))}
	today := calendar.Today(now)
	valid := make([]partition.Posting, len(up.Completions))
	var numbers []string
	for i, c := range up.Completions {
		c.CertificationNumber, c.CourseID = strings.TrimSpace(c.CertificationNumber), strings.TrimSpace(c.CourseID)
		b.Lines[i] = Line{CourseID: c.CourseID, CertificationNumber: c.CertificationNumber}
		posting, errs := s.prepare(p, c, today)
		if len(errs) > 0 {
			b.Lines[i].Outcome, b.Lines[i].Errors = Rejected, errs
			continue
		}
		posting.BatchID, posting.At = b.BatchID, now
		valid[i] = posting
		numbers = append(numbers, c.CertificationNumber)
	}
	holders, err := s.lookup(ctx, numbers)
	if err != nil {
		return Batch{}, err
	}
	// Each activity is written once: a line repeating an earlier one of the
	// batch answers as that one did.
	var writes []partition.Posting
	var writeLine []int
	first := map[string]int{}
	for i, c := range up.Completions {
		if b.Lines[i].Outcome == Rejected {
			continue
		}
		id, ok := match(holders[b.Lines[i].CertificationNumber], c.FamilyName)
		if !ok {
			// The same answer for an unknown number and a wrong name (R-PROV-2).
			b.Lines[i].Outcome, b.Lines[i].Errors = Unmatched, []fielderr.Field{{Field: "certificationNumber", Rule: "R-PROV-2",
				Message: "certification number and family name do not match one certificant"}}
			continue
		}
		b.Lines[i].Outcome = Posted
		posting := valid[i]
		posting.CertificantID = id
		if _, seen := first[posting.ActivityID]; seen {
			b.Lines[i].AlreadyPosted = true
			continue
		}
		first[posting.ActivityID] = i
		writes, writeLine = append(writes, posting), append(writeLine, i)
	}
	if len(writes) > 0 {
		posted, err := s.transcripts.Post(ctx, writes)
		if err != nil {
			return Batch{}, err
		}
		for j, ok := range posted {
			b.Lines[writeLine[j]].AlreadyPosted = !ok
		}
	}
	for _, l := range b.Lines {
		switch l.Outcome {
		case Posted:
			b.Summary.Posted++
		case Unmatched:
			b.Summary.Unmatched++
		default:
			b.Summary.Rejected++
		}
	}
	if err := s.store.SaveBatch(ctx, b); err != nil {
		return Batch{}, fmt.Errorf("save batch: %w", err)
	}
	return b, nil
}

// prepare validates a line as a formal CE activity (R-ACT-1) of the
// provider and derives its activity id; the certificant comes later.
func (s *Service) prepare(p Provider, c Completion, today civil.Date) (partition.Posting, []fielderr.Field) {
	var errs []fielderr.Field
	add := func(field, rule, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
	}
	if !partition.ValidNumber(c.CertificationNumber) {
		add("certificationNumber", "R-PROV-2", "letters, digits and '-', at most 32")
	}
	if !plainText(strings.TrimSpace(c.FamilyName), maxName) {
		add("familyName", "R-PROV-2", fmt.Sprintf("required, at most %d characters", maxName))
	}
	if !courseIDPattern.MatchString(c.CourseID) {
		add("courseId", "R-PROV-2", "1 to 64 letters, digits and . _ : / -")
	}
	if t := strings.TrimSpace(c.Title); len(t) > maxTitle || strings.IndexFunc(t, unicode.IsControl) >= 0 {
		add("title", "R-PROV-2", fmt.Sprintf("at most %d characters, no control characters", maxTitle))
	}
	done, err := civil.Parse(c.CompletedOn)
	if err != nil {
		add("completedOn", "R-ACT", "required, YYYY-MM-DD")
	}
	accreditation := c.Accreditation
	if accreditation == "" {
		accreditation = p.Accreditation // the provider's own, as registered (R-PROV-1)
	}
	in := rules.ActivityInput{Type: rules.FormalCE, Title: c.Title, Provider: p.Name, CompletedOn: done, Areas: c.Areas,
		ContactHours: c.ContactHours, Accreditation: accreditation}
	act, verrs := in.Validate()
	for _, e := range verrs {
		if e.Field != "completedOn" || err == nil { // a bad date is named once
			errs = append(errs, e)
		}
	}
	if err == nil && done.After(today) {
		add("completedOn", "R-ACT-11", "must not be in the future")
	}
	if len(errs) > 0 {
		return partition.Posting{}, errs
	}
	id := ActivityID(p.ID, c.CourseID, c.CertificationNumber)
	act.ID = id
	return partition.Posting{ActivityID: id, ProviderID: p.ID, ProviderName: p.Name, CourseID: c.CourseID,
		Input: in, Activity: act}, nil
}

// ActivityID is the transcript id of a posting: the same provider, course
// id and certification number always give the same id, so a re-post finds
// the item it made (R-PROV-2). "P-" and lower-case hex never collide with
// a self-entered id (base32, upper case).
func ActivityID(providerID, courseID, number string) string {
	sum := sha256.Sum256([]byte(providerID + "\x00" + courseID + "\x00" + number))
	return "P-" + hex.EncodeToString(sum[:16])
}

// lookupWorkers bounds the index queries in flight for one batch.
const lookupWorkers = 8

// lookup finds the holders of each distinct number, one index Query each,
// a few at a time.
func (s *Service) lookup(ctx context.Context, numbers []string) (map[string][]partition.Holder, error) {
	distinct := map[string][]partition.Holder{}
	var todo []string
	for _, n := range numbers {
		if _, ok := distinct[n]; !ok {
			distinct[n] = nil
			todo = append(todo, n)
		}
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan string)
	for range min(lookupWorkers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				hs, err := s.holders.Holders(ctx, n)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				distinct[n] = hs
				mu.Unlock()
			}
		}()
	}
	for _, n := range todo {
		next <- n
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("match certification numbers: %w", firstErr)
	}
	return distinct, nil
}

// match is the one certificant among holders whose family name is family
// (case and spacing aside); false for none or several.
func match(holders []partition.Holder, family string) (string, bool) {
	want := normalName(family)
	id := ""
	for _, h := range holders {
		if normalName(h.Family) != want {
			continue
		}
		if id != "" && id != h.CertificantID {
			return "", false
		}
		id = h.CertificantID
	}
	return id, id != ""
}

func normalName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
