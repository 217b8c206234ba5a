package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"github.com/boc/cmp/internal/fielderr"
)

// MaxBody is the largest request body accepted (decoded), per api.md.
const MaxBody = 64 << 10

// Request is what a handler sees of an HTTP API event.
type Request struct {
	RouteKey  string
	Params    map[string]string // path parameters
	Query     map[string]string
	Headers   map[string]string // names lower-cased
	Principal Principal
	RequestID string
	Log       *slog.Logger // carries the request id and route

	body []byte
}

// Param returns a path parameter.
func (r *Request) Param(name string) string { return r.Params[name] }

// Header returns a header by case-insensitive name.
func (r *Request) Header(name string) string { return r.Headers[strings.ToLower(name)] }

// IdempotencyKey returns the Idempotency-Key header, trimmed ("" if absent).
//
// A key longer than MaxIdempotencyKey or with anything but printable ASCII is
// a 400 problem: it becomes part of a table key.
func (r *Request) IdempotencyKey() (string, error) {
	key := strings.TrimSpace(r.Header("Idempotency-Key"))
	if len(key) > MaxIdempotencyKey || strings.IndexFunc(key, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsPrint(c) }) >= 0 {
		return "", BadRequest("invalid Idempotency-Key", fielderr.Field{Field: "Idempotency-Key",
			Message: fmt.Sprintf("at most %d printable ASCII characters", MaxIdempotencyKey)})
	}
	return key, nil
}

// MaxIdempotencyKey bounds the Idempotency-Key header of every idempotent route.
const MaxIdempotencyKey = 255

// Body returns the decoded request body.
func (r *Request) Body() []byte { return r.body }

// Decode reads the body strictly into dst: exactly one JSON value, no
// unknown fields, no trailing data, and api.md's strictness (checkStrict).
// Failures are 400 problems naming the field; a body that is not
// application/json is 415.
func (r *Request) Decode(dst any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return BadRequest("request body is empty; a JSON object is expected")
	}
	if err := r.checkContentType(); err != nil {
		return err
	}
	if err := checkStrict(r.body, dst); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return BadRequest("unexpected data after the JSON value")
	}
	return nil
}

func decodeProblem(err error) *Problem {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return BadRequest(fmt.Sprintf("expected a JSON %s", expectedKind(typeErr)))
		}
		return BadRequest("wrong type", fielderr.Field{Field: field, Message: "expected " + expectedKind(typeErr)})
	case errors.As(err, &syntaxErr):
		return BadRequest(fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return BadRequest("unknown field", fielderr.Field{Field: field, Message: "unknown field"})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("malformed JSON: unexpected end of input")
	}
	// Value errors from custom unmarshalers (dates, enums) carry their own text.
	return BadRequest(err.Error())
}

func expectedKind(e *json.UnmarshalTypeError) string {
	if e.Type == nil {
		return "value"
	}
	switch e.Type.Kind().String() {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
	default:
		return "a number"
	}
}

// newRequest adapts the event; a body over limit bytes is a 413 problem.
func newRequest(ev events.APIGatewayV2HTTPRequest, limit int, log *slog.Logger) (*Request, error) {
	tooLarge := NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d KiB", limit>>10))
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		// Check before decoding so a huge body is never materialised.
		if base64.StdEncoding.DecodedLen(len(ev.Body)) > limit+2 {
			return nil, tooLarge
		}
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, BadRequest("body is not valid base64")
		}
	}
	if len(body) > limit {
		return nil, tooLarge
	}
	headers := make(map[string]string, len(ev.Headers))
	for k, v := range ev.Headers {
		headers[strings.ToLower(k)] = v
	}
	return &Request{
		RouteKey:  ev.RouteKey,
		Params:    ev.PathParameters,
		Query:     ev.QueryStringParameters,
		Headers:   headers,
		Principal: PrincipalOf(ev),
		RequestID: ev.RequestContext.RequestID,
		Log:       log,
		body:      body,
	}, nil
}
