package dynamo

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// keyPrefix is a key prefix as the table writes them: upper-case letters then
// '#' (C#, CERT#, OUTBOX#UNSENT, SCORES#unsent).
var keyPrefix = regexp.MustCompile(`^[A-Z][A-Z_]*#`)

// Every key prefix is declared in patterns.go, once: a prefix string literal
// in any other non-test Go file of the module, or twice in patterns.go, fails
// (issue 13). A use case names its keys through this package's builders.
func TestKeyPrefixesOnlyInPatterns(t *testing.T) {
	root := filepath.Join("..", "..")
	patterns, err := filepath.Abs("patterns.go")
	if err != nil {
		t.Fatal(err)
	}
	inPatterns := map[string]int{}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".build", ".tools", ".local", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		for _, lit := range prefixLiterals(t, path) {
			if abs == patterns {
				inPatterns[lit.value]++
				continue
			}
			t.Errorf("%s: key prefix %q outside internal/dynamo/patterns.go; declare it there", lit.pos, lit.value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for v, n := range inPatterns {
		if n > 1 {
			t.Errorf("patterns.go spells %q %d times; name it once", v, n)
		}
	}
	// The walk must have seen the tree, or the test proves nothing.
	if files < 100 || len(inPatterns) < 20 {
		t.Fatalf("walked %d files, %d prefixes in patterns.go: wrong root?", files, len(inPatterns))
	}
	t.Logf("%d non-test Go files walked, %d key prefixes in patterns.go", files, len(inPatterns))
}

type literal struct {
	pos   token.Position
	value string
}

func prefixLiterals(t *testing.T, path string) []literal {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var out []literal
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		v, err := strconv.Unquote(lit.Value)
		if err == nil && keyPrefix.MatchString(v) {
			out = append(out, literal{fset.Position(lit.Pos()), v})
		}
		return true
	})
	return out
}
