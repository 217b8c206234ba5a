package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/boc/cmp/internal/payment"
)

type infos struct {
	info payment.Info
	err  error
}

func (f infos) Info(context.Context, string, string) (payment.Info, error) { return f.info, f.err }

// R-PAY-2: a stored fee-bearing answer gets its intent's client secret; when
// the intent cannot be had now, the failure is answered as what it is (409
// while a twin prepares it, 503 while Stripe is down), never a 500.
func TestCompletePayment(t *testing.T) {
	owing := []byte(`{"id":"d-1","payment":{"status":"requires_payment","amountCents":9500}}`)
	tests := []struct {
		name   string
		infos  infos
		status int    // of the problem; 0: no problem
		want   string // in the body when completed
	}{
		{"completed", infos{info: payment.Info{Status: payment.RequiresPayment, AmountCents: 9500, ClientSecret: "pi_1_secret_2"}}, 0, `"clientSecret":"pi_1_secret_2"`},
		{"a twin prepares the intent", infos{err: fmt.Errorf("lease: %w", payment.ErrBusy)}, 409, ""},
		{"Stripe down", infos{err: fmt.Errorf("create: %w: %w", payment.ErrUnavailable, errors.New("dial tcp: refused"))}, 503, ""},
		{"anything else stays an error", infos{err: errors.New("dynamodb: throttled")}, 500, ""},
	}
	for _, tc := range tests {
		out, err := CompletePayment(context.Background(), tc.infos, "c-1", owing)
		var p *Problem
		switch {
		case tc.status == 0 && (err != nil || !strings.Contains(string(out), tc.want)):
			t.Errorf("%s: %s %v, want %s", tc.name, out, err, tc.want)
		case tc.status == 500 && (err == nil || errors.As(err, &p)):
			t.Errorf("%s: %v, want a plain error (500)", tc.name, err)
		case tc.status != 0 && tc.status != 500 && (!errors.As(err, &p) || p.Status != tc.status):
			t.Errorf("%s: %v, want a %d problem", tc.name, err, tc.status)
		}
	}
	// A waived fee owes nothing: no intent is asked for.
	free := []byte(`{"id":"d-2","payment":{"status":"not_required","amountCents":0}}`)
	if out, err := CompletePayment(context.Background(), infos{err: payment.ErrUnavailable}, "c-1", free); err != nil || string(out) != string(free) {
		t.Errorf("waived: %s %v, want the answer unchanged", out, err)
	}
}
