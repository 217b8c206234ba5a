package payment

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
)

// R-PAY-2: the stored answer (replayed for an Idempotency-Key) gets the
// payment's client secret added, every other member kept as it was.
func TestAttach(t *testing.T) {
	body := []byte(`{"id":"D1","status":"awaiting_payment","payment":{"status":"requires_payment","amountCents":9500}}`)
	out, err := Attach(body, Info{Status: RequiresPayment, AmountCents: 9500, ClientSecret: "pi_1_secret_2"})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ID, Status string
		Payment    Info
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "D1" || got.Status != "awaiting_payment" || got.Payment.ClientSecret != "pi_1_secret_2" || got.Payment.AmountCents != 9500 {
		t.Errorf("attached %s", out)
	}
	if _, err := Attach([]byte(`[1]`), Info{}); err == nil {
		t.Error("an answer that is not an object was accepted")
	}
}

// R-PAY-1: a zero total needs no payment; any other is owed in full.
func TestDue(t *testing.T) {
	if d := Due(0); d.Status != NotRequired || d.AmountCents != 0 {
		t.Errorf("Due(0) = %+v", d)
	}
	if d := Due(1500); d.Status != RequiresPayment || d.AmountCents != 1500 {
		t.Errorf("Due(1500) = %+v", d)
	}
}

// R-PAY-4: the job cancels on the first board day whose run comes 24 hours
// or more after the creation, whatever time of day the job runs.
func TestCancelOn(t *testing.T) {
	ny := calendar.Zone
	for _, tc := range []struct {
		created time.Time
		want    string
	}{
		{time.Date(2026, 12, 1, 0, 30, 0, 0, ny), "2026-12-03"},
		{time.Date(2026, 12, 1, 23, 59, 0, 0, ny), "2026-12-03"},
		// 23:30 New York is already the next day in UTC: the board's day counts.
		{time.Date(2026, 12, 1, 23, 30, 0, 0, ny).UTC(), "2026-12-03"},
		{time.Date(2026, 12, 31, 12, 0, 0, 0, ny), "2027-01-02"},
	} {
		if got := CancelOn(tc.created).String(); got != tc.want {
			t.Errorf("created %s: cancel on %s, want %s", tc.created, got, tc.want)
		}
	}
}
