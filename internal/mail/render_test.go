package mail

import (
	"bytes"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	texttemplate "text/template"
)

// The renderer must give what text/template and html/template give for the
// same template and data (issue 14 replaced them to keep them out of the
// binaries, not to change a byte of any email): the engines are the oracle
// here, in the test binary only.

// reference renders one template pair with the standard engines, as
// Render did before issue 14.
func reference(t *testing.T, txt, html string, data map[string]string) (Message, error) {
	t.Helper()
	tt, err := texttemplate.New("t").Option("missingkey=error").Parse(txt)
	if err != nil {
		t.Fatalf("reference text parse: %v", err)
	}
	ht, err := htmltemplate.New("h").Option("missingkey=error").Parse(html)
	if err != nil {
		t.Fatalf("reference html parse: %v", err)
	}
	exec := func(run func(*bytes.Buffer) error) (string, error) {
		var b bytes.Buffer
		err := run(&b)
		return b.String(), err
	}
	var m Message
	if m.Subject, err = exec(func(b *bytes.Buffer) error { return tt.ExecuteTemplate(b, "subject", data) }); err != nil {
		return Message{}, err
	}
	m.Subject = HeaderSafe(strings.TrimSpace(m.Subject))
	if m.Text, err = exec(func(b *bytes.Buffer) error { return tt.ExecuteTemplate(b, "text", data) }); err != nil {
		return Message{}, err
	}
	m.Text = strings.TrimSpace(m.Text)
	if m.HTML, err = exec(func(b *bytes.Buffer) error { return ht.ExecuteTemplate(b, "html", data) }); err != nil {
		return Message{}, err
	}
	return m, nil
}

// keys lists the data keys a template's nodes read.
func keys(nodes []node, into map[string]bool) {
	for _, n := range nodes {
		if n.kind != textNode {
			into[n.key] = true
		}
		keys(n.then, into)
		keys(n.els, into)
	}
}

// hostile values: markup, quotes, ampersands, a plus, a NUL, non-ASCII,
// line breaks, script and data URLs, URLs with queries and spaces.
var hostile = []string{
	`Jane`,
	`<b>Jo & "Al" 'x'</b>+1` + "\x00",
	"Zoë\r\nBcc: x@evil.example",
	`javascript:alert(1)`,
	`https://cmp.example.org/v/a b?x=1&y=<2>#f"`,
	`/relative/path?q='1'`,
	`data:text/html,<script>`,
	``,
}

// compare renders every name of fsys with both engines for data and
// requires the same message, or an error from both; and the same from
// compiled, when given (the templates compiled from fsys).
func compare(t *testing.T, fsys fs.FS, compiled *Renderer, data func(name string, keys []string) []map[string]string) {
	t.Helper()
	r, err := newRenderer(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name := range r.text {
		txt, _ := fs.ReadFile(fsys, name+".txt")
		html, _ := fs.ReadFile(fsys, name+".html")
		used := map[string]bool{}
		for _, b := range []blocks{r.text[name], r.html[name]} {
			for _, nodes := range b {
				keys(nodes, used)
			}
		}
		for _, d := range data(name, slices.Sorted(maps.Keys(used))) {
			got, gotErr := r.Render(name, d)
			if compiled != nil {
				if c, cErr := compiled.Render(name, d); c != got || (cErr == nil) != (gotErr == nil) {
					t.Errorf("%s %v: compiled renders %#v (error %v), parsed %#v (error %v)", name, d, c, cErr, got, gotErr)
				}
			}
			want, wantErr := reference(t, string(txt), string(html), d)
			if (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s %v: error %v, reference error %v", name, d, gotErr, wantErr)
				continue
			}
			if got != want {
				t.Errorf("%s %v:\n got %#v\nwant %#v", name, d, got, want)
			}
		}
	}
}

// Every embedded template, with every key set to each hostile value in
// turn, with each key empty in turn (the {{if}}s) and with each key missing
// in turn (an error from both).
func TestRenderMatchesStandardEngines(t *testing.T) {
	compiled, err := NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, templatesDir(t), compiled, func(_ string, ks []string) []map[string]string {
		var out []map[string]string
		fill := func(v string) map[string]string {
			d := map[string]string{}
			for i, k := range ks {
				d[k] = v + hostile[i%len(hostile)]
			}
			return d
		}
		for _, v := range hostile {
			out = append(out, fill(v))
		}
		for _, k := range ks {
			empty, missing := fill("x"), fill("x")
			empty[k] = ""
			delete(missing, k)
			out = append(out, empty, missing)
		}
		return out
	})
}

// The syntax the renderer accepts beyond today's templates (else, else if,
// trim markers, comments), and HTML contexts (attributes, URLs, query
// parts), against the engines.
func TestRenderSyntaxMatchesStandardEngines(t *testing.T) {
	txt := `{{/* a comment */}}{{define "subject"}}  {{- .a -}}  , {{.b}}{{end}}
{{define "text"}}{{if .a}}A{{.a}}{{else if .b}}B{{.b}}{{else}}none{{end}}
{{- /* trimmed */ -}}
   {{ .c }} {{if .c}}{{if .a}}both{{end}}{{end}}{{end}}`
	html := `{{define "html"}}<!doctype html><p title="{{.a}}" class='{{.b}}'>{{.c}}</p>
<a href="{{.a}}">x</a> <a href='/p/{{.b}}?q={{.c}}#{{.a}}'>y</a> <img data-src="{{.c}}" alt="{{.a}}">
<a href="https://x.org/{{.b}}"/><{{.c}}> a < b, 1<2 <x-y title="{{.a}}"></x-y> <!DOCTYPE x> </{{.c}}{{if .a}}<b data-x="{{.a}}">{{.b}}</b>{{else}}<i>{{.c}}</i>{{end}}{{end}}`
	fsys := fstest.MapFS{"s.txt": {Data: []byte(txt)}, "s.html": {Data: []byte(html)}}
	compare(t, fsys, nil, func(_ string, ks []string) []map[string]string {
		var out []map[string]string
		for i, a := range hostile {
			b, c := hostile[(i+1)%len(hostile)], hostile[(i+3)%len(hostile)]
			out = append(out, map[string]string{"a": a, "b": b, "c": c}, map[string]string{"a": "", "b": b, "c": c},
				map[string]string{"a": "", "b": "", "c": c}, map[string]string{"a": a, "b": b})
		}
		return out
	})
}

// What the renderer cannot escape safely, or does not know, fails at start-up.
func TestRenderRefusesUnsupported(t *testing.T) {
	txt := `{{define "subject"}}S{{end}}{{define "text"}}T{{end}}`
	for _, html := range []string{
		`{{define "html"}}<p onclick="{{.a}}">x</p>{{end}}`,
		`{{define "html"}}<p style="{{.a}}">x</p>{{end}}`,
		`{{define "html"}}<p class={{.a}}>x</p>{{end}}`,
		`{{define "html"}}<script>var a = "{{.a}}"</script>{{end}}`,
		`{{define "html"}}<!-- {{.a}} -->{{end}}`,
		`{{define "html"}}{{if .a}}<a href="{{else}}<b>{{end}}{{end}}`,
		`{{define "html"}}<p title="{{.a}}{{end}}`,
		`{{define "html"}}{{range .a}}x{{end}}{{end}}`,
		`{{define "html"}}{{.a | html}}{{end}}`,
		`{{define "html"}}{{with .a}}{{.}}{{end}}{{end}}`,
		`{{define "html"}}{{if .a}}x{{end}}`,
		`{{define "html"}}x{{end}} stray text`,
	} {
		fsys := fstest.MapFS{"a.txt": {Data: []byte(txt)}, "a.html": {Data: []byte(html)}}
		if _, err := newRenderer(fsys, nil); err == nil {
			t.Errorf("accepted %s", html)
		}
	}
}
