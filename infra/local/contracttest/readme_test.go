package contracttest

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's layout has one block per Go module: the functions' module
// (internal/, function folders' packages below functions/<name>, whose own
// folder its functions/<name> line covers) and the local stack's module
// (infra/local). Every package is listed in its module's block, every path
// listed exists and sits in the block of the module holding it: the section
// matches the tree (issue 13).
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	blocks := readmeLayout(t)
	if len(blocks) != 2 {
		t.Fatalf("found %d code blocks in the README's layout section, want 2 (the functions' module, the local stack's)", len(blocks))
	}
	functions, local := blocks[0], blocks[1]
	if len(functions) < 20 || len(local) < 10 {
		t.Fatalf("found %d and %d paths in the README's layout blocks: did their format change?", len(functions), len(local))
	}
	for i, listed := range blocks {
		for path := range listed {
			if inLocalModule(path) != (i == 1) {
				t.Errorf("README layout lists %s in the block of the other module", path)
			}
			if strings.Contains(path, "<") {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, path)); err != nil {
				t.Errorf("README layout lists %s, which is not in the tree", path)
			}
		}
	}
	n := 0
	for _, top := range []string{"internal", "functions", "infra/local"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			switch d.Name() {
			case "node_modules", "testdata":
				return filepath.SkipDir
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if strings.Count(rel, "/") < 2 && strings.HasPrefix(rel, "functions/") {
				return nil // a function folder: its functions/<name>/main.go line
			}
			if _, err := build.Default.ImportDir(path, 0); err != nil {
				if _, none := err.(*build.NoGoError); none {
					return nil
				}
				return err
			}
			n++
			listed := functions
			if inLocalModule(rel) {
				listed = local
			}
			if !listed[rel] {
				t.Errorf("package %s is missing from its module's block of the README's layout section", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 50 {
		t.Fatalf("walked %d packages: wrong root?", n)
	}
}

// inLocalModule reports a path of the local stack's module.
func inLocalModule(path string) bool {
	return path == "infra/local" || strings.HasPrefix(path, "infra/local/")
}

// readmeLayout is, for each code block of the "## Layout" section, the first
// word of every line that does not start with a space.
func readmeLayout(t *testing.T) []map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no ## Layout section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks []map[string]bool
	for {
		_, rest, ok := strings.Cut(section, "\n```\n")
		if !ok {
			return blocks
		}
		block, after, _ := strings.Cut(rest, "\n```")
		section = after
		listed := map[string]bool{}
		for _, line := range strings.Split(block, "\n") {
			if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(line, " ") {
				listed[strings.TrimSuffix(f[0], "/")] = true
			}
		}
		blocks = append(blocks, listed)
	}
}
