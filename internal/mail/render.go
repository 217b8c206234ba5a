// Package mail renders the emails the service owes and sends them through
// SES v2. Each template name has templates/<name>.txt defining "subject"
// and "text", and templates/<name>.html defining "html".
//
// The templates use a subset of text/template's syntax ({{define}},
// {{.key}}, {{if .key}} ... {{else}} ... {{end}}, {{else if .key}},
// {{/* comments */}} and the {{- -}} trim markers), executed here without
// reflection: text/template and html/template would make the linker keep
// every exported method the binary can reach (issue 14). The HTML part is
// escaped by context as html/template does for these constructs (text,
// quoted attributes, URL attributes); render_test.go checks both parts
// against text/template and html/template on every template.
//
// The templates are parsed and escaped when they are compiled into
// templates_gen.go (TestCompiledTemplates regenerates it with -update and
// fails when it differs from templates/), so a process starts with them
// ready instead of parsing 26 files at every cold start (issue 14), and
// anything unsupported or half-written fails that test, before any
// deployment, as it failed the start-up before.
package mail

import (
	"fmt"
	"io/fs"
	"maps"
	"strings"
)

// Message is a rendered email.
type Message struct {
	Subject string
	Text    string
	HTML    string
}

// blocks are the {{define}}d templates of one file, by name.
type blocks map[string][]node

// Renderer renders embedded templates with the caller's data plus globals
// (e.g. baseUrl). Missing data is an error, never an empty gap.
type Renderer struct {
	text    map[string]blocks
	html    map[string]blocks
	globals map[string]string
}

// NewRenderer is the renderer of the compiled templates. Each name is its
// own template set, since every file defines the same block names.
func NewRenderer(globals map[string]string) (*Renderer, error) {
	return &Renderer{text: compiledText, html: compiledHTML, globals: globals}, nil
}

// newRenderer parses and checks the templates of fsys: what the compiled
// ones are made from, and the tests' renderer of their own templates.
func newRenderer(fsys fs.FS, globals map[string]string) (*Renderer, error) {
	r := &Renderer{text: map[string]blocks{}, html: map[string]blocks{}, globals: globals}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("mail: read templates: %w", err)
	}
	for _, e := range entries {
		file := e.Name()
		name, ext, _ := strings.Cut(file, ".")
		if ext != "txt" && ext != "html" {
			continue
		}
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("mail: read %s: %w", file, err)
		}
		b, err := parseFile(string(src))
		if err == nil && ext == "html" {
			// The HTML part escapes user text (names) by where it lands.
			err = b.escapeHTML()
		}
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s: %w", file, err)
		}
		if ext == "txt" {
			r.text[name] = b
		} else {
			r.html[name] = b
		}
	}
	// A half-written template would fail only when its email is due; refuse it here instead.
	for name, t := range r.text {
		if t["subject"] == nil || t["text"] == nil || r.html[name]["html"] == nil {
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
	if m.Subject, err = execute(textT["subject"], all); err != nil {
		return Message{}, fmt.Errorf("mail: %s subject: %w", name, err)
	}
	m.Subject = HeaderSafe(strings.TrimSpace(m.Subject))
	if m.Text, err = execute(textT["text"], all); err != nil {
		return Message{}, fmt.Errorf("mail: %s text: %w", name, err)
	}
	m.Text = strings.TrimSpace(m.Text)
	if m.HTML, err = execute(htmlT["html"], all); err != nil {
		return Message{}, fmt.Errorf("mail: %s html: %w", name, err)
	}
	return m, nil
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

type nodeKind uint8

const (
	textNode  nodeKind = iota // text: literal template text
	fieldNode                 // key: {{.key}}, written through esc
	ifNode                    // key: {{if .key}} then {{else}} els {{end}}
)

// node is one piece of a parsed template.
type node struct {
	kind      nodeKind
	text, key string
	esc       func(string) string // fieldNode; nil writes the value as is
	then, els []node
}

func execute(nodes []node, data map[string]string) (string, error) {
	var b strings.Builder
	if err := write(&b, nodes, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

func write(b *strings.Builder, nodes []node, data map[string]string) error {
	for _, n := range nodes {
		if n.kind == textNode {
			b.WriteString(n.text)
			continue
		}
		// As text/template's missingkey=error: a key the data lacks is an
		// error in a condition too, so every email states its optional parts.
		v, ok := data[n.key]
		if !ok {
			return fmt.Errorf("map has no entry for key %q", n.key)
		}
		switch {
		case n.kind == ifNode && v != "":
			if err := write(b, n.then, data); err != nil {
				return err
			}
		case n.kind == ifNode:
			if err := write(b, n.els, data); err != nil {
				return err
			}
		case n.esc != nil:
			b.WriteString(n.esc(v))
		default:
			b.WriteString(v)
		}
	}
	return nil
}
