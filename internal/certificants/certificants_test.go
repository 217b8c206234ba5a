package certificants

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/mail/mailtest"
)

type memStore map[string]Profile

func (m memStore) Create(_ context.Context, p Profile) error {
	if _, ok := m[p.ID]; ok {
		return ErrDuplicate
	}
	m[p.ID] = p
	return nil
}

func (m memStore) Get(_ context.Context, id string) (Profile, bool, error) {
	p, ok := m[id]
	return p, ok, nil
}

func (m memStore) Register(_ context.Context, id string, c Certification) error {
	p, ok := m[id]
	if !ok {
		return ErrNotFound
	}
	if m.holds(id, c.Key) {
		return ErrRegistered
	}
	p.Certifications = append(p.Certifications, c)
	m[id] = p
	return nil
}

func (m memStore) holds(id, key string) bool {
	for _, c := range m[id].Certifications {
		if c.Key == key {
			return true
		}
	}
	return false
}

func call(rt *httpapi.Router, routeKey, id, sub, groups, body string) httpapi.Response {
	ev := events.APIGatewayV2HTTPRequest{RouteKey: routeKey, Body: body, PathParameters: map[string]string{"id": id}, Headers: map[string]string{"content-type": "application/json"}}
	if sub != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": sub, "cognito:groups": groups}},
		}
	}
	return rt.Serve(context.Background(), ev)
}

const validBody = `{"id":"c-1","name":{"given":"Maria","family":"Santos"},"email":"maria@example.org","country":"ph"}`

func TestCreateAndGet(t *testing.T) {
	store := memStore{}
	now := func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }
	rt := NewRouter(NewService(store, now), httpapi.NewLogger(&bytes.Buffer{}))

	tests := []struct {
		name                  string
		route, id, sub, group string
		body                  string
		status                int
		wantInBody            string
	}{
		{"staff creates", RouteCreate, "", "s1", "[staff]", validBody, 201, `"country":"PH"`},
		{"duplicate id", RouteCreate, "", "s1", "[staff]", validBody, 409, ""},
		{"certificant may not create", RouteCreate, "", "c-9", "", validBody, 403, ""},
		{"no token", RouteCreate, "", "", "", validBody, 401, ""},
		{"unknown field", RouteCreate, "", "s1", "[staff]", `{"nmae":{}}`, 400, `"field":"nmae"`},
		{"missing fields named", RouteCreate, "", "s1", "[staff]", `{"name":{"given":"A"}}`, 422, `"field":"name.family"`},
		{"bad email", RouteCreate, "", "s1", "[staff]", strings.Replace(validBody, "maria@example.org", "maria@", 1), 422, `"field":"email"`},
		{"self reads", RouteGet, "c-1", "c-1", "", "", 200, `"certifications":[]`},
		{"staff reads", RouteGet, "c-1", "s1", "[staff]", "", 200, `"email":"maria@example.org"`},
		{"other certificant gets 404", RouteGet, "c-1", "c-2", "", "", 404, ""},
		{"staff, unknown id", RouteGet, "c-404", "s1", "[staff]", "", 404, ""},
	}
	for _, tc := range tests {
		resp := call(rt, tc.route, tc.id, tc.sub, tc.group, tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.wantInBody) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, resp.StatusCode, resp.Body, tc.status, tc.wantInBody)
		}
	}
	if p := store["c-1"]; p.CreatedAt != "2025-03-04T05:06:07Z" || p.Name.Given != "Maria" {
		t.Errorf("stored %+v", p)
	}
}

func TestCreateGeneratesID(t *testing.T) {
	store := memStore{}
	rt := NewRouter(NewService(store, time.Now), httpapi.NewLogger(&bytes.Buffer{}))
	resp := call(rt, RouteCreate, "", "s1", "[staff]", strings.Replace(validBody, `"id":"c-1",`, "", 1))
	var p Profile
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if !idPattern.MatchString(p.ID) || resp.Headers["Location"] != "/v1/certificants/"+p.ID {
		t.Errorf("generated id %q, location %q", p.ID, resp.Headers["Location"])
	}
}

func TestValidate(t *testing.T) {
	ok := NewCertificant{ID: "c-1", Name: Name{"Maria", "Santos"}, Email: "maria@example.org", Country: "PH"}
	tests := []struct {
		name   string
		change func(*NewCertificant)
		fields string
	}{
		{"valid", func(*NewCertificant) {}, ""},
		{"no id is fine", func(c *NewCertificant) { c.ID = "" }, ""},
		{"id with slash", func(c *NewCertificant) { c.ID = "a/b" }, "id"},
		{"id too long", func(c *NewCertificant) { c.ID = strings.Repeat("a", 65) }, "id"},
		{"empty names", func(c *NewCertificant) { c.Name = Name{} }, "name.family,name.given"},
		{"control character", func(c *NewCertificant) { c.Name.Given = "Ma\nria" }, "name.given"},
		{"long name", func(c *NewCertificant) { c.Name.Family = strings.Repeat("é", 101) }, "name.family"},
		{"display-name email", func(c *NewCertificant) { c.Email = "M <m@example.org>" }, "email"},
		{"email with CRLF", func(c *NewCertificant) { c.Email = "m@example.org\r\nBcc: x@y.z" }, "email"},
		{"country name", func(c *NewCertificant) { c.Country = "Philippines" }, "country"},
		{"everything", func(c *NewCertificant) { *c = NewCertificant{} }, "country,email,name.family,name.given"},
	}
	for _, tc := range tests {
		in := ok
		tc.change(&in)
		err := validate(normalize(in))
		var got []string
		if ve, isVE := err.(*fielderr.Invalid); isVE {
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if strings.Join(got, ",") != tc.fields {
			t.Errorf("%s: fields %v, want %s", tc.name, got, tc.fields)
		}
	}
}

// The welcome email renders from the data Create owes, without debris.
func TestWelcomeMailRenders(t *testing.T) {
	m := mailtest.Render(t, WelcomeTemplate, welcomeMail(Profile{ID: "c-7", Name: Name{Given: "Ana", Family: "Reyes"}}))
	if !strings.Contains(m.Text, "Ana") || !strings.Contains(m.Text, "c-7") {
		t.Errorf("welcome %q", m.Text)
	}
}
