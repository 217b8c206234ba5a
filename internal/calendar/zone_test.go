package calendar

import (
	"archive/zip"
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The embedded zone is Go's own database entry (refresh it from
// $GOROOT/lib/time/zoneinfo.zip when Go's copy changes).
func TestZoneIsGoDatabase(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open(ZoneName)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(newYorkTZif, want) {
		t.Errorf("America_New_York.tzif (%d bytes) differs from Go's zoneinfo.zip entry (%d bytes)", len(newYorkTZif), len(want))
	}
}

// The daylight saving changes of the board's zone fall where New York's do.
func TestZoneTransitions(t *testing.T) {
	for _, c := range []struct {
		utc    time.Time
		name   string
		offset int
	}{
		{time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), "EST", -5 * 3600},
		{time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), "EDT", -4 * 3600},
		{time.Date(2026, 11, 1, 5, 59, 0, 0, time.UTC), "EDT", -4 * 3600},
		{time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), "EST", -5 * 3600},
		{time.Date(2099, 7, 1, 12, 0, 0, 0, time.UTC), "EDT", -4 * 3600},
	} {
		if name, offset := c.utc.In(Zone).Zone(); name != c.name || offset != c.offset {
			t.Errorf("%s: %s %d, want %s %d", c.utc, name, offset, c.name, c.offset)
		}
	}
}
