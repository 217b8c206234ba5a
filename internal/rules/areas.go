package rules

// Area is a content area (R-AREA-1) or, in allocations and progress, one of the
// pseudo-areas AreaTotal and AreaRelated.
type Area string

const (
	AreaSafety           Area = "safety"
	AreaEthics           Area = "ethics"
	AreaBloodBanking     Area = "blood_banking"
	AreaChemistry        Area = "chemistry"
	AreaHematology       Area = "hematology"
	AreaMicrobiology     Area = "microbiology"
	AreaImmunology       Area = "immunology"
	AreaMolecularBiology Area = "molecular_biology"
	AreaCytogenetics     Area = "cytogenetics"
	AreaCytology         Area = "cytology"
	AreaHistology        Area = "histology"
	AreaPhlebotomy       Area = "phlebotomy"
	AreaCytometry        Area = "cytometry"
	AreaManagement       Area = "management"
	AreaEducation        Area = "education"
	AreaOther            Area = "other"

	// AreaTotal names the total requirement in progress and shortfalls.
	AreaTotal Area = "total"
	// AreaRelated is the allocation target for the rest of the total, from any
	// related area (R-REQ-8, R-AREA-3); covid points may go only here.
	AreaRelated Area = "related"
)

var contentAreas = map[Area]bool{
	AreaSafety: true, AreaEthics: true, AreaBloodBanking: true, AreaChemistry: true,
	AreaHematology: true, AreaMicrobiology: true, AreaImmunology: true,
	AreaMolecularBiology: true, AreaCytogenetics: true, AreaCytology: true,
	AreaHistology: true, AreaPhlebotomy: true, AreaCytometry: true,
	AreaManagement: true, AreaEducation: true, AreaOther: true,
}

// Valid reports whether a is a content area of R-AREA-1.
func (a Area) Valid() bool { return contentAreas[a] }
