package mail

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

type scriptedSender struct {
	errs  []error // one per call; past the end, success
	calls int
}

func (s *scriptedSender) Send(context.Context, string, Message) (string, error) {
	s.calls++
	if s.calls <= len(s.errs) && s.errs[s.calls-1] != nil {
		return "", s.errs[s.calls-1]
	}
	return fmt.Sprintf("m-%d", s.calls), nil
}

// Throttling and server trouble are retried; a bad recipient or a rejected
// message is not; attempts are bounded and the last error is kept.
func TestThrottledRetries(t *testing.T) {
	throttled := &types.TooManyRequestsException{Message: new("slow down")}
	cases := []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   bool
	}{
		{"throttled twice then sent", []error{throttled, throttled}, 3, false},
		{"transport failure then sent", []error{errors.New("connection reset")}, 2, false},
		{"bad recipient", []error{ErrBadRecipient}, 1, true},
		{"rejected", []error{&types.MessageRejected{Message: new("no")}}, 1, true},
		{"throttled past the attempts", []error{throttled, throttled, throttled, throttled}, 4, true},
	}
	for _, c := range cases {
		s := &scriptedSender{errs: c.errs}
		th := NewThrottled(s, 1000, 4)
		th.base = time.Millisecond
		_, err := th.Send(context.Background(), "a@example.org", Message{})
		if s.calls != c.wantCalls || (err != nil) != c.wantErr {
			t.Errorf("%s: %d calls, err %v; want %d calls, error %v", c.name, s.calls, err, c.wantCalls, c.wantErr)
		}
		if c.wantErr && len(c.errs) > 0 && !errors.Is(err, c.errs[len(c.errs)-1]) && !errors.As(err, new(*types.MessageRejected)) {
			t.Errorf("%s: error %v does not keep the cause", c.name, err)
		}
	}
}

// The bucket hands out one send per 1/rate seconds and lets no burst build up
// while idle (SES quota is per second).
func TestThrottledSpacing(t *testing.T) {
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	th := NewThrottled(&scriptedSender{}, 10, 1)
	th.now = func() time.Time { return clock }
	var waits []time.Duration
	for range 3 {
		waits = append(waits, th.reserve())
	}
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}
	for i := range want {
		if d := waits[i] - want[i]; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("wait %d = %v, want %v", i, waits[i], want[i])
		}
	}
	clock = clock.Add(time.Hour) // idle: still only one token
	if w0, w1 := th.reserve(), th.reserve(); w0 != 0 || w1 < 99*time.Millisecond {
		t.Errorf("after idling: waits %v, %v; want 0 then 100ms", w0, w1)
	}
}

func TestSendRateFromEnv(t *testing.T) {
	t.Setenv("MAIL_SEND_RATE", "")
	if r, err := SendRateFromEnv(); err != nil || r != DefaultSendRate {
		t.Errorf("default rate %v, %v", r, err)
	}
	t.Setenv("MAIL_SEND_RATE", "-2")
	if _, err := SendRateFromEnv(); err == nil {
		t.Error("negative rate accepted")
	}
}
