// Package testbin builds the local stack's test-only Lambda functions
// (infra/local/testdata) with the deployment build flags.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Build compiles infra/local/testdata/<name> for goos/goarch with the
// Makefile's flags into a temporary <dir>/bootstrap and returns its path.
func Build(t testing.TB, name, goos, goarch string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testbin: cannot locate source")
	}
	src := filepath.Join(filepath.Dir(file), "..", "..", "testdata", name)
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w -buildid=", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
}

// Host builds for this machine.
func Host(t testing.TB, name string) string { return Build(t, name, runtime.GOOS, runtime.GOARCH) }
