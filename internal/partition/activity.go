package partition

import (
	"encoding/json"
	"fmt"
	"time"

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

// ActivityItemType is the type attribute of activity items.
const ActivityItemType = "activity"

// ActivityItem is a stored entry (sk=ACT#<id>): the facts the rules need as
// attributes, and the entry as sent (Doc) for the API.
type ActivityItem struct {
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

// NewActivityItem is the stored form of entry e, whose rules view is act.
func NewActivityItem(certificantID string, e Entry, act rules.Activity) (ActivityItem, error) {
	doc, err := json.Marshal(e.ActivityInput)
	if err != nil {
		return ActivityItem{}, fmt.Errorf("encode activity %s: %w", e.ID, err)
	}
	areas := make([]string, len(act.Areas))
	for i, a := range act.Areas {
		areas[i] = string(a)
	}
	it := ActivityItem{
		Key: dynamo.ActivityKey(certificantID, e.ID), Type: ActivityItemType, ID: e.ID, CertificantID: certificantID,
		ActivityType: string(act.Type), Title: act.Title, CompletedOn: act.CompletedOn.String(), Areas: areas,
		Points: int64(e.Points), Status: string(e.Status), CreatedAt: e.CreatedAt, Doc: string(doc),
	}
	if act.Type == rules.AdvancedCertification {
		it.Earned = act.Earned.Key()
	}
	return it, nil
}

// Entry is the API form of a stored item.
func (it ActivityItem) Entry() (Entry, error) {
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

// Activity is what the rules need of a stored item.
func (it ActivityItem) Activity() (rules.Activity, error) {
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

// Posting is a completion a CE provider reported, matched to its
// certificant and validated, ready to enter the transcript (R-PROV-2).
// ActivityID is derived from provider, course id and certification number,
// so posting it again finds the same item.
type Posting struct {
	CertificantID string
	ActivityID    string
	ProviderID    string
	ProviderName  string
	CourseID      string
	BatchID       string
	Input         rules.ActivityInput
	Activity      rules.Activity
	At            time.Time
}

// Item is the stored form of the posting: an activity item naming its
// provider, course and batch.
func (p Posting) Item() (ActivityItem, error) {
	e := Entry{ID: p.ActivityID, ActivityInput: p.Input, Points: p.Activity.Points, Status: p.Activity.Status,
		CreatedAt: p.At.UTC().Format(time.RFC3339)}
	it, err := NewActivityItem(p.CertificantID, e, p.Activity)
	if err != nil {
		return ActivityItem{}, err
	}
	it.Source, it.ProviderID, it.ProviderName, it.CourseID, it.BatchID = SourceProvider, p.ProviderID, p.ProviderName, p.CourseID, p.BatchID
	return it, nil
}
