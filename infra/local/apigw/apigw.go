// Package apigw plays API Gateway HTTP API locally: it matches a request to a
// template route, runs the JWT authorizer, invokes the route's function with
// a payload format 2.0 event and turns its response back into HTTP.
package apigw

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/boc/cmp/infra/local/localjwt"
	"github.com/boc/cmp/infra/local/problem"
)

// HTTP API limits (API Gateway quotas for HTTP APIs).
const (
	maxBodyBytes       = 10 << 20
	integrationTimeout = 30 * time.Second
	// MaxHeaderBytes is the quota on the request line and header values
	// together; a bearer token larger than what fits is never seen by the
	// authorizer.
	MaxHeaderBytes = 10240
)

// Invoker runs one invocation of a function.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Route binds a template route to its function.
type Route struct {
	Method string // upper case, or ANY
	Path   string // /v1/certificants/{id}, /files/{proxy+}, or $default
	NoAuth bool
	Fn     Invoker
}

// Server is the local HTTP API; it is an http.Handler.
type Server struct {
	routes []Route
	secret string
	log    *slog.Logger
}

// New checks the routes and returns the API. jwtSecret signs local tokens.
func New(routes []Route, jwtSecret string, log *slog.Logger) (*Server, error) {
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			return nil, fmt.Errorf("route %s is declared twice", key)
		}
		seen[key] = true
	}
	rs := append([]Route(nil), routes...)
	// API Gateway prefers the most specific route: literal segments over
	// parameters over greedy ones, and $default last.
	sort.SliceStable(rs, func(i, j int) bool { return specificity(rs[i]) > specificity(rs[j]) })
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{routes: rs, secret: jwtSecret, log: log}, nil
}

func specificity(r Route) int {
	if r.Path == "$default" {
		return -1 << 20
	}
	score := 0
	for _, seg := range strings.Split(strings.Trim(r.Path, "/"), "/") {
		switch {
		case strings.HasSuffix(seg, "+}"):
			score -= 1000
		case strings.HasPrefix(seg, "{"):
			score += 1
		default:
			score += 10
		}
	}
	if r.Method != "ANY" {
		score++
	}
	return score
}

// match returns the route and its path parameters.
func (s *Server) match(method, path string) (*Route, map[string]string, bool) {
	for i := range s.routes {
		r := &s.routes[i]
		if r.Method != "ANY" && r.Method != method {
			continue
		}
		if r.Path == "$default" {
			return r, nil, true
		}
		if params, ok := matchPath(r.Path, path); ok {
			return r, params, true
		}
	}
	return nil, nil, false
}

func matchPath(pattern, path string) (map[string]string, bool) {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	params := map[string]string{}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}") {
			if i >= len(xs) || strings.Join(xs[i:], "") == "" {
				return nil, false
			}
			params[p[1:len(p)-2]] = strings.Join(xs[i:], "/")
			return params, true
		}
		if i >= len(xs) {
			return nil, false
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(xs[i])
			if err != nil {
				return nil, false
			}
			params[p[1:len(p)-1]] = v
			continue
		}
		if p != xs[i] {
			return nil, false
		}
	}
	if len(xs) != len(ps) {
		return nil, false
	}
	if len(params) == 0 {
		params = nil
	}
	return params, true
}

// ServeHTTP implements the HTTP API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if headerBytes(r) > MaxHeaderBytes {
		problem.Write(w, http.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf("the request line and headers exceed %d bytes", MaxHeaderBytes))
		return
	}
	route, params, ok := s.match(r.Method, r.URL.EscapedPath())
	if !ok {
		problem.Write(w, http.StatusNotFound, "no route for "+r.Method+" "+r.URL.Path)
		return
	}
	var claims map[string]string
	var scopes []string
	if !route.NoAuth {
		var err error
		claims, scopes, err = localjwt.Verify(s.secret, r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cmp-local"`)
			problem.Write(w, http.StatusUnauthorized, "a valid bearer token is required")
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		problem.Write(w, http.StatusBadRequest, "cannot read the request body")
		return
	}
	if len(body) > maxBodyBytes {
		problem.Write(w, http.StatusRequestEntityTooLarge, "request body exceeds the HTTP API limit")
		return
	}
	ev := s.event(r, route, params, claims, scopes, body)
	payload, err := json.Marshal(ev)
	if err != nil {
		problem.Write(w, http.StatusInternalServerError, "cannot encode the event")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), integrationTimeout)
	defer cancel()
	out, err := route.Fn.Invoke(ctx, payload)
	if err != nil {
		// API Gateway answers a failed integration with 502, a timed out one
		// with 503; the body is a problem document as api.md promises.
		status := http.StatusBadGateway
		if ctx.Err() != nil {
			status = http.StatusServiceUnavailable
		}
		s.log.Error("integration failed", "routeKey", ev.RouteKey, "requestId", ev.RequestContext.RequestID, "status", status, "err", err.Error())
		problem.Write(w, status, "the function failed; see the runner log for request "+ev.RequestContext.RequestID)
		return
	}
	if err := writeResponse(w, out); err != nil {
		s.log.Error("malformed function response", "routeKey", ev.RouteKey, "requestId", ev.RequestContext.RequestID, "err", err.Error())
		problem.Write(w, http.StatusBadGateway, "the function returned a malformed response")
	}
}

// headerBytes is the size of the request line plus header values, as the
// quota counts them.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto)
	for _, vs := range r.Header {
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

func (s *Server) event(r *http.Request, route *Route, params, claims map[string]string, scopes []string, body []byte) events.APIGatewayV2HTTPRequest {
	routeKey := route.Method + " " + route.Path
	if route.Path == "$default" {
		routeKey = "$default"
	}
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" { // payload 2.0 moves cookies into their own field
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = make(map[string]string, len(q))
		for k, vs := range q {
			query[k] = strings.Join(vs, ",")
		}
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    requestID(),
			APIID:        "local",
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: scopes},
		}
	}
	if len(body) > 0 {
		// API Gateway base64-encodes bodies that are not text.
		if utf8.Valid(body) && isText(headers["content-type"]) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

func isText(contentType string) bool {
	ct := strings.ToLower(contentType)
	return ct == "" || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") ||
		strings.Contains(ct, "x-www-form-urlencoded") || strings.Contains(ct, "javascript")
}

// writeResponse turns a function's payload into the HTTP answer as payload
// format 2.0 does: a JSON object with statusCode is a structured response;
// anything else is a 200 application/json body.
func writeResponse(w http.ResponseWriter, out []byte) error {
	var probe map[string]json.RawMessage
	if json.Unmarshal(out, &probe) != nil || probe["statusCode"] == nil {
		if !json.Valid(out) {
			return fmt.Errorf("response is not JSON")
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
		return nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return fmt.Errorf("status code %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("decode base64 body: %w", err)
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
