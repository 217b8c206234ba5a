// Package invokeapi serves the Lambda Invoke API as `sam local start-lambda`
// does: POST /2015-03-31/functions/{name}/invocations, so
// `aws lambda invoke --endpoint-url` and the tests reach any function with a
// crafted event.
package invokeapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/boc/cmp/infra/local/runtimeapi"
)

const maxPayloadBytes = 6 << 20

// Invoker runs one invocation of a function and reports its request id and
// log (runtimeapi.Function).
type Invoker interface {
	InvokeLogged(ctx context.Context, payload []byte) (runtimeapi.Invocation, error)
}

// Handler returns the Invoke API over the functions, keyed by logical id.
func Handler(fns map[string]Invoker, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		// Lambda names every answer, errors included, by a request id; a
		// successful invocation's is the id the function saw.
		w.Header().Set("X-Amzn-RequestId", runtimeapi.NewRequestID())
		fn, ok := fns[r.PathValue("name")]
		if !ok {
			awsError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+r.PathValue("name"))
			return
		}
		payload, err := io.ReadAll(io.LimitReader(r.Body, maxPayloadBytes+1))
		if err != nil || len(payload) > maxPayloadBytes {
			awsError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "request payload exceeds 6 MB")
			return
		}
		if len(payload) == 0 {
			payload = []byte("{}")
		}
		if !json.Valid(payload) {
			awsError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not parse request body into json")
			return
		}
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		switch r.Header.Get("X-Amz-Invocation-Type") {
		case "Event":
			// Asynchronous: accepted now, run detached from the request.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
				defer cancel()
				if _, err := fn.InvokeLogged(ctx, payload); err != nil {
					log.Error("async invocation failed", "function", r.PathValue("name"), "err", err.Error())
				}
			}()
			w.WriteHeader(http.StatusAccepted)
			return
		case "DryRun":
			w.WriteHeader(http.StatusNoContent)
			return
		}
		res, err := fn.InvokeLogged(r.Context(), payload)
		if res.RequestID != "" {
			w.Header().Set("X-Amzn-RequestId", res.RequestID)
		}
		// LogType Tail: the last 4 KB of the invocation's log, base64, as the
		// aws CLI's --log-type Tail decodes it.
		if r.Header.Get("X-Amz-Log-Type") == "Tail" && res.Log != nil {
			w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(tail(res.Log, runtimeapi.LogTailBytes)))
		}
		var fe *runtimeapi.FunctionError
		switch {
		case errors.As(err, &fe):
			// Lambda answers 200 with X-Amz-Function-Error and the error as the payload.
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_ = json.NewEncoder(w).Encode(fe)
		case err != nil:
			awsError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(res.Payload)
		}
	})
	return mux
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}
