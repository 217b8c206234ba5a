// Package runtimeapi runs a function's real bootstrap binary as Lambda does:
// one process per concurrent invocation, each served its own Lambda Runtime
// API (AWS_LAMBDA_RUNTIME_API), kept warm and reused, killed and discarded
// when it crashes or overruns its timeout.
package runtimeapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Lambda's limits that matter locally.
const (
	initTimeout     = 10 * time.Second
	maxPayloadBytes = 6 << 20
)

// Config describes one function.
type Config struct {
	Name      string // logical id, used as the function name
	Bootstrap string // path of the executable
	TaskRoot  string // LAMBDA_TASK_ROOT and working directory
	Handler   string // _HANDLER
	MemoryMB  int
	Timeout   time.Duration
	Env       map[string]string // template variables and endpoint overrides
	Output    io.Writer         // function stdout/stderr, one prefixed line at a time; must be safe for concurrent use
	Logger    *slog.Logger      // runner log: REPORT lines, crashes
}

// FunctionError is an invocation that did not produce a result: the handler
// returned an error (posted to /error), or the process crashed or timed out.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
	// Crashed is true when the process was lost (exit, kill, timeout), as
	// opposed to a handler error reported through the Runtime API.
	Crashed bool `json:"-"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Function is the warm pool of processes of one function.
type Function struct {
	cfg Config

	mu       sync.Mutex
	idle     []*proc
	busy     map[*proc]struct{}
	closed   bool
	initDur  time.Duration // first cold start
	initSeen bool
}

// New returns a function with no process yet; the first Invoke starts one.
func New(cfg Config) *Function {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	return &Function{cfg: cfg, busy: map[*proc]struct{}{}}
}

// Name is the function's logical id.
func (f *Function) Name() string { return f.cfg.Name }

// InitDuration is the first measured cold start (process start to its first
// /next), and whether one has been measured yet.
func (f *Function) InitDuration() (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.initDur, f.initSeen
}

// Invoke runs one invocation and returns the function's response payload.
// A *FunctionError reports a handler error, a crash or a timeout; any other
// error means the runner could not run the function at all.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	r, err := f.InvokeLogged(ctx, payload)
	return r.Payload, err
}

// Invocation is what one invocation left besides its payload.
type Invocation struct {
	RequestID string
	Payload   []byte
	// Log is the invocation's log as CloudWatch would hold it: START, the
	// function's own lines, END and REPORT; at most the last LogTailBytes.
	Log []byte
}

// LogTailBytes is how much of an invocation's log Lambda returns for
// LogType Tail.
const LogTailBytes = 4 << 10

// InvokeLogged is Invoke that also returns the request id and the log tail,
// on success and on a *FunctionError alike.
func (f *Function) InvokeLogged(ctx context.Context, payload []byte) (Invocation, error) {
	inv := &invocation{id: NewRequestID(), payload: payload, done: make(chan outcome, 1)}
	res := Invocation{RequestID: inv.id}
	p, cold, err := f.acquire()
	if err != nil {
		return res, err
	}
	p.beginLog(inv.id)
	out, err := f.run(ctx, p, inv, cold)
	res.Payload, res.Log = out, p.endLog()
	return res, err
}

func (f *Function) run(ctx context.Context, p *proc, inv *invocation, cold bool) ([]byte, error) {

	// Hand the event to the process's /next; a cold process first initialises.
	initTimer := time.NewTimer(initTimeout)
	defer initTimer.Stop()
	select {
	case p.next <- inv:
	case <-p.dead:
		f.discard(p)
		return nil, f.lost(p, inv, "Runtime.ExitError", "process exited during init")
	case <-initTimer.C:
		f.discard(p)
		return nil, f.lost(p, inv, "Runtime.InitTimeout", "init did not finish in "+initTimeout.String())
	case <-ctx.Done():
		f.discard(p)
		return nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, ctx.Err())
	}
	start := time.Now()
	timer := time.NewTimer(f.cfg.Timeout)
	defer timer.Stop()
	select {
	case out := <-inv.done:
		p.syncLog()
		p.logLine("END RequestId: " + inv.id)
		f.report(p, inv, start, cold)
		f.release(p)
		return out.payload, out.err
	case <-p.dead:
		f.discard(p)
		return nil, f.lost(p, inv, "Runtime.ExitError", "process exited before responding")
	case <-timer.C:
		f.discard(p)
		return nil, f.lost(p, inv, "Sandbox.Timedout", fmt.Sprintf("Task timed out after %.2f seconds", f.cfg.Timeout.Seconds()))
	case <-ctx.Done():
		f.discard(p)
		return nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, ctx.Err())
	}
}

// Warm starts one process ahead of the first request and waits for its init.
func (f *Function) Warm(ctx context.Context) error {
	p, _, err := f.acquire()
	if err != nil {
		return err
	}
	select {
	case <-p.ready:
		f.release(p)
		return nil
	case <-p.dead:
		f.discard(p)
		return fmt.Errorf("%s: process exited during init", f.cfg.Name)
	case <-time.After(initTimeout):
		f.discard(p)
		return fmt.Errorf("%s: init did not finish in %s", f.cfg.Name, initTimeout)
	case <-ctx.Done():
		f.discard(p)
		return ctx.Err()
	}
}

// ColdStart starts one more process, waits for its init (process start to
// its first /next, as InitDuration) and kills it: a cold start measured
// apart from the warm pool, which it leaves as it is.
func (f *Function) ColdStart(ctx context.Context) (time.Duration, error) {
	p, err := f.start()
	if err != nil {
		return 0, err
	}
	defer func() { p.kill(); <-p.dead }()
	select {
	case <-p.ready:
		return p.initDur, nil
	case <-p.dead:
		return 0, fmt.Errorf("%s: process exited during init", f.cfg.Name)
	case <-time.After(initTimeout):
		return 0, fmt.Errorf("%s: init did not finish in %s", f.cfg.Name, initTimeout)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// KillRunning kills every process busy with an invocation; their callers get
// a crash error and the next invocation starts a fresh process.
func (f *Function) KillRunning() {
	f.mu.Lock()
	ps := make([]*proc, 0, len(f.busy))
	for p := range f.busy {
		ps = append(ps, p)
	}
	f.mu.Unlock()
	for _, p := range ps {
		p.kill()
	}
}

// Close kills all processes; later invocations fail.
func (f *Function) Close() {
	f.mu.Lock()
	f.closed = true
	ps := append([]*proc(nil), f.idle...)
	for p := range f.busy {
		ps = append(ps, p)
	}
	f.idle = nil
	f.mu.Unlock()
	for _, p := range ps {
		p.kill()
		<-p.dead
	}
}

func (f *Function) acquire() (*proc, bool, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, false, fmt.Errorf("%s: runner is shut down", f.cfg.Name)
	}
	for len(f.idle) > 0 {
		p := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		select {
		case <-p.dead: // died while idle
			continue
		default:
		}
		f.busy[p] = struct{}{}
		f.mu.Unlock()
		return p, false, nil
	}
	f.mu.Unlock()
	p, err := f.start()
	if err != nil {
		return nil, false, err
	}
	f.mu.Lock()
	f.busy[p] = struct{}{}
	f.mu.Unlock()
	return p, true, nil
}

func (f *Function) release(p *proc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.busy, p)
	if f.closed {
		go p.kill()
		return
	}
	f.idle = append(f.idle, p)
}

func (f *Function) discard(p *proc) {
	f.mu.Lock()
	delete(f.busy, p)
	f.mu.Unlock()
	p.kill()
}

func (f *Function) lost(p *proc, inv *invocation, typ, msg string) error {
	p.drainLog()
	p.logLine(fmt.Sprintf("%s %s: %s", inv.id, typ, msg))
	p.logLine("END RequestId: " + inv.id)
	f.cfg.Logger.Error("invocation lost; process discarded", "function", f.cfg.Name, "requestId", inv.id, "pid", p.pid(), "errorType", typ, "reason", msg)
	return &FunctionError{Type: typ, Message: msg, Crashed: true}
}

// report logs Lambda's REPORT line for one invocation.
func (f *Function) report(p *proc, inv *invocation, start time.Time, cold bool) {
	d := time.Since(start)
	ms := float64(d.Microseconds()) / 1000
	billed := (d.Milliseconds() + 1)
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		inv.id, ms, billed, f.cfg.MemoryMB, p.maxMemoryMB())
	attrs := []any{"function", f.cfg.Name, "requestId", inv.id, "durationMs", ms, "billedDurationMs", billed, "memorySizeMB", f.cfg.MemoryMB}
	if cold {
		init := float64(p.initDur.Microseconds()) / 1000
		line += fmt.Sprintf("\tInit Duration: %.2f ms", init)
		attrs = append(attrs, "initDurationMs", init)
	}
	f.cfg.Logger.Info(line, attrs...)
	p.logLine(line)
}

func (f *Function) initMeasured(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.initSeen {
		f.initDur, f.initSeen = d, true
	}
}

type invocation struct {
	id      string
	payload []byte
	done    chan outcome
}

type outcome struct {
	payload []byte
	err     error
}

// proc is one bootstrap process with its own Runtime API listener.
type proc struct {
	f       *Function
	cmd     *exec.Cmd
	srv     *http.Server
	next    chan *invocation
	ready   chan struct{} // closed at the first /next
	dead    chan struct{} // closed when the process has exited
	started time.Time
	initDur time.Duration

	mu       sync.Mutex
	inflight map[string]*invocation
	once     sync.Once

	// The current invocation's log, for LogType Tail. out is the write end
	// of the output pipe, kept so syncLog can put a mark behind the lines
	// the function wrote before it answered (a pipe keeps order).
	out     *os.File
	marks   chan string
	drained chan struct{} // closed when the output pipe hit EOF
	logMu   sync.Mutex
	log     []byte
	logging bool
}

func (f *Function) start() (*proc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%s: runtime API listener: %w", f.cfg.Name, err)
	}
	p := &proc{f: f, next: make(chan *invocation), ready: make(chan struct{}), dead: make(chan struct{}), inflight: map[string]*invocation{}}
	p.srv = &http.Server{Handler: p.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()

	// Not exec.CommandContext: the process outlives the request that started it.
	cmd := exec.Command(f.cfg.Bootstrap)
	cmd.Dir = f.cfg.TaskRoot
	cmd.Env = f.environ(ln.Addr().String())
	// Own process group, so kill reaches any children; killed if the runner dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	r, w, err := os.Pipe()
	if err != nil {
		_ = p.srv.Close()
		return nil, fmt.Errorf("%s: output pipe: %w", f.cfg.Name, err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		_ = p.srv.Close()
		_ = r.Close()
		_ = w.Close()
		return nil, fmt.Errorf("%s: start %s: %w", f.cfg.Name, f.cfg.Bootstrap, err)
	}
	p.cmd, p.out = cmd, w
	p.marks, p.drained = make(chan string, 1), make(chan struct{})
	go p.copyOutput(r)
	go func() {
		err := cmd.Wait()
		if err != nil {
			f.cfg.Logger.Debug("process exited", "function", f.cfg.Name, "pid", cmd.Process.Pid, "err", err.Error())
		}
		_ = w.Close() // the child's copy is gone; EOF once its output is read
		_ = p.srv.Close()
		close(p.dead)
	}()
	return p, nil
}

func (f *Function) environ(runtimeAPI string) []string {
	env := map[string]string{
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"AWS_LAMBDA_FUNCTION_NAME":        f.cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.cfg.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.cfg.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "local/[$LATEST]" + randomHex(16),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"_HANDLER":                        f.cfg.Handler,
		"LAMBDA_TASK_ROOT":                f.cfg.TaskRoot,
		"LAMBDA_RUNTIME_DIR":              f.cfg.TaskRoot,
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"AWS_ACCESS_KEY_ID":               "local",
		"AWS_SECRET_ACCESS_KEY":           "local",
		"AWS_SESSION_TOKEN":               "local",
	}
	for k, v := range f.cfg.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func (p *proc) pid() int {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *proc) kill() {
	if pid := p.pid(); pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// maxMemoryMB reads the process's peak resident size, 0 when unknown.
func (p *proc) maxMemoryMB() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return (kb + 1023) / 1024
		}
	}
	return 0
}

// logMark starts the line syncLog writes into the output pipe; no function
// writes a NUL-led line.
const logMark = "\x00cmp-local-log-mark "

func (p *proc) copyOutput(r io.ReadCloser) {
	defer close(p.drained)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		// ReadString, not a Scanner: a long line must never stop the draining,
		// or the function would block on a full pipe.
		line, err := br.ReadString('\n')
		line = strings.TrimSuffix(line, "\n")
		if mark, ok := strings.CutPrefix(line, logMark); ok {
			select {
			case p.marks <- mark:
			default: // nobody waits any more (timed out)
			}
		} else if line != "" {
			fmt.Fprintf(p.f.cfg.Output, "[%s] %s\n", p.f.cfg.Name, line)
			p.logLine(line)
		}
		if err != nil {
			return
		}
	}
}

// beginLog starts capturing an invocation's log with Lambda's START line.
func (p *proc) beginLog(id string) {
	p.logMu.Lock()
	p.log, p.logging = p.log[:0], true
	p.logMu.Unlock()
	p.logLine("START RequestId: " + id + " Version: $LATEST")
}

// logLine appends a line to the current invocation's log, keeping the last
// LogTailBytes.
func (p *proc) logLine(line string) {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	if !p.logging {
		return
	}
	p.log = append(append(p.log, line...), '\n')
	if n := len(p.log) - LogTailBytes; n > 0 {
		p.log = append(p.log[:0], p.log[n:]...)
	}
}

// endLog stops capturing and returns the log.
func (p *proc) endLog() []byte {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	p.logging = false
	return append([]byte(nil), p.log...)
}

// syncLog waits until copyOutput has read everything the function wrote
// before it answered: a mark written behind it comes back through the pipe.
func (p *proc) syncLog() {
	mark := randomHex(8)
	if _, err := io.WriteString(p.out, logMark+mark+"\n"); err != nil {
		return
	}
	timeout := time.After(time.Second)
	for {
		select {
		case m := <-p.marks:
			if m == mark {
				return
			}
		case <-p.drained:
			return
		case <-timeout:
			return
		}
	}
}

// drainLog waits briefly for a lost process's last output.
func (p *proc) drainLog() {
	select {
	case <-p.drained:
	case <-time.After(200 * time.Millisecond):
	}
}

func (p *proc) routes() http.Handler {
	mux := http.NewServeMux()
	const base = "/2018-06-01/runtime"
	mux.HandleFunc("GET "+base+"/invocation/next", p.handleNext)
	mux.HandleFunc("POST "+base+"/invocation/{id}/response", p.handleResult(false))
	mux.HandleFunc("POST "+base+"/invocation/{id}/error", p.handleResult(true))
	mux.HandleFunc("POST "+base+"/init/error", p.handleInitError)
	return mux
}

func (p *proc) handleNext(w http.ResponseWriter, r *http.Request) {
	p.once.Do(func() {
		p.initDur = time.Since(p.started)
		p.f.initMeasured(p.initDur)
		close(p.ready)
	})
	var inv *invocation
	select {
	case inv = <-p.next:
	case <-p.dead:
		return
	case <-r.Context().Done():
		return
	}
	p.mu.Lock()
	p.inflight[inv.id] = inv
	p.mu.Unlock()
	deadline := time.Now().Add(p.f.cfg.Timeout)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:"+p.f.cfg.Name)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+randomHex(4)+"-"+randomHex(12)+";Sampled=0")
	_, _ = w.Write(inv.payload)
}

func (p *proc) handleResult(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		p.mu.Lock()
		inv, ok := p.inflight[id]
		delete(p.inflight, id)
		p.mu.Unlock()
		if !ok {
			writeRuntimeError(w, http.StatusBadRequest, "InvalidRequestID", "unknown or already answered request id")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxPayloadBytes+1))
		switch {
		case err != nil:
			inv.done <- outcome{err: &FunctionError{Type: "Runtime.ReadError", Message: err.Error()}}
		case len(body) > maxPayloadBytes:
			inv.done <- outcome{err: &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: "response payload exceeds 6 MB"}}
		case isError:
			fe := &FunctionError{}
			if json.Unmarshal(body, fe) != nil || fe.Type == "" {
				fe.Type = firstNonEmpty(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Unhandled")
				fe.Message = firstNonEmpty(fe.Message, string(body))
			}
			inv.done <- outcome{err: fe}
		default:
			inv.done <- outcome{payload: body}
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	}
}

func (p *proc) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	p.f.cfg.Logger.Error("init error", "function", p.f.cfg.Name, "body", string(body))
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
	go p.kill() // Lambda discards the sandbox; the waiting invocation sees the exit
}

func writeRuntimeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

// NewRequestID is a request id in Lambda's form (UUID-shaped, random).
func NewRequestID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
