package robustness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// requests is how many mutated requests the fuzz test sends (issue 11: at
// least 10,000), spread over every route.
const requests = 10000

const certificant = "c-fuzz"

// seeds are well-formed bodies per route path, the starting points of the
// mutations; a route without one starts from {}.
func seeds(activityID string) map[string][]string {
	today := calendar.Today(time.Now())
	on := today.AddDays(-20).String()
	return map[string][]string{
		"/v1/certificants":                     {`{"name":{"given":"Ana","family":"Reyes"},"email":"fuzz@example.org","country":"PH"}`},
		"/v1/certificants/{id}/certifications": {`{"program":"ASCPi","category":"SBB","startedOn":"` + today.AddMonths(-30).String() + `"}`},
		"/v1/certificants/{id}/activities": {`{"type":"formal_ce","title":"Safety","provider":"ASCLS","completedOn":"` + on +
			`","areas":["safety"],"contactHours":"1.5","accreditation":"ASCLS_PACE"}`, `{"type":"poster","title":"P","provider":"X","completedOn":"` + on + `","areas":["ethics"]}`},
		"/v1/certificants/{id}/inactive-requests":                      {`{"certification":"ASCPi-MLS","reason":"leave\nof absence","basis":"unemployed","documents":[{"fileName":"a.pdf"}]}`},
		"/v1/certificants/{id}/inactive-requests/{requestId}/decision": {`{"decision":"approve"}`},
		"/v1/certificants/{id}/transcripts-received":                   {`{"receivedOn":"` + today.String() + `"}`},
		"/v1/fees/quote":                   {`{"certificantId":"` + certificant + `","items":[{"kind":"cmp_declaration","certification":"ASCPi-MLS"},{"kind":"verification","count":2}]}`},
		"/v1/declarations":                 {`{"certificantId":"` + certificant + `","certification":"ASCPi-MLS"}`, `{"certificantId":"` + certificant + `","certification":"ASCPi-MLS","allocations":[{"activityId":"` + activityID + `","area":"safety","points":"1.50"}]}`},
		"/v1/declarations/{id}/decisions":  {`{"decision":"deficient","reasons":["missing","points"]}`},
		"/v1/declarations/{id}/resolution": {`{"allocations":[{"activityId":"` + activityID + `","area":"safety","points":"1.00"}]}`},
		"/v1/declarations/{id}/documents":  {`{"activityId":"` + activityID + `","kind":"certificate","fileName":"c.pdf","language":"en","translated":false}`},
		"/v1/exam-attempts":                {`{"certificantId":"` + certificant + `","program":"ASCPi","category":"MLS","route":"1","examDate":"` + on + `","scaledScore":520,"passed":true}`},
		"/v1/score-reviews":                {`{"attemptId":"x"}`},
		"/v1/verification-orders":          {`{"certificantId":"` + certificant + `","certification":"ASCPi-MLS","recipients":[{"kind":"employer","name":"Lab","email":"lab@example.org"}]}`},
	}
}

// nasty are values a mutation drops into a body, a path or a header.
var nasty = []string{
	"", " ", "null", "0", "-1", "1e309", "9999999999999999999999", "true", "[]", "{}", `"`, `\`, "%", "%00", "%2F", "..", "../..",
	"\x00", "\x7f", "\u0085", "\u202e", "\u200b", "\ufeff", "\xff\xfe", "\xc3", "é", "李", "😀", "a\nb", "a\tb",
	strings.Repeat("x", 1100), strings.Repeat("é", 600), strings.Repeat("[", 200), "ASCPi-", "ASCP-MLT", "c-fuzz#x", "CLAIM#a",
	"2026-02-30", "0000-00-00", "9999-12-31", "1.005", "-0.50", "NaN",
}

// headerValues are the nasty values a client can send as a header value
// (net/http refuses control characters other than tab in them).
var headerValues = func() []string {
	var out []string
	for _, v := range nasty {
		if strings.IndexFunc(v, func(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }) < 0 {
			out = append(out, v)
		}
	}
	return out
}()

// mutate returns a changed copy of body.
func mutate(r *rand.Rand, body string) string {
	pick := func() string { return nasty[r.IntN(len(nasty))] }
	switch r.IntN(12) {
	case 0: // flip bytes
		b := []byte(body)
		for range 1 + r.IntN(3) {
			if len(b) > 0 {
				b[r.IntN(len(b))] = byte(r.IntN(256))
			}
		}
		return string(b)
	case 1: // truncate
		if len(body) > 0 {
			return body[:r.IntN(len(body))]
		}
		return body
	case 2: // a JSON value replaced by another kind
		var v any
		if json.Unmarshal([]byte(body), &v) == nil {
			replaceSome(r, v)
			if out, err := json.Marshal(v); err == nil {
				return string(out)
			}
		}
		return pick()
	case 3: // duplicate a key
		return strings.Replace(body, "{", `{"certificantId":"a",`, 1)
	case 4: // a key in another case
		if i := strings.Index(body, `"`); i >= 0 && i+1 < len(body) {
			return body[:i+1] + strings.ToUpper(body[i+1:i+2]) + body[i+2:]
		}
		return body
	case 5: // an unknown field
		return strings.Replace(body, "{", `{"zz":1,`, 1)
	case 6: // a string value replaced by a nasty one
		parts := strings.Split(body, `":"`)
		if len(parts) > 1 {
			i := 1 + r.IntN(len(parts)-1)
			rest := parts[i]
			if j := strings.Index(rest, `"`); j >= 0 {
				enc, _ := json.Marshal(pick())
				parts[i] = strings.Trim(string(enc), `"`) + rest[j:]
			}
		}
		return strings.Join(parts, `":"`)
	case 7: // raw nasty bytes inside a string
		return strings.Replace(body, `":"`, `":"`+pick(), 1)
	case 8: // whole body replaced
		return pick()
	case 9: // deep nesting
		return strings.Repeat(`{"a":`, 300) + "1" + strings.Repeat("}", 300)
	case 10: // a huge array
		return `{"items":[` + strings.Repeat(`{"kind":"verification"},`, 2000) + `{}]}`
	default: // unchanged (other parts of the request are mutated)
		return body
	}
}

// replaceSome changes some values of a decoded JSON document in place.
func replaceSome(r *rand.Rand, v any) {
	kinds := []any{nil, 1.5, -3.0, "x", true, []any{}, map[string]any{}, strings.Repeat("y", 1100)}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if r.IntN(3) == 0 {
				x[k] = kinds[r.IntN(len(kinds))]
			} else {
				replaceSome(r, e)
			}
		}
	case []any:
		for i, e := range x {
			if r.IntN(3) == 0 {
				x[i] = kinds[r.IntN(len(kinds))]
			} else {
				replaceSome(r, e)
			}
		}
	}
}

// Issue 11, acceptance: at least 10,000 mutated bodies, paths and headers
// across every route of template.yaml through the local stack: not one 5xx,
// and every error is problem+json.
func TestFuzzEveryRoute(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-fuzz", "staff")
	self := s.Token(certificant)
	if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": certificant,
		"name": map[string]string{"given": "Ana", "family": "Reyes"}, "email": "c-fuzz@example.org", "country": "PH"}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := s.Do(t, "POST", "/v1/certificants/"+certificant+"/certifications", staff, map[string]any{"program": "ASCPi", "category": "MLS",
		"startedOn": calendar.Today(time.Now()).FirstOfMonth().AddMonths(-34).String()}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	seed := seeds("")
	r := s.Do(t, "POST", "/v1/certificants/"+certificant+"/activities", self, []byte(seed["/v1/certificants/{id}/activities"][0]))
	var act struct {
		ID string `json:"id"`
	}
	if r.Status != 201 || json.Unmarshal(r.Body, &act) != nil {
		t.Fatalf("activity: %d %s", r.Status, r.Body)
	}
	seed = seeds(act.ID)
	params := map[string]string{"id": certificant, "activityId": act.ID, "key": "ASCPi-MLS"}

	type route struct{ method, path string }
	var routes []route
	for _, f := range s.Template().Functions {
		for _, h := range f.HTTP {
			routes = append(routes, route{h.Method, h.Path})
		}
	}
	if len(routes) == 0 {
		t.Fatal("no routes in the template")
	}
	tokens := []string{self, staff, s.Token("c-fuzz-other"), "", s.Token("c-fuzz", "lab,staff")}
	contentTypes := []string{"application/json", "application/json", "application/json", "text/plain", "", "application/json; charset=latin1", "multipart/form-data"}
	client := &http.Client{Timeout: time.Minute}

	var sent, failed atomic.Int64
	statuses := sync.Map{}
	var mu sync.Mutex
	var failures []string
	fail := func(msg string) {
		failed.Add(1)
		mu.Lock()
		if len(failures) < 20 {
			failures = append(failures, msg)
		}
		mu.Unlock()
	}
	const workers = 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(11, uint64(w)))
			for i := w; i < requests; i += workers {
				rt := routes[i%len(routes)]
				path := rt.path
				for _, seg := range strings.Split(rt.path, "/") {
					if !strings.HasPrefix(seg, "{") {
						continue
					}
					v := params[strings.Trim(seg, "{}+")]
					if v == "" || rng.IntN(3) == 0 {
						v = nasty[rng.IntN(len(nasty))]
					}
					path = strings.Replace(path, seg, url.PathEscape(v), 1)
				}
				var body string
				if rt.method != "GET" && rt.method != "DELETE" {
					bodies := seed[rt.path]
					if len(bodies) == 0 {
						bodies = []string{`{}`}
					}
					body = mutate(rng, bodies[rng.IntN(len(bodies))])
				} else if rng.IntN(8) == 0 {
					body = nasty[rng.IntN(len(nasty))]
				}
				req, err := http.NewRequest(rt.method, s.APIURL+path, strings.NewReader(body))
				if err != nil {
					continue // a path Go itself refuses to send is not a request
				}
				if ct := contentTypes[rng.IntN(len(contentTypes))]; ct != "" {
					req.Header.Set("Content-Type", ct)
				}
				if tok := tokens[rng.IntN(len(tokens))]; tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				if rng.IntN(4) == 0 {
					req.Header.Set("Idempotency-Key", headerValues[rng.IntN(len(headerValues))])
				}
				resp, err := client.Do(req)
				if err != nil {
					fail(fmt.Sprintf("%s %s: %v", rt.method, path, err))
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				sent.Add(1)
				n, _ := statuses.LoadOrStore(resp.StatusCode, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				short := string(b)
				if len(short) > 300 {
					short = short[:300]
				}
				if resp.StatusCode >= 500 {
					fail(fmt.Sprintf("%s %s (body %.200q): %d %s", rt.method, path, body, resp.StatusCode, short))
					continue
				}
				if resp.StatusCode >= 400 {
					var p struct {
						Status int `json:"status"`
					}
					if resp.Header.Get("Content-Type") != "application/problem+json" || json.NewDecoder(bytes.NewReader(b)).Decode(&p) != nil || p.Status != resp.StatusCode {
						fail(fmt.Sprintf("%s %s: %d %s %s, want problem+json", rt.method, path, resp.StatusCode, resp.Header.Get("Content-Type"), short))
					}
				}
			}
		})
	}
	wg.Wait()
	var counts []string
	statuses.Range(func(k, v any) bool {
		counts = append(counts, fmt.Sprintf("%d:%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	t.Logf("fuzz: %d mutated requests over %d routes, %d 5xx or non-problem errors; statuses %v", sent.Load(), len(routes), failed.Load(), counts)
	for _, f := range failures {
		t.Error(f)
	}
	if sent.Load() < requests*9/10 {
		t.Errorf("only %d of %d requests were answered", sent.Load(), requests)
	}
}
