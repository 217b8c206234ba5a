package stack

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// stripeCounter is the HTTP front of stripe-mock the functions call: it
// counts each request by method and path, because stripe-mock is stateless
// (it answers canned objects) and cannot tell how many PaymentIntents were
// asked of it (R-PAY-2: one per payable thing).
type stripeCounter struct {
	proxy *httputil.ReverseProxy
	mu    sync.Mutex
	n     map[string]int
}

func newStripeCounter(backend string) (*stripeCounter, error) {
	u, err := url.Parse(backend)
	if err != nil {
		return nil, err
	}
	return &stripeCounter{proxy: httputil.NewSingleHostReverseProxy(u), n: map[string]int{}}, nil
}

func (c *stripeCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	c.proxy.ServeHTTP(w, r)
}

func (c *stripeCounter) count(methodPath string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[methodPath]
}

// StripeRequests counts the requests the functions sent to stripe-mock
// with this method and path, e.g. "POST /v1/payment_intents".
func (s *Stack) StripeRequests(methodPath string) int { return s.stripeCount.count(methodPath) }
