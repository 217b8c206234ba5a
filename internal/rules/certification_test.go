package rules

import (
	"errors"
	"testing"

	"github.com/boc/cmp/internal/civil"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		key       string
		want      string
		group     Group
		area      Area
		rule      string // when an error is expected
		supported bool
	}{
		{key: "ASCPi-MLS", want: "ASCPi-MLS", group: Generalist},                          // R-CAT-1,2
		{key: "ASCP-MLT", want: "ASCP-MLT", group: Generalist},                            // R-CAT-3
		{key: "ASCPi-CTgyn", want: "ASCPi-CTgyn", group: Categorical, area: AreaCytology}, // R-CAT-2, R-AREA-2
		{key: "ascpi-ctgyn", want: "ASCPi-CTgyn", group: Categorical, area: AreaCytology},
		{key: "ASCPi-MT", want: "ASCPi-MT", group: Generalist},   // R-CAT-2 legacy MT in the MLS group
		{key: "ASCPi-CLM", want: "ASCPi-CLM", group: Generalist}, // R-CAT-2
		{key: "ASCPi-PBT", want: "ASCPi-PBT", group: Phlebotomy, area: AreaPhlebotomy},
		{key: "ASCPi-SBB", want: "ASCPi-SBB", group: Specialist, area: AreaBloodBanking},
		{key: "ASCPi-HT", want: "ASCPi-HT", group: Categorical, area: AreaHistology},
		{key: "ASCPi-SCYM", want: "ASCPi-SCYM", group: Specialist, area: AreaCytometry},
		{key: "ASCPi-SMB", want: "ASCPi-SMB", group: Specialist, area: AreaMolecularBiology},
		{key: "ASCP-SBB", rule: "R-CAT-3"}, // R-CAT-3: US categories beyond MLS/MLT
		{key: "ASCP-HT", rule: "R-CAT-3"},
		{key: "ASCPi-XYZ", rule: "R-CAT-2"},
		{key: "NCA-MLS", rule: "R-CAT-1"},
		{key: "MLS", rule: "R-CAT-1"},
		{key: "", rule: "R-CAT-1"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			c, err := ParseKey(tt.key)
			if tt.rule != "" {
				var re *RuleError
				if !errors.As(err, &re) || re.Rule != tt.rule {
					t.Fatalf("ParseKey(%q) error = %v, want rule %s", tt.key, err, tt.rule)
				}
				if errors.Is(err, ErrNotSupported) != (tt.rule == "R-CAT-3") {
					t.Fatalf("errors.Is(ErrNotSupported) wrong for %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Key() != tt.want || c.Group() != tt.group {
				t.Fatalf("got %s group %s, want %s group %s", c.Key(), c.Group(), tt.want, tt.group)
			}
			a, ok := c.Area()
			if a != tt.area || ok != (tt.area != "") {
				t.Fatalf("Area() = %q,%v want %q", a, ok, tt.area)
			}
		})
	}
}

// R-AREA-2: every category outside the generalist group has its area.
func TestAreaOfCertification(t *testing.T) {
	want := map[string]Area{
		"BB": AreaBloodBanking, "SBB": AreaBloodBanking, "C": AreaChemistry, "SC": AreaChemistry,
		"CG": AreaCytogenetics, "CT": AreaCytology, "CTgyn": AreaCytology, "SCT": AreaCytology,
		"H": AreaHematology, "SH": AreaHematology, "HT": AreaHistology, "HTL": AreaHistology,
		"M": AreaMicrobiology, "SM": AreaMicrobiology, "MB": AreaMolecularBiology,
		"SMB": AreaMolecularBiology, "SCYM": AreaCytometry, "PBT": AreaPhlebotomy,
	}
	for code, area := range want {
		c, err := NewCertification("ASCPi", code)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := c.Area(); !ok || got != area {
			t.Errorf("%s: area %q, want %q", code, got, area)
		}
	}
}

// R-CAT-4
func TestCMPRequired(t *testing.T) {
	tests := []struct {
		key    string
		issued string
		want   bool
	}{
		{"ASCPi-MLS", "2012-01-01", true},
		{"ASCPi-MLS", "2011-12-31", false},
		{"ASCPi-PBT", "2019-06-01", true},
		{"ASCP-MLS", "2004-01-01", true},
		{"ASCP-MLT", "2003-12-31", false},
		{"ASCP-MLS", "2011-06-01", true},
	}
	for _, tt := range tests {
		c, _ := ParseKey(tt.key)
		if got := c.CMPRequired(civil.MustParse(tt.issued)); got != tt.want {
			t.Errorf("%s issued %s: CMPRequired = %v, want %v", tt.key, tt.issued, got, tt.want)
		}
	}
}

func TestRuleOf(t *testing.T) {
	_, err := ParseKey("ASCP-BB")
	if got := RuleOf(err, "R-CAT-1"); got != "R-CAT-3" {
		t.Errorf("RuleOf(unsupported US category) = %s, want R-CAT-3", got)
	}
	if got := RuleOf(errors.New("plain"), "R-CAT-1"); got != "R-CAT-1" {
		t.Errorf("RuleOf(plain error) = %s, want the fallback", got)
	}
}
