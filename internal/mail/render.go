// Package mail renders the emails the service owes and sends them through
// SES v2. Templates are embedded: each name has <name>.txt defining
// "subject" and "text", and <name>.html defining "html".
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"strings"
	texttemplate "text/template"
)

//go:embed templates
var templateFS embed.FS

// Message is a rendered email.
type Message struct {
	Subject string
	Text    string
	HTML    string
}

// Renderer renders embedded templates with the caller's data plus globals
// (e.g. baseUrl). Missing data is an error, never an empty gap.
type Renderer struct {
	text    map[string]*texttemplate.Template
	html    map[string]*htmltemplate.Template
	globals map[string]string
}

// NewRenderer parses the embedded templates once. Each name is its own
// template set, since every file defines the same block names.
func NewRenderer(globals map[string]string) (*Renderer, error) {
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return newRenderer(sub, globals)
}

func newRenderer(fsys fs.FS, globals map[string]string) (*Renderer, error) {
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}, globals: globals}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("mail: read templates: %w", err)
	}
	for _, e := range entries {
		file := e.Name()
		switch name, ext, _ := strings.Cut(e.Name(), "."); ext {
		case "txt":
			if r.text[name], err = texttemplate.New(name).Option("missingkey=error").ParseFS(fsys, file); err != nil {
				return nil, fmt.Errorf("mail: parse %s: %w", file, err)
			}
		case "html":
			// html/template escapes user text (names) in the HTML part.
			if r.html[name], err = htmltemplate.New(name).Option("missingkey=error").ParseFS(fsys, file); err != nil {
				return nil, fmt.Errorf("mail: parse %s: %w", file, err)
			}
		}
	}
	// A half-written template would fail only when its email is due; fail at start-up instead.
	for name, t := range r.text {
		if t.Lookup("subject") == nil || t.Lookup("text") == nil || r.html[name] == nil || r.html[name].Lookup("html") == nil {
			return nil, fmt.Errorf("mail: template %q needs %s.txt defining subject and text, and %s.html defining html", name, name, name)
		}
	}
	for name := range r.html {
		if r.text[name] == nil {
			return nil, fmt.Errorf("mail: template %q has no %s.txt", name, name)
		}
	}
	return r, nil
}

// Render renders template name with data.
func (r *Renderer) Render(name string, data map[string]string) (Message, error) {
	textT, htmlT := r.text[name], r.html[name]
	if textT == nil || htmlT == nil {
		return Message{}, fmt.Errorf("mail: unknown template %q", name)
	}
	all := maps.Clone(r.globals)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, data)
	var m Message
	var err error
	if m.Subject, err = execText(textT, "subject", all); err != nil {
		return Message{}, fmt.Errorf("mail: %s subject: %w", name, err)
	}
	m.Subject = HeaderSafe(m.Subject)
	if m.Text, err = execText(textT, "text", all); err != nil {
		return Message{}, fmt.Errorf("mail: %s text: %w", name, err)
	}
	var buf bytes.Buffer
	if err := htmlT.ExecuteTemplate(&buf, "html", all); err != nil {
		return Message{}, fmt.Errorf("mail: %s html: %w", name, err)
	}
	m.HTML = buf.String()
	return m, nil
}

func execText(t *texttemplate.Template, block string, data map[string]string) (string, error) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

// HeaderSafe removes line breaks and other control characters so user text
// can never start a new header line.
func HeaderSafe(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s))
}
