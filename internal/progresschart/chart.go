// Package progresschart draws a certificant's progress toward a cycle's
// requirements as an SVG bar chart: one bar per requirement area, earned
// against required, so a person sees at a glance what is met and what is short.
package progresschart

import (
	"bytes"
	"fmt"
	"html"

	"github.com/boc/cmp/internal/rules"
)

// Layout in SVG user units.
const (
	width     = 720
	rowHeight = 34
	top       = 56
	labelW    = 150
	barW      = 330
	barH      = 18
)

// Colours: met, short, and the track behind a bar.
const (
	metColour   = "#2e7d32"
	shortColour = "#c77700"
	trackColour = "#e6e6e6"
)

// SVG renders title (e.g. "ASCPi-MLS, cycle 2025-02-01 to 2028-01-31") and one
// bar per requirement. A bar is full when the requirement is met; the label says
// earned / required in points, and what is still needed.
func SVG(title string, reqs []rules.AreaProgress) []byte {
	height := top + rowHeight*len(reqs) + 16
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`, width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, width, height)
	fmt.Fprintf(&b, `<text x="16" y="30" font-size="16" font-weight="bold">%s</text>`, html.EscapeString(title))
	for i, r := range reqs {
		y := top + i*rowHeight
		colour, note := metColour, "met"
		if r.Earned < r.Required {
			colour, note = shortColour, (r.Required-r.Earned).String()+" to go"
		}
		fill := barW
		if r.Required > 0 && r.Earned < r.Required {
			fill = int(int64(barW) * int64(r.Earned) / int64(r.Required))
		}
		fmt.Fprintf(&b, `<text x="16" y="%d">%s</text>`, y+barH-4, html.EscapeString(label(r.Area)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="%s"/>`, labelW, y, barW, barH, trackColour)
		if fill > 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="%s"/>`, labelW, y, fill, barH, colour)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s / %s (%s)</text>`, labelW+barW+10, y+barH-4, colour,
			r.Earned, r.Required, html.EscapeString(note))
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}

// label is the area as a person reads it.
func label(a rules.Area) string {
	if a == rules.AreaTotal {
		return "Total"
	}
	s := []byte(a)
	for i, c := range s {
		if c == '_' {
			s[i] = ' '
		}
	}
	if len(s) > 0 && s[0] >= 'a' && s[0] <= 'z' {
		s[0] -= 'a' - 'A'
	}
	return string(s)
}
