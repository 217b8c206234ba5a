package partition

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/rules"
)

// State is a declaration's place in its lifecycle (R-DEC).
type State string

// The R-DEC states.
const (
	Submitted   State = "submitted"
	Processing  State = "processing"
	Approved    State = "approved"
	Deficient   State = "deficient"
	UnderAudit  State = "under_audit"
	AuditFailed State = "audit_failed"
	Appealed    State = "appealed"
	Rejected    State = "rejected"
	Deleted     State = "deleted"
	// AwaitingPayment: created with a fee not yet paid; its claims and
	// pending marker are held (R-PAY-1). Cancelled: unpaid after 24 hours
	// (R-PAY-4).
	AwaitingPayment State = "awaiting_payment"
	Cancelled       State = "cancelled"
)

// Transition is one recorded state change: who, when and why (R-DEC-5).
type Transition struct {
	State  State     `json:"state"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// Declaration is a submitted CMP declaration. It keeps the quote it was
// charged (R-FEE-7) and the allocation it was judged by, so later rule or fee
// changes never alter it.
type Declaration struct {
	ID              string             `json:"id"`
	CertificantID   string             `json:"certificantId"`
	Certification   string             `json:"certification"`
	Status          State              `json:"status"`
	SubmittedAt     time.Time          `json:"submittedAt"`
	ProcessingDueOn civil.Date         `json:"processingDueOn"`
	Expiration      *civil.Date        `json:"expiration,omitempty"` // cycle end at submission; nil for voluntary (R-CYC-5)
	Reinstatement   bool               `json:"reinstatement"`
	CEWindow        calendar.Period    `json:"ceWindow"`
	Fee             fees.Quote         `json:"fee"`
	Allocations     []rules.Allocation `json:"allocations"`
	Warnings        []calendar.Warning `json:"warnings"`
	History         []Transition       `json:"history"`
	Version         int                `json:"version"`
	// DeadlineOn is the last day to resolve a deficiency or to upload audit
	// documentation (R-DEC-2, R-DEC-3); nil in other states.
	DeadlineOn *civil.Date `json:"deadlineOn,omitempty"`
	// Documents are the audit documentation uploaded (R-DEC-3).
	Documents []Document `json:"documents,omitempty"`
	// Reported lists the claimed activities a CE provider posted: an audit
	// asks no documentation for them (R-PROV-3).
	Reported []string `json:"providerReported,omitempty"`
	// Renewal is the cycle an approval granted (R-CYC-2, R-CYC-5).
	Renewal *calendar.Period `json:"renewal,omitempty"`
	// AuditSelected is decided from the id and recorded at submission, so no
	// later share change or retry alters it (R-DEC-3). Kept off the JSON
	// the certificant reads; stored as its own attribute (Item).
	AuditSelected bool `json:"-"`
}

// Earlier lists the fee-paying declarations among decls, for the R-FEE-2
// same-business-day reduction (fees.Quote keeps those of the right day).
// A deleted declaration kept its fee (R-DEC-2), so it counts too; a voluntary
// one has no expiration to be "within 3 months" of, so it does not.
func Earlier(decls []Declaration) []fees.EarlierDeclaration {
	out := make([]fees.EarlierDeclaration, 0, len(decls))
	for _, d := range decls {
		// A cancelled declaration was never paid (R-PAY-4).
		if d.Fee.TotalCents == 0 || d.Expiration == nil || d.Status == Cancelled {
			continue
		}
		out = append(out, fees.EarlierDeclaration{SubmittedAt: d.SubmittedAt, Expiration: *d.Expiration})
	}
	return out
}

// Claims are the activities d holds for its certification (R-ACT-11): those
// of its allocation while it waits or once approved; closing it otherwise
// (rejected, deleted) releases them.
func (d Declaration) Claims() []string {
	if d.Status.Final() && d.Status != Approved {
		return nil
	}
	return d.Allocated()
}

// Allocated lists each activity of d's allocation once, in allocation order.
func (d Declaration) Allocated() []string {
	seen := map[string]bool{}
	var ids []string
	for _, a := range d.Allocations {
		if !seen[a.ActivityID] {
			seen[a.ActivityID] = true
			ids = append(ids, a.ActivityID)
		}
	}
	return ids
}

// Final reports whether no decision applies to s any more: it leaves the
// staff queue and releases its pending marker.
func (s State) Final() bool { return s == Approved || s == Rejected || s == Deleted || s == Cancelled }

// DocumentKind is a kind of audit documentation (booklet, "Required documentation");
// internal/declarations lists the kinds.
type DocumentKind string

// Document is the metadata of one uploaded audit document.
type Document struct {
	ActivityID string       `json:"activityId"`
	Kind       DocumentKind `json:"kind"`
	FileName   string       `json:"fileName"`
	Language   string       `json:"language"`
	Translated bool         `json:"translated"`
	UploadedAt time.Time    `json:"uploadedAt,omitempty"`
}

// DeclarationItemType is the type attribute of declaration items.
const DeclarationItemType = "declaration"

// DeclarationItem is a declaration as stored in its certificant's partition
// (sk=DECL#<id>). The attributes that keys, indexes and conditions use are
// top-level; the whole declaration is Doc, its JSON, so every reader (the
// partition Reader included) decodes one shape with Declaration.
type DeclarationItem struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	ID            string `dynamodbav:"id"`
	CertificantID string `dynamodbav:"certificantId"`
	Certification string `dynamodbav:"certification"`
	Status        string `dynamodbav:"status"`
	SubmittedAt   string `dynamodbav:"submittedAt"`
	Version       int    `dynamodbav:"version"`
	// Staff queue (ByQueue): declarations waiting, by processing due date.
	QueuePK string `dynamodbav:"queuePk,omitempty"`
	QueueSK string `dynamodbav:"queueSk,omitempty"`
	Doc     string `dynamodbav:"doc"`
	// AuditSelected is Declaration.AuditSelected (R-DEC-3), outside Doc.
	AuditSelected bool `dynamodbav:"auditSelected,omitempty"`
}

// NewDeclarationItem is the stored form of d.
func NewDeclarationItem(d Declaration) (DeclarationItem, error) {
	doc, err := json.Marshal(d)
	if err != nil {
		return DeclarationItem{}, fmt.Errorf("encode declaration %s: %w", d.ID, err)
	}
	return DeclarationItem{
		Key:  dynamo.DeclarationKey(d.CertificantID, d.ID),
		Type: DeclarationItemType, ID: d.ID, CertificantID: d.CertificantID, Certification: d.Certification,
		Status: string(d.Status), SubmittedAt: d.SubmittedAt.UTC().Format(time.RFC3339Nano), Version: d.Version,
		QueuePK: dynamo.QueuePK(string(d.Status)), QueueSK: d.ProcessingDueOn.String() + "#" + d.ID,
		Doc: string(doc), AuditSelected: d.AuditSelected,
	}, nil
}

// Declaration decodes the stored declaration.
func (it DeclarationItem) Declaration() (Declaration, error) {
	var d Declaration
	if err := json.Unmarshal([]byte(it.Doc), &d); err != nil {
		return Declaration{}, fmt.Errorf("decode declaration %s: %w", it.ID, err)
	}
	d.AuditSelected = it.AuditSelected
	return d, nil
}
