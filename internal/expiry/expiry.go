// Package expiry is the daily expiration of certifications whose cycle ended
// (R-CYC-8) and the CM drop of voluntary participants (R-CYC-5).
package expiry

import (
	"context"
	"errors"
	"fmt"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/statuslist"
)

// Report is what one run did.
type Report struct {
	Day       string `json:"day"`
	Expired   int    `json:"expired"`
	CMDropped int    `json:"cmDropped"`
	Revoked   int    `json:"credentialsRevoked"`
	Unchanged int    `json:"unchanged"`
}

// Run handles the cycles that ended yesterday: a required certification is
// expired from today (R-CYC-8); a voluntary one keeps its plain credential
// with no expiration and its CM drops (R-CYC-5). Every update is
// conditional on the cycle end read, so a renewal in between wins and a
// rerun changes nothing.
func Run(ctx context.Context, table *dynamo.Table, today civil.Date) (Report, error) {
	ended := today.AddDays(-1).String()
	rep := Report{Day: today.String()}
	var errs []error
	for _, pk := range dynamo.DatePKs(dynamo.ExpiryDateKind, ended) {
		var items []partition.CertificationItem
		if err := table.QueryIndex(ctx, "ByDate", "datePk", pk, &items); err != nil {
			return rep, fmt.Errorf("expiry index %s: %w", pk, err)
		}
		for _, it := range items {
			if it.CycleEnd != ended {
				rep.Unchanged++
				continue
			}
			writes, err := update(it, today)
			switch {
			case err == nil && len(writes) == 1:
				err = table.Apply(ctx, writes[0])
			case err == nil:
				err = table.Transact(ctx, writes...)
			}
			switch {
			case errors.Is(err, dynamo.ErrConditionFailed):
				rep.Unchanged++
			case err != nil:
				errs = append(errs, fmt.Errorf("%s %s: %w", it.PK, it.Key, err))
			case it.CMPRequired:
				rep.Expired++
				rep.Revoked += len(writes) - 1
			default:
				rep.CMDropped++
			}
		}
	}
	return rep, errors.Join(errs...)
}

// update is the writes for one ended cycle: the certification's, and the
// revocation of the cycle's digital credential when one was issued, in the
// same transaction (R-CRED-3). The credential route takes no entry once the
// cycle end has passed, so the entry read here is the cycle's last.
func update(it partition.CertificationItem, today civil.Date) ([]dynamo.Write, error) {
	plain := calendar.Credential(it.Category, it.Program, civil.Date{}, today)
	if !it.CMPRequired {
		w, err := partition.DropCM("cm-drop", it.CertificantID, it.Key, it.CycleEnd, plain)
		return []dynamo.Write{w}, err
	}
	w, err := partition.Expire("expire", it.CertificantID, it.Key, it.CycleEnd, plain)
	if err != nil {
		return nil, err
	}
	writes := []dynamo.Write{w}
	if rev, ok, err := statuslist.SetFor("revoke", statuslist.Revocation, it.Entry, it.CycleStart); ok || err != nil {
		writes = append(writes, rev)
		return writes, err
	}
	return writes, nil
}
