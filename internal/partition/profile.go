package partition

import (
	"slices"

	"github.com/boc/cmp/internal/dynamo"
)

// Name is a certificant's name as printed on credentials.
type Name struct {
	Given  string `json:"given"`
	Family string `json:"family"`
}

// Profile is a certificant with their certifications.
type Profile struct {
	ID             string          `json:"id"`
	Name           Name            `json:"name"`
	Email          string          `json:"email"`
	Country        string          `json:"country"`
	CreatedAt      string          `json:"createdAt"`
	Certifications []Certification `json:"certifications"`
}

// Public is the profile as anyone but staff may see it: a certification
// earned by a pass whose score is still held is not shown (R-EXAM-2).
func (p Profile) Public() Profile {
	p.Certifications = slices.DeleteFunc(slices.Clone(p.Certifications), func(c Certification) bool { return c.ScoreHeld })
	return p
}

// ProfileItem is the stored profile (sk=PROFILE), decoded by partition readers.
type ProfileItem struct {
	dynamo.Key
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	Given     string `dynamodbav:"given"`
	Family    string `dynamodbav:"family"`
	Email     string `dynamodbav:"email"`
	Country   string `dynamodbav:"country"`
	CreatedAt string `dynamodbav:"createdAt"`
}

// Profile is the profile of the item, without certifications.
func (it ProfileItem) Profile() Profile {
	return Profile{ID: it.ID, Name: Name{Given: it.Given, Family: it.Family}, Email: it.Email,
		Country: it.Country, CreatedAt: it.CreatedAt, Certifications: []Certification{}}
}

// Item is the stored profile (certifications are items of their own).
func (p Profile) Item() ProfileItem {
	return ProfileItem{Key: dynamo.ProfileKey(p.ID), Type: "certificant", ID: p.ID,
		Given: p.Name.Given, Family: p.Name.Family, Email: p.Email, Country: p.Country, CreatedAt: p.CreatedAt}
}
