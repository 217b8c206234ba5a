package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/dynamo"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Rule    string `json:"rule"`
		Message string `json:"message"`
	} `json:"errors"`
}

func newCertificant(id, email string) map[string]any {
	return map[string]any{"id": id, "name": map[string]string{"given": "Maria", "family": "Santos"}, "email": email, "country": "PH"}
}

// The first slice through the whole local stack: API Gateway JWT claims,
// the certificants function, DynamoDB Local, the outbox stream and SES local.
func TestCertificantsSlice(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	self := s.Token("c-e2e-1")
	other := s.Token("c-e2e-2")
	const email = "maria.e2e@example.org"

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		field                     string // problem must name it
	}{
		{"staff creates", "POST", "/v1/certificants", staff, newCertificant("c-e2e-1", email), 201, ""},
		{"duplicate id", "POST", "/v1/certificants", staff, newCertificant("c-e2e-1", email), 409, ""},
		{"certificant may not create", "POST", "/v1/certificants", self, newCertificant("c-e2e-3", "x@example.org"), 403, ""},
		{"no token", "POST", "/v1/certificants", "", newCertificant("c-e2e-4", "x@example.org"), 401, ""},
		{"unknown field", "POST", "/v1/certificants", staff, `{"id":"c-e2e-5","nmae":{}}`, 400, "nmae"},
		{"missing email", "POST", "/v1/certificants", staff, map[string]any{"name": map[string]string{"given": "A", "family": "B"}, "country": "PH"}, 422, "email"},
		{"self reads", "GET", "/v1/certificants/c-e2e-1", self, nil, 200, ""},
		{"staff reads", "GET", "/v1/certificants/c-e2e-1", staff, nil, 200, ""},
		{"other certificant: 404, not 403", "GET", "/v1/certificants/c-e2e-1", other, nil, 404, ""},
		{"no token reads", "GET", "/v1/certificants/c-e2e-1", "", nil, 401, ""},
		{"unknown id", "GET", "/v1/certificants/c-none", staff, nil, 404, ""},
	}
	for _, tc := range tests {
		r := s.Do(t, tc.method, tc.path, tc.token, tc.body)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		if tc.status >= 400 {
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s: content type %q", tc.name, ct)
			}
			var p problem
			r.JSON(t, &p)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("%s: problem %s does not name %s", tc.name, r.Body, tc.field)
			}
		}
	}

	var profile struct {
		ID             string            `json:"id"`
		Name           map[string]string `json:"name"`
		Email          string            `json:"email"`
		Country        string            `json:"country"`
		CreatedAt      string            `json:"createdAt"`
		Certifications []any             `json:"certifications"`
	}
	s.Do(t, "GET", "/v1/certificants/c-e2e-1", self, nil).JSON(t, &profile)
	if profile.ID != "c-e2e-1" || profile.Email != email || profile.Certifications == nil {
		t.Errorf("profile %+v", profile)
	}

	// The welcome email was owed in the create transaction; the stream-fed
	// sender delivers it once.
	deadline := time.Now().Add(15 * time.Second)
	var sesID string
	for {
		var welcomes int
		for _, m := range s.Mail(t) {
			if strings.Contains(strings.Join(m.Destination.To, ","), email) && strings.HasPrefix(m.Subject, "Welcome to the Credential Maintenance Program") {
				welcomes++
				sesID = m.MessageID
			}
		}
		if welcomes == 1 {
			break
		}
		if welcomes > 1 || time.Now().After(deadline) {
			t.Fatalf("%d welcome emails to the new certificant, want 1: %+v", welcomes, s.Mail(t))
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The sender recorded the send on the outbox item (what makes a
	// redelivery send nothing), shortly after SES answered.
	for {
		var item dynamo.OutboxItem
		found, err := dynamo.New(s.DynamoDB(), s.TableName).Get(context.Background(), dynamo.OutboxKey("welcome:c-e2e-1"), &item)
		if err != nil || !found {
			t.Fatalf("outbox item found %v: %v", found, err)
		}
		if item.SentAt != "" {
			if item.MessageID != sesID || item.Attempts != 1 {
				t.Errorf("outbox item %+v, want messageId %s after 1 attempt", item, sesID)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox item never marked sent: %+v", item)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
