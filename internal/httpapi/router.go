package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/boc/cmp/internal/fielderr"
)

// Response is what handlers answer.
type Response = events.APIGatewayV2HTTPResponse

// HandlerFunc serves one route. Returning a *Problem answers it; any other
// error is logged and answered as a bare 500 problem.
type HandlerFunc func(ctx context.Context, r *Request) (Response, error)

type route struct {
	handler HandlerFunc
	public  bool
	// providers: a CE provider's machine client may call it; it reaches no
	// other authenticated route (R-PROV-4).
	providers bool
	maxBody   int // 0: MaxBody
}

// Router dispatches one function's routes by API Gateway's routeKey
// ("GET /v1/certificants/{id}").
type Router struct {
	routes map[string]route
	log    *slog.Logger
}

// NewRouter returns an empty router logging to log.
func NewRouter(log *slog.Logger) *Router {
	return &Router{routes: map[string]route{}, log: log}
}

// Handle registers a route that needs an authenticated caller.
func (rt *Router) Handle(routeKey string, h HandlerFunc) { rt.routes[routeKey] = route{handler: h} }

// HandleProvider registers a route that CE provider clients may call (the
// handler still checks who calls); its body may reach maxBody bytes instead
// of MaxBody when maxBody > 0 (a batch of 500 completions).
func (rt *Router) HandleProvider(routeKey string, maxBody int, h HandlerFunc) {
	rt.routes[routeKey] = route{handler: h, providers: true, maxBody: maxBody}
}

// HandlePublic registers a route open to anonymous callers.
func (rt *Router) HandlePublic(routeKey string, h HandlerFunc) {
	rt.routes[routeKey] = route{handler: h, public: true}
}

// Routes lists the registered route keys, sorted.
func (rt *Router) Routes() []string {
	keys := make([]string, 0, len(rt.routes))
	for k := range rt.routes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Serve is the Lambda handler for an HTTP API (payload 2.0) event. It never
// returns an error: every failure becomes a problem answer.
func (rt *Router) Serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (resp Response) {
	start := time.Now()
	log := rt.log.With("requestId", ev.RequestContext.RequestID, "route", ev.RouteKey)
	defer func() {
		if v := recover(); v != nil {
			// The panic value may hold request data; log its type and the stack only.
			log.Error("handler panic", "panicType", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
			resp = NewProblem(http.StatusInternalServerError, "").Response()
		}
		log.Info("request", "status", resp.StatusCode, "durationMs", time.Since(start).Milliseconds())
	}()

	r, ok := rt.routes[ev.RouteKey]
	if !ok {
		return NotFound().Response()
	}
	limit := MaxBody
	if r.maxBody > 0 {
		limit = r.maxBody
	}
	req, err := newRequest(ev, limit, log)
	if err != nil {
		return asResponse(log, err)
	}
	if !r.public && !req.Principal.Authenticated() {
		return Unauthorized().Response()
	}
	if !r.public && !r.providers && req.Principal.IsProvider() {
		// Whatever its subject claims, a provider's token reaches no
		// certificant's or staff data (R-PROV-4).
		return Forbidden("CE provider clients reach only the provider routes (R-PROV-4)").Response()
	}
	if err := checkParams(req.Params); err != nil {
		return asResponse(log, err)
	}
	res, err := r.handler(ctx, req)
	if err != nil {
		return asResponse(log, err)
	}
	return res
}

// Handler adapts Serve to lambda.Start's (response, error) shape.
func (rt *Router) Handler() func(context.Context, events.APIGatewayV2HTTPRequest) (Response, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (Response, error) {
		return rt.Serve(ctx, ev), nil
	}
}

// asResponse answers a problem as it is and the domain's invalid input as
// 422; anything else is logged and a 500.
func asResponse(log *slog.Logger, err error) Response {
	var p *Problem
	if errors.As(err, &p) {
		return p.Response()
	}
	var invalid *fielderr.Invalid
	if errors.As(err, &invalid) {
		return Unprocessable(invalid.Detail, invalid.Fields...).Response()
	}
	log.Error("handler failed", "error", err.Error())
	return NewProblem(http.StatusInternalServerError, "").Response()
}

// NewLogger returns the JSON logger every function uses.
func NewLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, nil))
}
