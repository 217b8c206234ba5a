package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/boc/cmp/internal/fielderr"
)

// Problem is an RFC 9457 problem detail. Handlers return it as an error; the
// router turns it into an application/problem+json answer.
type Problem struct {
	Type       string           `json:"type"`
	Title      string           `json:"title"`
	Status     int              `json:"status"`
	Detail     string           `json:"detail,omitempty"`
	Errors     []fielderr.Field `json:"errors,omitempty"`
	Shortfalls any              `json:"shortfalls,omitempty"`
}

func (p *Problem) Error() string {
	if p.Detail == "" {
		return p.Title
	}
	return p.Title + ": " + p.Detail
}

// NewProblem builds a problem whose title is the status text; "about:blank"
// is the RFC's type for problems that need no more than their status.
func NewProblem(status int, detail string, errs ...fielderr.Field) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: errs}
}

// BadRequest is for malformed input: bad JSON, unknown fields, wrong types.
func BadRequest(detail string, errs ...fielderr.Field) *Problem {
	return NewProblem(http.StatusBadRequest, detail, errs...)
}

// Unprocessable is for well-formed input that breaks a rule.
func Unprocessable(detail string, errs ...fielderr.Field) *Problem {
	return NewProblem(http.StatusUnprocessableEntity, detail, errs...)
}

// NotFound also answers where existence must not leak to the caller.
func NotFound() *Problem { return NewProblem(http.StatusNotFound, "") }

// Forbidden is for an authenticated caller without the needed role.
func Forbidden(detail string, errs ...fielderr.Field) *Problem {
	return NewProblem(http.StatusForbidden, detail, errs...)
}

// Unauthorized is for a request without an authenticated principal.
func Unauthorized() *Problem { return NewProblem(http.StatusUnauthorized, "authentication required") }

// Conflict is for a state conflict: duplicate, already claimed, window closed.
func Conflict(detail string, errs ...fielderr.Field) *Problem {
	return NewProblem(http.StatusConflict, detail, errs...)
}

// Response renders the problem.
func (p *Problem) Response() events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(p)
	if err != nil {
		// Shortfalls is caller data; if it cannot be encoded, answer without it.
		body, _ = json.Marshal(Problem{Type: p.Type, Title: p.Title, Status: p.Status, Detail: p.Detail, Errors: p.Errors})
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: p.Status,
		Headers:    map[string]string{"Content-Type": "application/problem+json"},
		Body:       string(body),
	}
}

// JSON answers v as a JSON body with the given status.
func JSON(status int, v any) (events.APIGatewayV2HTTPResponse, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return EncodedJSON(status, body), nil
}

// EncodedJSON answers status with a body that is JSON already, such as a
// stored answer replayed for an Idempotency-Key.
func EncodedJSON(status int, body []byte) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}
}

// NoContent answers 204.
func NoContent() (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent}, nil
}
