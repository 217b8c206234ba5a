package credential

import (
	"fmt"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/rules"
	"github.com/boc/cmp/internal/statuslist"
)

// IssuerName is the board as the credentials' issuer profile names it.
const IssuerName = "Board of Certification"

// Badge is what one certification cycle's credential states (R-CRED-1).
type Badge struct {
	ID            string // urn:uuid of this credential
	CertificantID string
	Name          string // the certificant's name as the board holds it
	Certification rules.Certification
	Number        string
	Credential    string // credential text, e.g. MLS(ASCPi)CM
	Cycle         calendar.Period
	// From is validFrom's day: the cycle start, or the day of issue while
	// a renewal approved early is current before its cycle starts (R-CYC-2).
	From         civil.Date
	Requirements rules.Requirements // the requirement table's row for the cycle
	Status       statuslist.Entry
}

// Issuer is what every credential says about who issued it.
type Issuer struct {
	DID     string // did:web of the API's host
	BaseURL string // PUBLIC_BASE_URL: the status lists' and achievements' home
}

// StatusListURL is the URL of a status list credential (GET /v1/status-lists/{listId}).
func (is Issuer) StatusListURL(listID string) string {
	return strings.TrimRight(is.BaseURL, "/") + "/v1/status-lists/" + listID
}

// Credential is the unsigned Open Badges 3.0 credential (W3C VC 2.0) of b:
// valid from the first instant of b.From to the last of the cycle's end
// day, both in the board's zone; one BitstringStatusListEntry per
// purpose, at the index of the cycle's entry.
func (is Issuer) Credential(b Badge) map[string]any {
	entries := make([]any, len(statuslist.Purposes))
	for i, p := range statuslist.Purposes {
		list := is.StatusListURL(statuslist.ListID(p, b.Status.List))
		entries[i] = map[string]any{
			"id":                   fmt.Sprintf("%s#%d", list, b.Status.Index),
			"type":                 "BitstringStatusListEntry",
			"statusPurpose":        string(p),
			"statusListIndex":      fmt.Sprint(b.Status.Index),
			"statusListCredential": list,
		}
	}
	key := b.Certification.Key()
	return map[string]any{
		"@context":   []any{ContextVC2, ContextOB30},
		"id":         b.ID,
		"type":       []any{"VerifiableCredential", "OpenBadgeCredential"},
		"name":       b.Credential + " certification",
		"issuer":     is.profile(),
		"validFrom":  startOfDay(b.From).Format(time.RFC3339),
		"validUntil": startOfDay(b.Cycle.End.AddDays(1)).Add(-time.Second).Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"type": []any{"AchievementSubject"},
			"name": b.Name,
			"identifier": []any{map[string]any{
				"type": "IdentityObject", "identityType": "identifier", "hashed": false, "identityHash": b.Number,
			}},
			"achievement": map[string]any{
				"id":              strings.TrimRight(is.BaseURL, "/") + "/v1/achievements/" + key,
				"type":            []any{"Achievement"},
				"achievementType": "Certification",
				"name":            fmt.Sprintf("%s(%s) certification maintained through CMP", b.Certification.Category, b.Certification.Program),
				"description":     fmt.Sprintf("Holds the %s(%s) certification of the %s (program %s, category %s), current through %s under its Credential Maintenance Program.", b.Certification.Category, b.Certification.Program, IssuerName, b.Certification.Program, b.Certification.Category, b.Cycle.End),
				"humanCode":       b.Credential,
				"criteria":        map[string]any{"narrative": Criteria(b.Requirements)},
			},
		},
		"credentialStatus": entries,
	}
}

// StatusListCredential is the unsigned BitstringStatusListCredential of
// list id with the given encodedList (R-CRED-3).
func (is Issuer) StatusListCredential(listID string, purpose statuslist.Purpose, encoded string, at time.Time) map[string]any {
	url := is.StatusListURL(listID)
	return map[string]any{
		"@context": []any{ContextVC2},
		"id":       url,
		"type":     []any{"VerifiableCredential", "BitstringStatusListCredential"},
		// The DID alone: the VC 2.0 context has no Profile type, and the
		// verifiers only compare the issuer id with the credential's.
		"issuer":    is.DID,
		"validFrom": at.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"id":            url + "#list",
			"type":          "BitstringStatusList",
			"statusPurpose": string(purpose),
			"encodedList":   encoded,
		},
	}
}

func (is Issuer) profile() map[string]any {
	return map[string]any{"id": is.DID, "type": []any{"Profile"}, "name": IssuerName}
}

// Criteria states the requirement table's row in words (R-REQ).
func Criteria(r rules.Requirements) string {
	mins := make([]string, len(r.Minimums))
	for i, m := range r.Minimums {
		mins[i] = fmt.Sprintf("%s in %s", m.Points, strings.ReplaceAll(string(m.Area), "_", " "))
	}
	text := fmt.Sprintf("Passed the board's certification examination, then earned at least %s CMP points of continuing education in each 3-year cycle", r.Total)
	if len(mins) > 0 {
		text += ", including at least " + strings.Join(mins, ", ")
	}
	return text + ", declared to and approved by the board."
}

// startOfDay is midnight of d in the board's zone, in UTC.
func startOfDay(d civil.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, calendar.Zone).UTC()
}
