package localparts

import (
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Front is the stable loopback address of a local part whose process may be
// replaced (a crash, a fault test). It holds its listener for the stack's
// whole life, so no other process can take the port between a stop and a
// restart, and forwards each connection to the current backend. With no
// backend it closes connections at once: to a client the part is down.
type Front struct {
	ln net.Listener

	mu      sync.Mutex
	backend string // host:port, "" while the part is down
	conns   map[net.Conn]struct{}
	closed  bool
}

// NewFront listens on 127.0.0.1:port (0: a port the kernel picks, held, never
// closed and re-bound) and starts forwarding.
func NewFront(port int) (*Front, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, portTaken(port, err)
	}
	f := &Front{ln: ln, conns: map[net.Conn]struct{}{}}
	go f.accept()
	return f, nil
}

// URL is http://127.0.0.1:port of the front.
func (f *Front) URL() string { return "http://" + f.ln.Addr().String() }

// SetBackend sends new connections to addr (host:port); "" takes the part
// down. Connections already open stay on their backend until it closes them.
func (f *Front) SetBackend(addr string) {
	f.mu.Lock()
	f.backend = addr
	f.mu.Unlock()
}

// Backend is the current backend address, "" while down.
func (f *Front) Backend() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.backend
}

// Close stops listening and closes every forwarded connection.
func (f *Front) Close() {
	f.mu.Lock()
	f.closed = true
	conns := f.conns
	f.conns = map[net.Conn]struct{}{}
	f.mu.Unlock()
	_ = f.ln.Close()
	for c := range conns {
		_ = c.Close()
	}
}

func (f *Front) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return // closed
		}
		go f.forward(c)
	}
}

func (f *Front) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Front) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

func (f *Front) forward(client net.Conn) {
	addr := f.Backend()
	if addr == "" || !f.track(client) {
		_ = client.Close()
		return
	}
	defer f.untrack(client)
	defer client.Close()
	server, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	if !f.track(server) {
		_ = server.Close()
		return
	}
	defer f.untrack(server)
	defer server.Close()
	// Either side ending ends both: a backend killed mid-exchange is a reset
	// connection to the client, as a crashed service would be.
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	_ = client.Close()
	_ = server.Close()
	<-done
}
