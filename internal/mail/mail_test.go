package mail

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

func welcomeData(given string) map[string]string {
	return map[string]string{"given": given, "family": "Doe", "certificantId": "c-1"}
}

func TestRenderWelcome(t *testing.T) {
	r, err := NewRenderer(map[string]string{"baseUrl": "https://cmp.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, given            string
		subjectHas, subjectNot string
		htmlHas, htmlNot       string
	}{
		{"plain", "Jane", "Welcome to the Credential Maintenance Program, Jane", "\n", "Dear Jane Doe", ""},
		{"header injection", "Jane\r\nBcc: x@evil.example", "Jane  Bcc: x@evil.example", "\r", "", ""},
		{"html in a name", "<b>Jo</b>", "<b>Jo</b>", "\n", "&lt;b&gt;Jo&lt;/b&gt;", "<b>Jo</b>"},
	}
	for _, tc := range tests {
		m, err := r.Render("welcome", welcomeData(tc.given))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.Contains(m.Subject, tc.subjectHas) || strings.Contains(m.Subject, tc.subjectNot) {
			t.Errorf("%s: subject %q", tc.name, m.Subject)
		}
		if !strings.Contains(m.HTML, tc.htmlHas) || (tc.htmlNot != "" && strings.Contains(m.HTML, tc.htmlNot)) {
			t.Errorf("%s: html %q", tc.name, m.HTML)
		}
		if !strings.Contains(m.Text, "c-1") || !strings.Contains(m.HTML, `href="https://cmp.example.org"`) {
			t.Errorf("%s: id or link missing: %q / %q", tc.name, m.Text, m.HTML)
		}
	}
}

func TestRenderRefusesGaps(t *testing.T) {
	r, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Render("welcome", welcomeData("Jane")); err == nil {
		t.Error("missing baseUrl rendered")
	}
	if _, err := r.Render("nope", nil); err == nil {
		t.Error("unknown template rendered")
	}
}

type fakeSES struct {
	in  *sesv2.SendEmailInput
	err error
}

func (f *fakeSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.in = in
	if f.err != nil {
		return nil, f.err
	}
	return &sesv2.SendEmailOutput{MessageId: aws.String("m-1")}, nil
}

func TestSendErrorHidesRecipient(t *testing.T) {
	f := &fakeSES{err: errors.New("MessageRejected: Email address is not verified: jane@example.org")}
	_, err := NewSender(f, "no-reply@example.org").Send(context.Background(), "jane@example.org", Message{})
	if err == nil || strings.Contains(err.Error(), "jane@") || !strings.Contains(err.Error(), "MessageRejected") {
		t.Errorf("error %v", err)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		to      string
		wantErr error
	}{
		{"jane@example.org", nil},
		{"jane@example.org\r\nBcc: x@evil.example", ErrBadRecipient},
		{"Jane <jane@example.org>", ErrBadRecipient},
		{"not an address", ErrBadRecipient},
	}
	for _, tc := range tests {
		f := &fakeSES{}
		id, err := NewSender(f, "no-reply@example.org").Send(context.Background(), tc.to, Message{Subject: "a\nb", Text: "t", HTML: "h"})
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%q: err %v, want %v", tc.to, err, tc.wantErr)
			continue
		}
		if tc.wantErr != nil {
			if f.in != nil {
				t.Errorf("%q: sent anyway", tc.to)
			}
			continue
		}
		if id != "m-1" || aws.ToString(f.in.Content.Simple.Subject.Data) != "a b" || f.in.Destination.ToAddresses[0] != tc.to {
			t.Errorf("%q: id %q input %+v", tc.to, id, f.in.Content.Simple.Subject)
		}
	}
}

// NewRenderer refuses a half-written template at start-up, not when its
// email falls due.
func TestIncompleteTemplatesRefused(t *testing.T) {
	txt := &fstest.MapFile{Data: []byte(`{{define "subject"}}S{{end}}{{define "text"}}T{{end}}`)}
	html := &fstest.MapFile{Data: []byte(`{{define "html"}}H{{end}}`)}
	tests := []struct {
		name string
		fsys fstest.MapFS
		ok   bool
	}{
		{"complete", fstest.MapFS{"a.txt": txt, "a.html": html}, true},
		{"no html", fstest.MapFS{"a.txt": txt}, false},
		{"no text", fstest.MapFS{"a.html": html}, false},
		{"no subject", fstest.MapFS{"a.txt": {Data: []byte(`{{define "text"}}T{{end}}`)}, "a.html": html}, false},
		{"syntax error", fstest.MapFS{"a.txt": {Data: []byte(`{{define "subject"}}`)}, "a.html": html}, false},
	}
	for _, tc := range tests {
		if _, err := newRenderer(tc.fsys, nil); (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
	if _, err := NewRenderer(nil); err != nil {
		t.Errorf("embedded templates: %v", err)
	}
}
