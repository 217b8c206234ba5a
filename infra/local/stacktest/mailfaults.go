package stacktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/localparts"
)

// MailFaults injects SES faults for the rest of test t. The stack's
// aws-ses-v2-local stops; a fresh one starts on a port of its own, and the
// stack's mail address (the one functions were given, held by the stack
// throughout) forwards to a fault proxy in front of it. Each SendEmail call is
// numbered from 0 in arrival order; when fail(n) returns a status (429 or
// 5xx), the proxy answers with it as SES would, without forwarding: a failed
// call never reaches SES, so every message the store holds was accepted once.
// Other requests (Mail's GET /store) pass through. At cleanup the proxy and
// the fresh SES stop and the stack's own SES comes back with an empty store.
func (s *Stack) MailFaults(t testing.TB, fail func(n int) (status int)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	behind, err := localparts.Mail(ctx, filepath.Join(repoRoot(), "infra", "local", "node_modules"), io.Discard)
	if err != nil {
		t.Fatalf("mail faults: SES behind the proxy: %v", err)
	}
	target, err := url.Parse(behind.URL)
	if err != nil {
		behind.Stop()
		t.Fatalf("mail faults: %v", err)
	}
	// Port 0 held from bind to close: nothing can take it in between.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		behind.Stop()
		t.Fatalf("mail faults: proxy listener: %v", err)
	}
	srv := &http.Server{Handler: &faultProxy{next: httputil.NewSingleHostReverseProxy(target), fail: fail},
		ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.StopMail(t)
	s.s.RouteMail(ln.Addr().String())
	t.Cleanup(func() {
		if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("mail faults: close proxy: %v", err)
		}
		behind.Stop()
		s.StartMail(t)
	})
}

// faultProxy fails the SendEmail calls fail picks and forwards the rest.
type faultProxy struct {
	next http.Handler
	fail func(n int) int

	mu    sync.Mutex
	sends int
}

// sesErrors are the error types SES v2 answers with, by status: the SDK
// reads X-Amzn-ErrorType, so a 429 decodes as TooManyRequestsException.
var sesErrors = map[int]string{
	http.StatusTooManyRequests:     "TooManyRequestsException",
	http.StatusServiceUnavailable:  "ServiceUnavailable",
	http.StatusInternalServerError: "InternalFailure",
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/outbound-emails") {
		p.mu.Lock()
		n := p.sends
		p.sends++
		status := p.fail(n)
		p.mu.Unlock()
		if status != 0 {
			kind, ok := sesErrors[status]
			if !ok {
				kind = "InternalFailure"
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", kind)
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"message":"injected fault %d"}`, n)
			return
		}
	}
	p.next.ServeHTTP(w, r)
}
