package rules

import (
	"fmt"

	"github.com/boc/cmp/internal/civil"
)

// Requirement is a minimum number of points in one area.
type Requirement struct {
	Area   Area   `json:"area"`
	Points Points `json:"points"`
}

// Requirements for one cycle: the total, and minimums inside it (safety, ethics,
// content areas) that count toward the total (R-REQ-2..3).
type Requirements struct {
	Total    Points
	Minimums []Requirement
}

// requirementRow is one row of the requirements table (R-REQ-9): it applies to
// cycles of its program and group expiring on or after from, until a later row.
// Rows are complete, not deltas, so a reader sees each era's rule in one line.
type requirementRow struct {
	program Program
	group   Group
	from    civil.Date // zero: since the program began
	total   Points
	safety  Points
	ethics  Points
	inArea  Points
	areas   []Area // nil: the certification's own area (R-AREA-2)
}

var generalistAreas = []Area{AreaBloodBanking, AreaChemistry, AreaHematology, AreaMicrobiology}

var (
	ethicsFrom = civil.MustParse("2023-01-01") // R-REQ-3
	areaEight  = civil.MustParse("2024-01-01") // R-REQ-5
)

// requirementTable: adding a future rule change is a new row (R-REQ-9).
var requirementTable = []requirementRow{
	// R-REQ-1,2,4
	{program: ASCPi, group: Generalist, total: 36 * Pt, safety: 1 * Pt, inArea: 2 * Pt, areas: generalistAreas},
	{program: ASCP, group: Generalist, total: 36 * Pt, safety: 1 * Pt, inArea: 2 * Pt, areas: generalistAreas},
	// R-REQ-1,2,5
	{program: ASCPi, group: Categorical, total: 36 * Pt, safety: 1 * Pt, inArea: 2 * Pt},
	// R-REQ-1,2,6
	{program: ASCPi, group: Phlebotomy, total: 9 * Pt, safety: 1 * Pt, inArea: 2 * Pt},
	// R-REQ-1,2,7
	{program: ASCPi, group: Specialist, total: 36 * Pt, safety: 1 * Pt, inArea: 10 * Pt},
	// R-REQ-3: medical ethics from cycles expiring 2023-01-01.
	{program: ASCPi, group: Generalist, from: ethicsFrom, total: 36 * Pt, safety: 1 * Pt, ethics: 1 * Pt, inArea: 2 * Pt, areas: generalistAreas},
	{program: ASCP, group: Generalist, from: ethicsFrom, total: 36 * Pt, safety: 1 * Pt, ethics: 1 * Pt, inArea: 2 * Pt, areas: generalistAreas},
	{program: ASCPi, group: Categorical, from: ethicsFrom, total: 36 * Pt, safety: 1 * Pt, ethics: 1 * Pt, inArea: 2 * Pt},
	{program: ASCPi, group: Phlebotomy, from: ethicsFrom, total: 9 * Pt, safety: 1 * Pt, ethics: 1 * Pt, inArea: 2 * Pt},
	{program: ASCPi, group: Specialist, from: ethicsFrom, total: 36 * Pt, safety: 1 * Pt, ethics: 1 * Pt, inArea: 10 * Pt},
	// R-REQ-5: 8 points in the area of certification from cycles expiring 2024-01-01.
	{program: ASCPi, group: Categorical, from: areaEight, total: 36 * Pt, safety: 1 * Pt, ethics: 1 * Pt, inArea: 8 * Pt},
}

// RequirementsFor returns the requirements of c's cycle expiring on expires: the
// latest table row of c's program and group in force on that date.
func RequirementsFor(c Certification, expires civil.Date) (Requirements, error) {
	var row *requirementRow
	for i, r := range requirementTable {
		if r.program == c.Program && r.group == c.Group() && !expires.Before(r.from) &&
			(row == nil || r.from.After(row.from)) {
			row = &requirementTable[i]
		}
	}
	if row == nil {
		return Requirements{}, fmt.Errorf("no requirements for %s expiring %s", c, expires)
	}
	req := Requirements{Total: row.total, Minimums: []Requirement{{AreaSafety, row.safety}}}
	if row.ethics > 0 {
		req.Minimums = append(req.Minimums, Requirement{AreaEthics, row.ethics})
	}
	areas := row.areas
	if areas == nil {
		a, ok := c.Area()
		if !ok {
			return Requirements{}, fmt.Errorf("%s has no area of certification", c)
		}
		areas = []Area{a}
	}
	for _, a := range areas {
		req.Minimums = append(req.Minimums, Requirement{a, row.inArea})
	}
	return req, nil
}

// validate guards against hand-built requirements that the allocation model
// cannot represent: unknown or repeated areas, negative or oversized values.
func (r Requirements) validate() error {
	if r.Total <= 0 || r.Total > maxDecimal {
		return fmt.Errorf("requirements: total %s out of range", r.Total)
	}
	seen := map[Area]bool{}
	var sum Points
	for _, m := range r.Minimums {
		if !m.Area.Valid() || seen[m.Area] {
			return fmt.Errorf("requirements: area %q unknown or repeated", m.Area)
		}
		if m.Points < 0 || m.Points > r.Total {
			return fmt.Errorf("requirements: %s minimum %s out of range", m.Area, m.Points)
		}
		seen[m.Area] = true
		sum += m.Points
	}
	if sum > r.Total {
		return fmt.Errorf("requirements: area minimums %s exceed the total %s", sum, r.Total)
	}
	return nil
}
