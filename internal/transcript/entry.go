// Package transcript is a certificant's CMP transcript: adding, listing and
// deleting activities (R-ACT), the progress of a certification's current
// cycle (R-REQ, R-ALLOC-3, R-CYC-3..7), and the partition Loader that both
// progress and declaration submission read through: one Query of pk=C#<id>
// returns profile, certifications, activities, claims, pending markers and
// declarations (Loader.Partition, Loader.Load for declarations.Loader).
package transcript

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/rules"
)

// Entry is a transcript entry as the API answers it: what the certificant
// sent, plus its id, the points its type earns before caps (R-ACT-10) and
// its status (R-ACT-9).
type Entry struct {
	ID string `json:"id"`
	rules.ActivityInput
	Points rules.Points `json:"points"`
	Status rules.Status `json:"status"`
	// ReviewReason is why staff rejected (or accepted) a covid claim (R-ACT-9).
	ReviewReason string `json:"reviewReason,omitempty"`
	CreatedAt    string `json:"createdAt"`
	// Source is SourceSelf or SourceProvider (R-PROV-3); a posted entry
	// names its provider and course, and, once disputed, why.
	Source        string `json:"source"`
	ProviderName  string `json:"providerName,omitempty"`
	CourseID      string `json:"courseId,omitempty"`
	DisputeReason string `json:"disputeReason,omitempty"`
}

// Sources of transcript entries.
const (
	SourceSelf     = "self"
	SourceProvider = "provider"
)

// Errors of the transcript use case; the HTTP layer maps them to statuses.
var (
	// ErrNotFound: no such certificant or activity (404).
	ErrNotFound = errors.New("transcript: not found")
	// ErrClaimed: a declaration claims the activity (409, R-ACT-11).
	ErrClaimed = errors.New("transcript: the activity is claimed by a declaration")
	// ErrCovidTaken: the certificant has a covid entry already, not rejected (409, R-ACT-9).
	ErrCovidTaken = errors.New("transcript: one covid entry per certificant")
	// ErrNotReviewable: not a covid entry waiting for review (409, R-ACT-9).
	ErrNotReviewable = errors.New("transcript: not a covid entry pending review")
	// ErrPosted: a provider posted the activity; it is disputed, never
	// deleted or edited (409, R-PROV-3).
	ErrPosted = errors.New("transcript: the activity was posted by its provider")
	// ErrNotPosted: only a provider-posted activity can be disputed (409).
	ErrNotPosted = errors.New("transcript: the activity was not posted by a provider")
	// ErrDisputed: the activity is disputed already (409).
	ErrDisputed = errors.New("transcript: the activity is disputed already")
	// ErrBusy: the transcript kept changing under the change (409, retry).
	ErrBusy = errors.New("transcript: changed by others meanwhile")
)

// ItemType is the type attribute of activity items.
const ItemType = "activity"

// activityItem is a stored entry (sk=ACT#<id>): the facts the rules need as
// attributes, and the entry as sent (Doc) for the API.
type activityItem struct {
	dynamo.Key
	Type          string   `dynamodbav:"type"`
	ID            string   `dynamodbav:"id"`
	CertificantID string   `dynamodbav:"certificantId"`
	ActivityType  string   `dynamodbav:"activityType"`
	Title         string   `dynamodbav:"title"`
	CompletedOn   string   `dynamodbav:"completedOn"`
	Areas         []string `dynamodbav:"areas"`
	Earned        string   `dynamodbav:"earned,omitempty"`
	Points        int64    `dynamodbav:"points"`
	Status        string   `dynamodbav:"status"`
	ReviewReason  string   `dynamodbav:"reviewReason,omitempty"`
	CreatedAt     string   `dynamodbav:"createdAt"`
	Doc           string   `dynamodbav:"doc"`
	// Provider postings only (R-PROV): absent on self-entered items.
	Source        string `dynamodbav:"source,omitempty"`
	ProviderID    string `dynamodbav:"providerId,omitempty"`
	ProviderName  string `dynamodbav:"providerName,omitempty"`
	CourseID      string `dynamodbav:"courseId,omitempty"`
	BatchID       string `dynamodbav:"batchId,omitempty"`
	DisputeReason string `dynamodbav:"disputeReason,omitempty"`
	DisputedAt    string `dynamodbav:"disputedAt,omitempty"`
}

func newItem(certificantID string, e Entry, act rules.Activity) (activityItem, error) {
	doc, err := json.Marshal(e.ActivityInput)
	if err != nil {
		return activityItem{}, fmt.Errorf("encode activity %s: %w", e.ID, err)
	}
	areas := make([]string, len(act.Areas))
	for i, a := range act.Areas {
		areas[i] = string(a)
	}
	it := activityItem{
		Key: dynamo.ActivityKey(certificantID, e.ID), Type: ItemType, ID: e.ID, CertificantID: certificantID,
		ActivityType: string(act.Type), Title: act.Title, CompletedOn: act.CompletedOn.String(), Areas: areas,
		Points: int64(e.Points), Status: string(e.Status), CreatedAt: e.CreatedAt, Doc: string(doc),
	}
	if act.Type == rules.AdvancedCertification {
		it.Earned = act.Earned.Key()
	}
	return it, nil
}

// entry is the API form of a stored item.
func (it activityItem) entry() (Entry, error) {
	e := Entry{ID: it.ID, Points: rules.Points(it.Points), Status: rules.Status(it.Status), ReviewReason: it.ReviewReason, CreatedAt: it.CreatedAt,
		Source: SourceSelf, CourseID: it.CourseID, DisputeReason: it.DisputeReason}
	if it.Source == SourceProvider {
		e.Source, e.ProviderName = SourceProvider, it.ProviderName
	}
	if err := json.Unmarshal([]byte(it.Doc), &e.ActivityInput); err != nil {
		return Entry{}, fmt.Errorf("decode activity %s: %w", it.ID, err)
	}
	return e, nil
}

// activity is what the rules need of a stored item.
func (it activityItem) activity() (rules.Activity, error) {
	done, err := civil.Parse(it.CompletedOn)
	if err != nil {
		return rules.Activity{}, fmt.Errorf("activity %s: completedOn: %w", it.ID, err)
	}
	a := rules.Activity{ID: it.ID, Type: rules.ActivityType(it.ActivityType), Title: it.Title, CompletedOn: done,
		Points: rules.Points(it.Points), Status: rules.Status(it.Status), Areas: make([]rules.Area, len(it.Areas)),
		Reported: it.Source == SourceProvider}
	for i, s := range it.Areas {
		a.Areas[i] = rules.Area(s)
	}
	if it.Earned != "" {
		if a.Earned, err = rules.ParseKey(it.Earned); err != nil {
			return rules.Activity{}, fmt.Errorf("activity %s: earned certification: %w", it.ID, err)
		}
	}
	return a, nil
}
