package invokeapi

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/internal/testbin"
	"github.com/boc/cmp/infra/local/runtimeapi"
)

// serve runs the Invoke API over the real test function (infra/local/testdata/testfn).
func serve(t *testing.T) string {
	t.Helper()
	bin := testbin.Host(t, "testfn")
	fn := runtimeapi.New(runtimeapi.Config{Name: "TestFunction", Bootstrap: bin, TaskRoot: filepath.Dir(bin),
		Handler: "bootstrap", MemoryMB: 128, Timeout: 5 * time.Second})
	t.Cleanup(fn.Close)
	srv := httptest.NewServer(Handler(map[string]Invoker{"TestFunction": fn}, nil))
	t.Cleanup(srv.Close)
	return srv.URL + "/2015-03-31/functions/"
}

func invoke(t *testing.T, url, payload string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

var requestID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func logResult(t *testing.T, resp *http.Response) string {
	t.Helper()
	enc := resp.Header.Get("X-Amz-Log-Result")
	if enc == "" {
		t.Fatal("no X-Amz-Log-Result with X-Amz-Log-Type: Tail")
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatalf("X-Amz-Log-Result is not base64: %v", err)
	}
	return string(b)
}

// Lambda Invoke API: LogType Tail returns the invocation's log (START, the
// function's lines, END, REPORT, in that order) base64 in X-Amz-Log-Result,
// named by the same request id as x-amzn-RequestId.
func TestLogTail(t *testing.T) {
	url := serve(t)
	resp, _ := invoke(t, url+"TestFunction/invocations", `{"log":"hello from the handler"}`, "X-Amz-Log-Type", "Tail")
	id := resp.Header.Get("X-Amzn-RequestId")
	if !requestID.MatchString(id) {
		t.Fatalf("x-amzn-RequestId %q", id)
	}
	log := logResult(t, resp)
	var at []int
	for _, want := range []string{"START RequestId: " + id, "hello from the handler", "END RequestId: " + id, "REPORT RequestId: " + id} {
		i := strings.Index(log, want)
		if i < 0 {
			t.Fatalf("log tail lacks %q:\n%s", want, log)
		}
		at = append(at, i)
	}
	for i := 1; i < len(at); i++ {
		if at[i] < at[i-1] {
			t.Errorf("log tail out of order:\n%s", log)
		}
	}
	// The next invocation's tail is its own.
	resp, _ = invoke(t, url+"TestFunction/invocations", `{}`, "X-Amz-Log-Type", "Tail")
	if log := logResult(t, resp); strings.Contains(log, "hello from the handler") {
		t.Errorf("a later invocation's tail repeats an earlier one's lines:\n%s", log)
	}
	// Without LogType Tail, no log.
	if resp, _ = invoke(t, url+"TestFunction/invocations", `{}`); resp.Header.Get("X-Amz-Log-Result") != "" {
		t.Error("X-Amz-Log-Result without X-Amz-Log-Type: Tail")
	}
}

// Only the last 4 KB of a long log, as Lambda does.
func TestLogTailIsLast4KB(t *testing.T) {
	url := serve(t)
	line := strings.Repeat("x", 99)
	resp, _ := invoke(t, url+"TestFunction/invocations", `{"log":"`+line+`","logRepeat":100}`, "X-Amz-Log-Type", "Tail")
	log := logResult(t, resp)
	if len(log) != runtimeapi.LogTailBytes {
		t.Errorf("tail is %d bytes, want %d", len(log), runtimeapi.LogTailBytes)
	}
	if !strings.Contains(log, "REPORT RequestId: ") {
		t.Errorf("the tail lost the end of the log:\n%s", log)
	}
}

// Errors carry x-amzn-RequestId too; a function error also X-Amz-Executed-Version
// and its log tail.
func TestErrorHeaders(t *testing.T) {
	url := serve(t)
	resp, _ := invoke(t, url+"NoSuchFunction/invocations", `{}`)
	if resp.StatusCode != http.StatusNotFound || !requestID.MatchString(resp.Header.Get("X-Amzn-RequestId")) {
		t.Errorf("unknown function: %d, request id %q", resp.StatusCode, resp.Header.Get("X-Amzn-RequestId"))
	}
	resp, _ = invoke(t, url+"TestFunction/invocations", `not json`)
	if resp.StatusCode != http.StatusBadRequest || !requestID.MatchString(resp.Header.Get("X-Amzn-RequestId")) {
		t.Errorf("bad payload: %d, request id %q", resp.StatusCode, resp.Header.Get("X-Amzn-RequestId"))
	}
	resp, body := invoke(t, url+"TestFunction/invocations", `{"fail":"boom","log":"about to fail"}`, "X-Amz-Log-Type", "Tail")
	if resp.Header.Get("X-Amz-Function-Error") != "Unhandled" || !bytes.Contains(body, []byte("boom")) {
		t.Fatalf("function error: %v %s", resp.Header, body)
	}
	if resp.Header.Get("X-Amz-Executed-Version") != "$LATEST" || !requestID.MatchString(resp.Header.Get("X-Amzn-RequestId")) {
		t.Errorf("function error headers: %v", resp.Header)
	}
	if log := logResult(t, resp); !strings.Contains(log, "about to fail") {
		t.Errorf("function error tail:\n%s", log)
	}
}
