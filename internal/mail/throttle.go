package mail

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
)

// DefaultSendRate is SES's default sending quota per second in a fresh
// production account (issue 7: 14 per second).
const DefaultSendRate = 14

// MessageSender sends one rendered message; *Sender is one.
type MessageSender interface {
	Send(ctx context.Context, to string, m Message) (string, error)
}

// Throttled keeps a MessageSender under a rate (a token bucket shared by all
// callers of this process) and retries what may succeed later: throttling
// (SES TooManyRequests, LimitExceeded) and server faults, with exponential
// backoff and full jitter. What still fails is returned, so the stream
// retries the record and finally dead-letters it.
type Throttled struct {
	next     MessageSender
	rate     float64 // tokens per second
	attempts int
	base     time.Duration // first backoff; doubles per attempt up to maxWait
	maxWait  time.Duration

	mu     sync.Mutex
	tokens float64
	last   time.Time
	now    func() time.Time
}

// NewThrottled wraps next: at most rate sends per second (burst 1, so SES
// never sees a spike), each tried up to attempts times.
func NewThrottled(next MessageSender, rate float64, attempts int) *Throttled {
	return &Throttled{next: next, rate: rate, attempts: max(attempts, 1), base: 100 * time.Millisecond,
		maxWait: 5 * time.Second, tokens: 1, now: time.Now}
}

// SendRateFromEnv reads MAIL_SEND_RATE (sends per second), DefaultSendRate
// when unset.
func SendRateFromEnv() (float64, error) {
	s := os.Getenv("MAIL_SEND_RATE")
	if s == "" {
		return DefaultSendRate, nil
	}
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || r <= 0 {
		return 0, fmt.Errorf("MAIL_SEND_RATE %q: want a positive number", s)
	}
	return r, nil
}

// Send waits for a token, sends, and retries retryable failures.
func (t *Throttled) Send(ctx context.Context, to string, m Message) (string, error) {
	var err error
	for attempt := range t.attempts {
		if attempt > 0 {
			if werr := sleep(ctx, t.backoff(attempt)); werr != nil {
				return "", fmt.Errorf("%w (after %w)", werr, err)
			}
		}
		if err = sleep(ctx, t.reserve()); err != nil {
			return "", err
		}
		var id string
		if id, err = t.next.Send(ctx, to, m); err == nil {
			return id, nil
		}
		if !Retryable(err) {
			return "", err
		}
	}
	return "", fmt.Errorf("mail: %d attempts: %w", t.attempts, err)
}

// reserve takes a token and says how long to wait until it is due. Tokens may
// go negative: each waiting caller holds its own future slot.
func (t *Throttled) reserve() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if !t.last.IsZero() {
		t.tokens = min(1, t.tokens+now.Sub(t.last).Seconds()*t.rate)
	}
	t.last = now
	t.tokens--
	if t.tokens >= 0 {
		return 0
	}
	return time.Duration(-t.tokens / t.rate * float64(time.Second))
}

// backoff is full jitter over an exponentially growing ceiling, so retries
// of parallel senders spread out instead of hitting SES together.
func (t *Throttled) backoff(attempt int) time.Duration {
	ceiling := min(t.maxWait, t.base<<min(attempt-1, 16))
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Retryable reports whether a failed send may succeed when tried again:
// throttling and server faults may; a bad recipient, a rejected message or
// a cancelled context will not.
func Retryable(err error) bool {
	if errors.Is(err, ErrBadRecipient) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var tooMany *types.TooManyRequestsException
	var limit *types.LimitExceededException
	if errors.As(err, &tooMany) || errors.As(err, &limit) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorFault() != smithy.FaultClient
	}
	return true // transport failures: no answer from SES at all
}
