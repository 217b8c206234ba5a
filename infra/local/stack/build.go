package stack

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Build runs `make -s build-local` at the repository root (the same
// build-<LogicalId> targets SAM uses) and copies every function's bootstrap
// into a private directory, <dir>/<LogicalId>/bootstrap. A file lock
// serialises builds across processes, and the private copy means a later
// build never rewrites a binary this stack is running.
func Build(ctx context.Context, root string, ids []string, dir string, out io.Writer) error {
	if err := os.MkdirAll(filepath.Join(root, ".build"), 0o755); err != nil {
		return fmt.Errorf("build dir: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(root, ".build", "local.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("build lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("build lock: %w", err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()

	cmd := exec.CommandContext(ctx, "make", "-s", "build-local")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make build-local: %w", err)
	}
	for _, id := range ids {
		src := filepath.Join(root, ".build", "local", id, "bootstrap")
		dst := filepath.Join(dir, id, "bootstrap")
		if err := copyFile(src, dst); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("built binary: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("task root: %w", err)
	}
	o, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return fmt.Errorf("copy binary: %w", err)
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return fmt.Errorf("copy binary: %w", err)
	}
	if err := o.Close(); err != nil {
		return fmt.Errorf("copy binary: %w", err)
	}
	return nil
}
