package declarationsapi

import (
	"strings"
	"testing"
)

// FuzzSubmitBody drives POST /v1/declarations body decoding and the whole
// submission through the real router (fake store and loader): any input
// gets an answer below 500, never a panic. Seeds live in testdata/fuzz.
func FuzzSubmitBody(f *testing.F) {
	f.Add(mlsBody, "")
	f.Add(`{"certificantId":"c-1","certification":"ASCPi-MLS","allocations":[{"activityId":"a-safety","area":"safety","points":"1.00"}]}`, "k-1")
	f.Add(`{"certificantId":"c-1","certification":"ascpi-sbb","allocations":[]}`, "")
	f.Add(`{"certificantId":"c-1","certification":"ASCPi-MLS","allocations":[{"activityId":"a-rest","area":"related","points":1e9}]}`, "")
	f.Fuzz(func(t *testing.T, body, key string) {
		fx := newFixture(ny("2024-11-12", 10), mlsTranscript())
		resp := fx.call(RouteSubmit, "c-1", "", body, nil, "Idempotency-Key", key)
		if resp.StatusCode >= 500 || !strings.HasPrefix(resp.Headers["Content-Type"], "application/") {
			t.Fatalf("%q: %d %s", body, resp.StatusCode, resp.Body)
		}
	})
}

// FuzzGetID drives the id path parameters of the read routes.
func FuzzGetID(f *testing.F) {
	f.Add("c-1")
	f.Add("")
	f.Add(strings.Repeat("x", 300))
	f.Fuzz(func(t *testing.T, id string) {
		fx := newFixture(ny("2024-11-12", 10), mlsTranscript())
		for _, route := range []string{RouteGet, RouteList} {
			if resp := fx.call(route, "c-1", "", "", map[string]string{"id": id}); resp.StatusCode >= 500 {
				t.Fatalf("%s %q: %d %s", route, id, resp.StatusCode, resp.Body)
			}
		}
	})
}
