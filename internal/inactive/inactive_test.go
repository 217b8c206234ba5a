package inactive

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
)

func valid() Request {
	return Request{Certification: "ASCPi-MLS", Reason: "two years abroad", Basis: "illness",
		Documents: []Document{{FileName: "letter.pdf"}}}
}

// R-INA-1: a request names the certification, a reason, a basis and documentation.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Request)
		field string
	}{
		{"valid", func(*Request) {}, ""},
		{"no certification", func(r *Request) { r.Certification = "" }, "certification"},
		{"no reason", func(r *Request) { r.Reason = "  " }, "reason"},
		{"reason too long", func(r *Request) { r.Reason = strings.Repeat("x", maxReason+1) }, "reason"},
		{"basis with spaces", func(r *Request) { r.Basis = "Mandatory Service" }, "basis"},
		{"no documents", func(r *Request) { r.Documents = nil }, "documents"},
		{"too many documents", func(r *Request) { r.Documents = make([]Document, maxDocuments+1) }, "documents"},
		{"file name with a path", func(r *Request) { r.Documents[0].FileName = "../etc/passwd" }, "documents[0].fileName"},
	} {
		r := valid()
		tc.edit(&r)
		err := Validate(r)
		var v *fielderr.Invalid
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &v) || v.Fields[0].Field != tc.field):
			t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.field)
		}
	}
}

// R-FEE-4: 40.00, waived for mandatory military service.
func TestPrice(t *testing.T) {
	now := time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)
	for basis, want := range map[string]int64{"illness": 4000, fees.BasisMandatoryMilitaryService: 0} {
		r := valid()
		r.Basis = basis
		q, err := Price(fees.DefaultTariff(), r, now)
		if err != nil || q.TotalCents != want || len(q.Lines) != 1 || q.Lines[0].Rule != "R-FEE-4" {
			t.Errorf("%s: %+v %v, want one R-FEE-4 line of %d", basis, q, err, want)
		}
	}
}
