package progresschart

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/boc/cmp/internal/rules"
)

func TestSVGShowsMetAndShortAreas(t *testing.T) {
	reqs := []rules.AreaProgress{
		{Area: rules.AreaTotal, Required: 3600, Earned: 3250},
		{Area: "blood_banking", Required: 200, Earned: 300},
		{Area: "chemistry", Required: 200, Earned: 0},
	}
	svg := string(SVG(`ASCPi-MLS <cycle> & "window"`, reqs))
	// Well-formed XML, so browsers and converters accept it.
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, svg)
	}
	for _, want := range []string{
		"ASCPi-MLS &lt;cycle&gt; &amp; &#34;window&#34;", // the title is escaped
		"Total", "32.50 / 36.00 (3.50 to go)",
		"Blood banking", "3.00 / 2.00 (met)",
		"Chemistry", "0.00 / 2.00 (2.00 to go)",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	// A met area draws a full bar; a short one a proportional bar; nothing earned, none.
	if !strings.Contains(svg, `width="330" height="18" rx="3" fill="#2e7d32"`) {
		t.Error("met area should fill its bar")
	}
	if !strings.Contains(svg, `width="297" height="18" rx="3" fill="#c77700"`) { // 330 * 32.5/36
		t.Error("total should fill 32.5/36 of its bar")
	}
	if got := strings.Count(svg, `fill="#c77700"/>`); got != 1 {
		t.Errorf("%d short bars drawn, want 1 (nothing earned draws none)", got)
	}
}
