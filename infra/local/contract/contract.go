// Package contract holds HTTP exchanges to openapi.yaml with a strict
// OpenAPI 3.1 / JSON Schema 2020-12 validator (pb33f/libopenapi-validator):
// every response must be one the document lists for its route (status,
// media type, body schema, undeclared properties refused), and a request the
// document refuses must not be answered with success. stacktest runs every
// exchange of every e2e test through it, so each e2e test is also a
// contract test.
package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Contract validates exchanges against one OpenAPI document and counts them.
type Contract struct {
	v validator.Validator
	// lenient judges the requests of open routes (openBody) without strict
	// mode: their bodies are a third party's, whose schema says
	// additionalProperties: true on purpose (Stripe's events, R-PAY-3).
	lenient validator.Validator
	open    map[string]bool
	model   *v3.Document
	opts    *config.ValidationOptions
	routes  []string // "METHOD /template" of every operation

	mu        sync.Mutex
	requests  int            // requests judged against the document
	responses int            // responses judged against the document
	unrouted  int            // exchanges on a path the document does not have
	traffic   map[string]int // route key -> exchanges
}

// options are the validator's settings: formats asserted (date, date-time,
// email), strict mode (a property the document does not declare is an
// error even where a schema forgot additionalProperties), and the headers
// the gateway and tests add that are no part of the contract.
func options() []config.Option {
	return append(lenientOptions(), config.WithStrictMode(),
		config.WithStrictIgnoredHeadersExtra("idempotency-key", "x-amzn-requestid", "apigw-requestid",
			"access-control-allow-origin", "location", "idempotency-replayed"))
}

// lenientOptions are options without strict mode, for open bodies (openBody).
func lenientOptions() []config.Option { return []config.Option{config.WithFormatAssertions()} }

// Load reads an OpenAPI 3.1 document.
func Load(path string) (*Contract, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	return New(raw)
}

// New builds a contract from the document's bytes.
func New(spec []byte) (*Contract, error) {
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, fmt.Errorf("contract: parse: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("contract: build model: %w", err)
	}
	v, errs := validator.NewValidator(doc, options()...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("contract: validator: %w", errorsJoin(errs))
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("contract: the document is not valid OpenAPI: %s", describe(verrs))
	}
	lenient, errs := validator.NewValidator(doc, lenientOptions()...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("contract: validator: %w", errorsJoin(errs))
	}
	c := &Contract{v: v, lenient: lenient, open: map[string]bool{}, model: &model.Model,
		opts: config.NewValidationOptions(options()...), traffic: map[string]int{}}
	for p, item := range model.Model.Paths.PathItems.FromOldest() {
		for m, op := range item.GetOperations().FromOldest() {
			key := strings.ToUpper(m) + " " + p
			c.routes = append(c.routes, key)
			c.open[key] = openBody(op)
		}
	}
	slices.Sort(c.routes)
	return c, nil
}

// openBody: the operation's JSON request body says additionalProperties:
// true at its top, explicitly, so members it does not list are allowed
// there; strict mode exists for schemas that forgot to say false.
func openBody(op *v3.Operation) bool {
	if op.RequestBody == nil || op.RequestBody.Content == nil {
		return false
	}
	mt := op.RequestBody.Content.GetOrZero("application/json")
	if mt == nil || mt.Schema == nil {
		return false
	}
	sch := mt.Schema.Schema()
	return sch != nil && sch.AdditionalProperties != nil && sch.AdditionalProperties.IsB() && sch.AdditionalProperties.B
}

func errorsJoin(errs []error) error {
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return fmt.Errorf("%s", b.String())
}

// Exchange is one request with the answer it got; bodies as bytes so both
// can be read more than once.
type Exchange struct {
	Request      *http.Request
	RequestBody  []byte
	Status       int
	Header       http.Header
	ResponseBody []byte
}

// Check judges one exchange. A non-nil error names the route and every
// mismatch; it is the API (or the document) that is wrong, never the test.
func (c *Contract) Check(x Exchange) error {
	req := x.Request.Clone(x.Request.Context())
	req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	pathItem, _, tmpl := paths.FindPath(req, c.model, c.opts)
	if pathItem == nil || pathItem.GetOperations().GetOrZero(strings.ToLower(req.Method)) == nil {
		c.mu.Lock()
		c.unrouted++
		c.mu.Unlock()
		// Not a route of the document: the gateway must refuse it.
		if x.Status != http.StatusNotFound && x.Status != http.StatusMethodNotAllowed {
			return fmt.Errorf("contract: %s %s is no route of openapi.yaml but answered %d", req.Method, req.URL.Path, x.Status)
		}
		return nil
	}
	key := strings.ToUpper(req.Method) + " " + tmpl

	judge := c.v
	if c.open[key] {
		judge = c.lenient
	}
	_, reqErrs := judge.ValidateHttpRequestSync(req)

	req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	resp := &http.Response{StatusCode: x.Status, Header: x.Header.Clone(), Request: req,
		Body: io.NopCloser(bytes.NewReader(x.ResponseBody)), ContentLength: int64(len(x.ResponseBody))}
	_, respErrs := c.v.ValidateHttpResponse(req, resp)

	c.mu.Lock()
	c.requests++
	c.responses++
	c.traffic[key]++
	c.mu.Unlock()

	var problems []string
	if len(respErrs) > 0 {
		problems = append(problems, "response "+describe(respErrs))
	}
	if len(reqErrs) > 0 && x.Status < 400 {
		problems = append(problems, fmt.Sprintf("the document refuses the request (%s) but the API answered %d", describe(reqErrs), x.Status))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("contract: %s (%d): %s\n  response body: %s", key, x.Status, strings.Join(problems, "; "), clip(x.ResponseBody))
}

func describe(errs []*vErrors.ValidationError) string {
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Message)
		if e.Reason != "" && e.Reason != e.Message {
			b.WriteString(": " + e.Reason)
		}
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, " [%s at %s (%s)]", s.Reason, s.FieldPath, s.KeywordLocation)
		}
	}
	return b.String()
}

func clip(b []byte) string {
	const max = 600
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// Report is what a contract saw: counts and the traffic per route.
type Report struct {
	Requests  int            `json:"requests"`
	Responses int            `json:"responses"`
	Unrouted  int            `json:"unrouted"`
	Routes    []string       `json:"routes"`
	Traffic   map[string]int `json:"traffic"`
}

// Report returns the counts so far.
func (c *Contract) Report() Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Report{Requests: c.requests, Responses: c.responses, Unrouted: c.unrouted,
		Routes: slices.Clone(c.routes), Traffic: map[string]int{}}
	for k, n := range c.traffic {
		r.Traffic[k] = n
	}
	return r
}

// Write stores the report as dir/name.json, for Summarize after the run.
func (r Report) Write(dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("contract: report dir: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("contract: encode report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), b, 0o644); err != nil {
		return fmt.Errorf("contract: write report: %w", err)
	}
	return nil
}

// Summarize adds up the reports in dir (one per e2e package) and lists the
// document's routes that no exchange reached.
func Summarize(dir string) (total Report, untouched []string, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return Report{}, nil, fmt.Errorf("contract: %w", err)
	}
	total.Traffic = map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return Report{}, nil, fmt.Errorf("contract: %w", err)
		}
		var r Report
		if err := json.Unmarshal(b, &r); err != nil {
			return Report{}, nil, fmt.Errorf("contract: %s: %w", f, err)
		}
		total.Requests += r.Requests
		total.Responses += r.Responses
		total.Unrouted += r.Unrouted
		for _, k := range r.Routes {
			if !slices.Contains(total.Routes, k) {
				total.Routes = append(total.Routes, k)
			}
		}
		for k, n := range r.Traffic {
			total.Traffic[k] += n
		}
	}
	slices.Sort(total.Routes)
	for _, k := range total.Routes {
		if total.Traffic[k] == 0 {
			untouched = append(untouched, k)
		}
	}
	return total, untouched, nil
}
