package localparts

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// The front holds its port while the part is down (nothing else can bind
// it), refuses connections then, and forwards once a backend is set.
func TestFrontHoldsPortAndForwards(t *testing.T) {
	f, err := NewFront(0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	addr := f.ln.Addr().String()
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatalf("%s could be bound by someone else while the front holds it", addr)
	}
	// Down: a connection is closed at once.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("down front: read %d bytes, err %v; want the connection closed", n, err)
	}
	c.Close()

	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	f.SetBackend(echo.Addr().String())
	c, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "ping\n" {
		t.Fatalf("through the front: %q, %v", line, err)
	}
}

// A part that answers on a port another process holds is not ready: the
// listening socket must be its own (the race a picked port loses).
func TestOwnsListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc: ownership cannot be checked here")
	}
	if !ownsListener(os.Getpid(), port) {
		t.Errorf("this process holds %d, ownsListener says no", port)
	}
	other := exec.Command("sleep", "5")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	if ownsListener(other.Process.Pid, port) {
		t.Errorf("pid %d does not hold port %s, ownsListener says it does", other.Process.Pid, strconv.Itoa(port))
	}
}

// aws-ses-v2-local's start-up line gives the port it bound.
func TestOutputWatchReadsBoundPort(t *testing.T) {
	o := &outputWatch{w: io.Discard, failed: make(chan struct{}), bound: make(chan int, 1)}
	for _, chunk := range []string{"aws-ses-v2-local: starting server...\naws-ses-v2-local: server running at http://loc", "alhost:38627\n"} {
		_, _ = o.Write([]byte(chunk))
	}
	select {
	case p := <-o.bound:
		if p != 38627 {
			t.Fatalf("port %d, want 38627", p)
		}
	default:
		t.Fatal("no port read from a line split across writes")
	}
}
