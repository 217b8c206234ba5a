package certificants

import (
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
)

// TODO(issue 13): exams, inactive and verification still name these here
// while the payments work changes them; they move to partition last.
type (
	Certification     = partition.Certification
	CertificationItem = partition.CertificationItem
	CycleMove         = partition.CycleMove
	Name              = partition.Name
	Profile           = partition.Profile
)

// MoveCycle: see the TODO above.
func MoveCycle(label string, m CycleMove) (dynamo.Write, error) { return partition.MoveCycle(label, m) }

// NewCertificationItem: see the TODO above.
func NewCertificationItem(certificantID string, p partition.ProfileItem, c Certification) CertificationItem {
	return partition.NewCertificationItem(certificantID, p, c)
}
