package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/internal/testbin"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newFn(t *testing.T, timeout time.Duration) (*Function, *syncBuf) {
	bin := testbin.Host(t, "testfn")
	out := &syncBuf{}
	f := New(Config{Name: "TestFunction", Bootstrap: bin, TaskRoot: filepath.Dir(bin), Handler: "bootstrap", MemoryMB: 128,
		Timeout: timeout, Env: map[string]string{"X": "1"}, Output: out})
	t.Cleanup(f.Close)
	return f, out
}

func pidOf(t *testing.T, payload []byte) string {
	t.Helper()
	var r struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	return r.Headers["x-pid"]
}

func TestInvokeReusesWarmProcess(t *testing.T) {
	f, _ := newFn(t, 5*time.Second)
	ctx := context.Background()
	a, err := f.Invoke(ctx, []byte(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Invoke(ctx, []byte(`{"n":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if pidOf(t, a) != pidOf(t, b) {
		t.Error("second invocation started a new process instead of reusing the warm one")
	}
	if d, ok := f.InitDuration(); !ok || d <= 0 {
		t.Errorf("init duration %v %v", d, ok)
	}
}

func TestConcurrentInvocationsGetOwnProcesses(t *testing.T) {
	f, _ := newFn(t, 5*time.Second)
	var wg sync.WaitGroup
	pids := make([]string, 3)
	for i := range pids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.Invoke(context.Background(), []byte(`{"sleepMs":300}`))
			if err != nil {
				t.Error(err)
				return
			}
			pids[i] = pidOf(t, p)
		}()
	}
	wg.Wait()
	if pids[0] == pids[1] || pids[1] == pids[2] || pids[0] == pids[2] {
		t.Errorf("concurrent invocations shared a process: %v", pids)
	}
}

func TestFailures(t *testing.T) {
	f, out := newFn(t, 500*time.Millisecond)
	ctx := context.Background()
	cases := []struct {
		event   string
		crashed bool
		typ     string
	}{
		{`{"fail":"boom"}`, false, "errorString"},
		{`{"exit":true}`, true, "Runtime.ExitError"},
		{`{"sleepMs":5000}`, true, "Sandbox.Timedout"},
	}
	for _, c := range cases {
		_, err := f.Invoke(ctx, []byte(c.event))
		var fe *FunctionError
		if !errors.As(err, &fe) || fe.Crashed != c.crashed || fe.Type != c.typ {
			t.Errorf("%s: got %#v (%v)", c.event, fe, err)
		}
		// Whatever happened, the next invocation works.
		if _, err := f.Invoke(ctx, []byte(`{}`)); err != nil {
			t.Errorf("after %s: %v", c.event, err)
		}
	}
	if !strings.Contains(out.String(), "[TestFunction]") {
		t.Errorf("function output not prefixed: %q", out.String())
	}
}

func TestKillRunning(t *testing.T) {
	f, _ := newFn(t, 10*time.Second)
	errc := make(chan error, 1)
	go func() {
		_, err := f.Invoke(context.Background(), []byte(`{"sleepMs":5000}`))
		errc <- err
	}()
	waitBusy(t, f)
	f.KillRunning()
	select {
	case err := <-errc:
		var fe *FunctionError
		if !errors.As(err, &fe) || !fe.Crashed {
			t.Fatalf("killed invocation: %v, want a crash", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("killed invocation did not return")
	}
	if _, err := f.Invoke(context.Background(), []byte(`{}`)); err != nil {
		t.Fatalf("after kill: %v", err)
	}
}

func waitBusy(t *testing.T, f *Function) {
	t.Helper()
	for range 200 {
		f.mu.Lock()
		n := len(f.busy)
		f.mu.Unlock()
		if n > 0 {
			time.Sleep(50 * time.Millisecond) // let the event reach the handler
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no invocation became busy")
}
