// Package pattern matches the anchored character-class patterns the
// validators use (`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`) without package
// regexp: compiling counted repetitions unrolls them, which cost every
// function about a millisecond of init for a handful of field checks
// (issue 14). Same pattern text, same MatchString.
package pattern

import (
	"fmt"
	"strconv"
	"strings"
)

// Pattern is a compiled pattern: a sequence of items, each a set of ASCII
// bytes repeated between min and max times.
type Pattern struct {
	src   string
	items []item
}

type item struct {
	set      [256]bool
	min, max int
}

// MustCompile compiles `^...$` made of bracket classes ([A-Za-z_-], no
// negation or escapes) and literal bytes, each optionally followed by
// {n} or {min,max}. It panics on anything else, as regexp.MustCompile does
// on a bad expression: patterns are constants, never input.
func MustCompile(src string) *Pattern {
	p, err := compile(src)
	if err != nil {
		panic(fmt.Sprintf("pattern: %q: %v", src, err))
	}
	return p
}

func compile(src string) (*Pattern, error) {
	body, starts := strings.CutPrefix(src, "^")
	body, ends := strings.CutSuffix(body, "$")
	if !starts || !ends {
		return nil, fmt.Errorf("want ^...$")
	}
	p := &Pattern{src: src}
	for body != "" {
		var it item
		switch c := body[0]; {
		case c == '[':
			end := strings.IndexByte(body[1:], ']')
			if end < 1 {
				return nil, fmt.Errorf("unclosed or empty class")
			}
			class := body[1 : end+1]
			body = body[end+2:]
			for i := 0; i < len(class); i++ {
				if i+2 < len(class) && class[i+1] == '-' {
					if class[i] > class[i+2] {
						return nil, fmt.Errorf("bad range %s", class[i:i+3])
					}
					for b := int(class[i]); b <= int(class[i+2]); b++ {
						it.set[b] = true
					}
					i += 2
					continue
				}
				if class[i] == '^' && i == 0 || class[i] == '\\' || class[i] == '[' {
					return nil, fmt.Errorf("unsupported %q in class", class[i])
				}
				it.set[class[i]] = true
			}
		case strings.IndexByte(`\.+*?()|{}^$`, c) >= 0:
			return nil, fmt.Errorf("unsupported %q", c)
		default:
			it.set[c] = true
			body = body[1:]
		}
		it.min, it.max = 1, 1
		if strings.HasPrefix(body, "{") {
			end := strings.IndexByte(body, '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed repetition")
			}
			lo, hi, two := strings.Cut(body[1:end], ",")
			var err error
			if it.min, err = strconv.Atoi(lo); err != nil {
				return nil, fmt.Errorf("repetition: %w", err)
			}
			it.max = it.min
			if two {
				if it.max, err = strconv.Atoi(hi); err != nil {
					return nil, fmt.Errorf("repetition: %w", err)
				}
			}
			if it.min < 0 || it.max < it.min {
				return nil, fmt.Errorf("bad repetition {%s}", body[1:end])
			}
			body = body[end+1:]
		}
		p.items = append(p.items, it)
	}
	return p, nil
}

// MatchString reports whether all of s matches.
func (p *Pattern) MatchString(s string) bool { return match(p.items, s) }

// String is the pattern's source text.
func (p *Pattern) String() string { return p.src }

// match takes the longest run of the first item that lets the rest match;
// a run never exceeds its max, so the work stays bounded by the pattern,
// whatever the input's length.
func match(items []item, s string) bool {
	if len(items) == 0 {
		return s == ""
	}
	it := &items[0]
	n := 0
	for n < it.max && n < len(s) && it.set[s[n]] {
		n++
	}
	for ; n >= it.min; n-- {
		if match(items[1:], s[n:]) {
			return true
		}
	}
	return false
}
