package contracttest

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's layout lists every Go package of internal/ and infra/local
// (a function folder is covered by its functions/<name> line), and every
// path it lists exists: the section matches the tree (issue 13).
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	listed := readmeLayout(t)
	if len(listed) < 20 {
		t.Fatalf("found %d paths in the README's layout block: did its format change?", len(listed))
	}
	for path := range listed {
		if strings.Contains(path, "<") {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, path)); err != nil {
			t.Errorf("README layout lists %s, which is not in the tree", path)
		}
	}
	n := 0
	for _, top := range []string{"internal", "infra/local"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			switch d.Name() {
			case "node_modules", "testdata":
				return filepath.SkipDir
			}
			if _, err := build.Default.ImportDir(path, 0); err != nil {
				if _, none := err.(*build.NoGoError); !none {
					return err
				}
				if !hasTestFiles(path) {
					return nil
				}
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			n++
			if rel = filepath.ToSlash(rel); !listed[rel] {
				t.Errorf("package %s is missing from the README's layout section", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 40 {
		t.Fatalf("walked %d packages: wrong root?", n)
	}
}

// readmeLayout is the first word of every line of the code block under
// "## Layout".
func readmeLayout(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no ## Layout section")
	}
	_, block, ok := strings.Cut(section, "\n```\n")
	if !ok {
		t.Fatal("the layout section has no code block")
	}
	block, _, _ = strings.Cut(block, "\n```")
	listed := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(line, " ") {
			listed[strings.TrimSuffix(f[0], "/")] = true
		}
	}
	return listed
}

// hasTestFiles reports a test-only package (its folder holds only _test.go files).
func hasTestFiles(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	return len(matches) > 0
}
