package certificants

import (
	"context"
	"strings"
	"testing"

	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/mail/mailtest"
	"github.com/boc/cmp/internal/partition"
)

type memStore map[string]partition.Profile

func (m memStore) Create(_ context.Context, p partition.Profile) error {
	if _, ok := m[p.ID]; ok {
		return ErrDuplicate
	}
	m[p.ID] = p
	return nil
}

func (m memStore) Get(_ context.Context, id string) (partition.Profile, bool, error) {
	p, ok := m[id]
	return p, ok, nil
}

func (m memStore) Register(_ context.Context, id string, c partition.Certification) error {
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

func TestValidate(t *testing.T) {
	ok := NewCertificant{ID: "c-1", Name: partition.Name{Given: "Maria", Family: "Santos"}, Email: "maria@example.org", Country: "PH"}
	tests := []struct {
		name   string
		change func(*NewCertificant)
		fields string
	}{
		{"valid", func(*NewCertificant) {}, ""},
		{"no id is fine", func(c *NewCertificant) { c.ID = "" }, ""},
		{"id with slash", func(c *NewCertificant) { c.ID = "a/b" }, "id"},
		{"id too long", func(c *NewCertificant) { c.ID = strings.Repeat("a", 65) }, "id"},
		{"empty names", func(c *NewCertificant) { c.Name = partition.Name{} }, "name.family,name.given"},
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
	m := mailtest.Render(t, WelcomeTemplate, welcomeMail(partition.Profile{ID: "c-7", Name: partition.Name{Given: "Ana", Family: "Reyes"}}))
	if !strings.Contains(m.Text, "Ana") || !strings.Contains(m.Text, "c-7") {
		t.Errorf("welcome %q", m.Text)
	}
}
