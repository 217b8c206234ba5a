package mail

import (
	"fmt"
	"strings"
)

// The HTML contexts a value can land in, and html/template's escaping of
// each: element text and quoted attribute values are HTML-escaped; a value
// in a URL attribute is normalised (and, at the start of the URL, refused
// unless http, https or mailto) before; in a URL's query or fragment it is
// percent-encoded. Values anywhere else (tag names, unquoted attributes,
// event handlers, style, script, comments) fail the parse.
type state uint8

const (
	inText state = iota
	inTag
	inAttrName
	afterAttrName
	beforeValue
	inValue    // quoted attribute value
	inUnquoted // unquoted attribute value
)

type urlPart uint8

const (
	urlNone     urlPart = iota // nothing of the URL yet
	urlPreQuery                // scheme, host or path
	urlQuery                   // after ? or #
)

type htmlContext struct {
	state state
	quote byte
	attr  string // lower-case name of the current attribute
	url   urlPart
}

// escapeHTML sets the escaper of every value of the blocks by its context.
func (b blocks) escapeHTML() error {
	for name, nodes := range b {
		c, err := escapeList(nodes, htmlContext{})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if c.state != inText {
			return fmt.Errorf("%s: ends inside a tag", name)
		}
	}
	return nil
}

func escapeList(nodes []node, c htmlContext) (htmlContext, error) {
	var err error
	for i := range nodes {
		n := &nodes[i]
		switch n.kind {
		case textNode:
			if c, n.text, err = scan(c, n.text); err != nil {
				return c, err
			}
		case fieldNode:
			if n.esc, err = escaperFor(c); err != nil {
				return c, fmt.Errorf("{{.%s}}: %w", n.key, err)
			}
		case ifNode:
			then, err := escapeList(n.then, c)
			if err != nil {
				return c, err
			}
			els, err := escapeList(n.els, c)
			if err != nil {
				return c, err
			}
			if then != els {
				return c, fmt.Errorf("{{if .%s}}: the branches end in different HTML contexts", n.key)
			}
			c = then
		}
	}
	return c, nil
}

func escaperFor(c htmlContext) (func(string) string, error) {
	switch {
	case c.state == inText:
		return htmlEscape, nil
	case c.state != inValue || unsafeAttr(c.attr):
		return nil, fmt.Errorf("a value inside a tag must be a quoted value of a plain or URL attribute")
	case !urlAttr(c.attr):
		return htmlEscape, nil
	case c.url == urlNone:
		return escapeURLStart, nil
	case c.url == urlPreQuery:
		return escapeURLPath, nil
	default:
		return escapeURLQuery, nil
	}
}

// The escapers of a value in a URL attribute, named so that the compiled
// templates (templates_gen.go) can refer to them: at the start of the URL
// (the scheme is filtered), in its scheme, host or path, in its query or
// fragment.
func escapeURLStart(s string) string { return htmlEscape(normalizeURL(filterURL(s), true)) }
func escapeURLPath(s string) string  { return htmlEscape(normalizeURL(s, true)) }
func escapeURLQuery(s string) string { return htmlEscape(normalizeURL(s, false)) }

// scan moves c over literal template text, and returns the text as
// html/template writes it: a "<" in element text that opens no tag (nor a
// doctype) becomes "&lt;".
func scan(c htmlContext, s string) (htmlContext, string, error) {
	var out strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch c.state {
		case inText:
			if ch != '<' {
				continue
			}
			rest := s[i+1:]
			name := strings.TrimPrefix(rest, "/")
			n := tagNameLen(name)
			switch {
			case strings.HasPrefix(rest, "!--"):
				return c, "", fmt.Errorf("HTML comments are not supported")
			case n > 0:
				switch strings.ToLower(name[:n]) {
				case "script", "style", "textarea", "title":
					return c, "", fmt.Errorf("<%s> is not supported", name[:n])
				}
				c = htmlContext{state: inTag}
				i += len(rest) - len(name) + n
			case !strings.HasPrefix(strings.ToLower(rest), "!doctype"):
				out.WriteString(s[written:i])
				out.WriteString("&lt;")
				written = i + 1
			}
		case inTag:
			switch {
			case ch == '>':
				c = htmlContext{}
			case isSpace(ch) || ch == '/':
			default:
				c = htmlContext{state: inAttrName, attr: string(lower(ch))}
			}
		case inAttrName:
			switch {
			case isSpace(ch):
				c.state = afterAttrName
			case ch == '=':
				c.state = beforeValue
			case ch == '>':
				c = htmlContext{}
			case ch == '/':
				c = htmlContext{state: inTag}
			default:
				c.attr += string(lower(ch))
			}
		case afterAttrName:
			switch {
			case isSpace(ch):
			case ch == '=':
				c.state = beforeValue
			case ch == '>':
				c = htmlContext{}
			default:
				c = htmlContext{state: inAttrName, attr: string(lower(ch))}
			}
		case beforeValue:
			switch {
			case isSpace(ch):
			case ch == '"' || ch == '\'':
				c.state, c.quote, c.url = inValue, ch, urlNone
			case ch == '>':
				c = htmlContext{}
			default:
				c.state = inUnquoted
			}
		case inValue:
			switch {
			case ch == c.quote:
				c = htmlContext{state: inTag}
			case ch == '?' || ch == '#':
				c.url = urlQuery
			case c.url == urlNone:
				c.url = urlPreQuery
			}
		case inUnquoted:
			switch {
			case isSpace(ch):
				c = htmlContext{state: inTag}
			case ch == '>':
				c = htmlContext{}
			}
		}
	}
	if written == 0 {
		return c, s, nil
	}
	out.WriteString(s[written:])
	return c, out.String(), nil
}

// tagNameLen is the length of the tag name s starts with, as html/template
// reads one: a letter, then letters and digits, with single '-' or ':'
// between them.
func tagNameLen(s string) int {
	alnum := func(i int) bool {
		c := lower(s[i])
		return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
	}
	if s == "" || !alnum(0) || '0' <= s[0] && s[0] <= '9' {
		return 0
	}
	n := 1
	for n < len(s) {
		switch {
		case alnum(n):
			n++
		case (s[n] == '-' || s[n] == ':') && n+1 < len(s) && alnum(n+1):
			n += 2
		default:
			return n
		}
	}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// attrName is an attribute's name as html/template types it.
func attrName(name string) string { return strings.TrimPrefix(name, "data-") }

// urlAttr: the attributes html/template treats as URLs.
func urlAttr(name string) bool {
	switch name = attrName(name); name {
	case "action", "archive", "background", "cite", "classid", "codebase", "data", "formaction",
		"href", "icon", "longdesc", "manifest", "poster", "profile", "src", "usemap", "xmlns":
		return true
	}
	return strings.Contains(name, "src") || strings.Contains(name, "uri") || strings.Contains(name, "url")
}

// unsafeAttr: attributes holding script, style or URL lists, and namespaced ones.
func unsafeAttr(name string) bool {
	name = attrName(name)
	return strings.HasPrefix(name, "on") || name == "style" || name == "srcset" || strings.Contains(name, ":")
}

// htmlEscape is html/template's HTML and attribute escaper.
func htmlEscape(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[written:i])
		b.WriteString(repl)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// filterURL refuses a URL whose scheme could run script (javascript:, data:).
func filterURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
			return "#ZgotmplZ"
		}
	}
	return s
}

// normalizeURL percent-encodes what a URL may not hold; with keepReserved
// false (a query or fragment part) the reserved characters too.
func normalizeURL(s string, keepReserved bool) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '.' || c == '_' || c == '~',
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case keepReserved && strings.IndexByte("!#$&*+,/:;=?@[]%", c) >= 0:
			continue
		}
		b.WriteString(s[written:i])
		fmt.Fprintf(&b, "%%%02x", c)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}
