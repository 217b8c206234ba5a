package mail

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// token is literal text (action false) or the inside of one {{action}},
// trim markers and surrounding spaces removed.
type token struct {
	action bool
	text   string
	line   int
}

const spaces = " \t\r\n"

// lex splits src as text/template's lexer does for the supported subset:
// "{{- " trims the white space before the action, " -}}" the white space
// after it.
func lex(src string) ([]token, error) {
	var toks []token
	line := 1
	trimNext := false
	for src != "" {
		i := strings.Index(src, "{{")
		text := src
		if i >= 0 {
			text = src[:i]
		}
		if trimNext {
			text = strings.TrimLeft(text, spaces)
		}
		if i < 0 {
			toks = appendText(toks, text, line)
			break
		}
		rest := src[i+2:]
		if len(rest) >= 2 && rest[0] == '-' && strings.ContainsRune(spaces, rune(rest[1])) {
			text = strings.TrimRight(text, spaces)
			rest = rest[1:]
		}
		toks = appendText(toks, text, line)
		line += strings.Count(src[:i], "\n")
		j := strings.Index(rest, "}}")
		if j < 0 {
			return nil, fmt.Errorf("line %d: unclosed action", line)
		}
		inside := rest[:j]
		trimNext = false
		if len(inside) >= 2 && inside[len(inside)-1] == '-' && strings.ContainsRune(spaces, rune(inside[len(inside)-2])) {
			inside, trimNext = inside[:len(inside)-1], true
		}
		toks = append(toks, token{action: true, text: strings.Trim(inside, spaces), line: line})
		line += strings.Count(rest[:j], "\n")
		src = rest[j+2:]
	}
	return toks, nil
}

func appendText(toks []token, text string, line int) []token {
	if text == "" {
		return toks
	}
	return append(toks, token{text: text, line: line})
}

// parseFile reads a file of {{define "name"}} ... {{end}} blocks; only white
// space and comments may stand between them.
func parseFile(src string) (blocks, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	out := blocks{}
	for {
		t, ok := p.next()
		if !ok {
			return out, nil
		}
		if !t.action {
			if strings.Trim(t.text, spaces) != "" {
				return nil, fmt.Errorf("line %d: text outside {{define}}", t.line)
			}
			continue
		}
		if isComment(t.text) {
			continue
		}
		rest, isDefine := strings.CutPrefix(t.text, "define")
		if !isDefine || rest == "" || !strings.ContainsRune(spaces, rune(rest[0])) {
			return nil, fmt.Errorf("line %d: {{%s}} outside {{define}}", t.line, t.text)
		}
		name, err := strconv.Unquote(strings.Trim(rest, spaces))
		if err != nil {
			return nil, fmt.Errorf("line %d: define needs a quoted name", t.line)
		}
		if out[name] != nil {
			return nil, fmt.Errorf("line %d: %q defined twice", t.line, name)
		}
		body, end, err := p.list()
		if err != nil {
			return nil, err
		}
		if end != "end" {
			return nil, fmt.Errorf("line %d: define %q: unexpected {{%s}}", t.line, name, end)
		}
		if body == nil {
			body = []node{} // defined, if empty
		}
		out[name] = body
	}
}

type parser struct {
	toks []token
	pos  int
	line int
}

func (p *parser) next() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	t := p.toks[p.pos]
	p.pos++
	p.line = t.line
	return t, true
}

// list parses nodes up to the action that ends them ({{end}}, {{else}},
// {{else if .key}}), which it returns.
func (p *parser) list() ([]node, string, error) {
	var nodes []node
	for {
		t, ok := p.next()
		if !ok {
			return nil, "", fmt.Errorf("line %d: missing {{end}}", p.line)
		}
		if !t.action {
			nodes = append(nodes, node{kind: textNode, text: t.text})
			continue
		}
		a := t.text
		switch {
		case isComment(a):
		case a == "end" || a == "else" || strings.HasPrefix(a, "else if "):
			return nodes, a, nil
		case strings.HasPrefix(a, "if "):
			n, err := p.cond(strings.TrimPrefix(a, "if "), t.line)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, n)
		default:
			key, err := field(a, t.line)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, node{kind: fieldNode, key: key})
		}
	}
}

// cond parses an {{if}} whose condition is arg, through its {{end}}; an
// {{else if}} is an {{if}} in the {{else}} that shares the {{end}}.
func (p *parser) cond(arg string, line int) (node, error) {
	key, err := field(strings.Trim(arg, spaces), line)
	if err != nil {
		return node{}, err
	}
	n := node{kind: ifNode, key: key}
	var end string
	if n.then, end, err = p.list(); err != nil {
		return node{}, err
	}
	switch {
	case end == "else":
		if n.els, end, err = p.list(); err != nil {
			return node{}, err
		}
		if end != "end" {
			return node{}, fmt.Errorf("line %d: {{%s}} after {{else}}", p.line, end)
		}
	case strings.HasPrefix(end, "else if "):
		inner, err := p.cond(strings.TrimPrefix(end, "else if "), p.line)
		if err != nil {
			return node{}, err
		}
		n.els = []node{inner}
	}
	return n, nil
}

var errUnsupported = errors.New("only {{.key}}, {{if .key}}, {{else}}, {{else if .key}}, {{end}}, {{define}} and comments are supported")

// field is the key of ".key".
func field(a string, line int) (string, error) {
	key, ok := strings.CutPrefix(a, ".")
	if !ok || key == "" {
		return "", fmt.Errorf("line %d: {{%s}}: %w", line, a, errUnsupported)
	}
	for i, c := range key {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return "", fmt.Errorf("line %d: {{%s}}: %w", line, a, errUnsupported)
		}
	}
	return key, nil
}

func isComment(a string) bool {
	return len(a) >= 4 && strings.HasPrefix(a, "/*") && strings.HasSuffix(a, "*/")
}
