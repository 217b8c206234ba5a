package localparts

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Part is a supervised local part behind a Front. When its process dies
// without Stop (a crash, a kill) it is started again, as the real service
// simply comes back; Stop keeps it down until Start (fault tests).
type Part struct {
	Name  string
	front *Front
	start func(context.Context) (*Process, error)
	log   *slog.Logger
	run   context.Context // restarts live as long as this

	startMu   sync.Mutex // one start at a time (Start and the supervisor)
	mu        sync.Mutex
	proc      *Process
	down      bool
	closed    bool
	restarts  int
	onRestart func(context.Context) error
}

// Supervise starts a part behind a front on port (0: a held kernel-chosen
// port) and restarts it whenever it dies, until run ends or Close.
func Supervise(ctx, run context.Context, name string, port int, start func(context.Context) (*Process, error), log *slog.Logger) (*Part, error) {
	front, err := NewFront(port)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &Part{Name: name, front: front, start: start, log: log, run: run}
	if err := p.Start(ctx); err != nil {
		front.Close()
		return nil, err
	}
	return p, nil
}

// URL is the part's stable address (the front's).
func (p *Part) URL() string { return p.front.URL() }

// OnRestart runs fn after each supervised restart (e.g. recreate a table
// an in-memory DynamoDB Local lost).
func (p *Part) OnRestart(fn func(context.Context) error) {
	p.mu.Lock()
	p.onRestart = fn
	p.mu.Unlock()
}

// Restarts counts the supervised restarts so far.
func (p *Part) Restarts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

// Start brings a stopped part back (no-op while it runs).
func (p *Part) Start(ctx context.Context) error {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
	_, err := p.ensure(ctx)
	return err
}

// ensure starts a process unless one runs, the part is down or closed; it
// reports whether it started one.
func (p *Part) ensure(ctx context.Context) (bool, error) {
	p.startMu.Lock()
	defer p.startMu.Unlock()
	p.mu.Lock()
	skip := p.proc != nil || p.down || p.closed
	p.mu.Unlock()
	if skip {
		return false, nil
	}
	proc, err := p.start(ctx)
	if err != nil {
		return false, err
	}
	p.mu.Lock()
	if p.down || p.closed {
		p.mu.Unlock()
		proc.Stop()
		return false, nil
	}
	p.proc = proc
	p.front.SetBackend(proc.Addr)
	p.mu.Unlock()
	go p.watch(proc)
	return true, nil
}

// Stop takes the part down until Start: the front refuses connections.
func (p *Part) Stop() {
	p.mu.Lock()
	p.down = true
	proc := p.proc
	p.proc = nil
	p.front.SetBackend("")
	p.mu.Unlock()
	proc.Stop()
}

// Kill kills the running process as a crash would: the supervisor notices
// and starts another.
func (p *Part) Kill() {
	p.mu.Lock()
	proc := p.proc
	p.mu.Unlock()
	proc.Stop()
}

// SetBackend points the front somewhere else while the part is stopped
// (a fault-injecting proxy); Start points it back at the part.
func (p *Part) SetBackend(addr string) { p.front.SetBackend(addr) }

// Close stops the part for good.
func (p *Part) Close() {
	p.mu.Lock()
	p.closed = true
	proc := p.proc
	p.proc = nil
	p.mu.Unlock()
	p.front.Close()
	proc.Stop()
}

// watch restarts the part when proc exits while it should be running.
func (p *Part) watch(proc *Process) {
	<-proc.Done()
	p.mu.Lock()
	if p.proc != proc {
		p.mu.Unlock()
		return // stopped or replaced on purpose
	}
	p.proc = nil
	p.front.SetBackend("")
	p.mu.Unlock()
	p.log.Warn("local part exited; restarting", "part", p.Name)
	for wait := 100 * time.Millisecond; p.run.Err() == nil; wait = min(2*wait, 5*time.Second) {
		started, err := p.ensure(p.run)
		if err == nil {
			if started {
				p.mu.Lock()
				fn := p.onRestart
				p.mu.Unlock()
				if fn != nil {
					if err := fn(p.run); err != nil {
						p.log.Error("local part restart hook", "part", p.Name, "err", err.Error())
					}
				}
				// Counted once the part is usable again, hook included.
				p.mu.Lock()
				p.restarts++
				p.mu.Unlock()
			}
			return
		}
		p.log.Error("local part restart", "part", p.Name, "err", err.Error())
		select {
		case <-p.run.Done():
		case <-time.After(wait):
		}
	}
}
