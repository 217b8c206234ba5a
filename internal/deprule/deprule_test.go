// Package deprule keeps architecture.md's dependency rule by test: adapters
// -> use cases -> records and rules -> primitives. A use case never imports
// another use case nor an adapter; net/http stays in adapters; the DynamoDB
// SDK stays in internal/dynamo (and the adapters that build its client).
// The layers are read from the non-test imports (what a binary links) of the
// functions' module; the local emulator is a module of its own (infra/local),
// which no package of this module imports, tests included. Test code only.
package deprule

import (
	"bytes"
	"go/build"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/boc/cmp"

type layer int

const (
	primitive   layer = iota // civil dates, the dynamo client, field errors: import only primitives
	rules                    // records and rules (pure): import rules and primitives
	useCase                  // orchestrations: import rules and primitives, never each other
	adapter                  // functions, HTTP, job and stream adapters, client wiring
	testSupport              // helpers for tests; no production package imports them
)

var layerNames = map[layer]string{primitive: "primitive", rules: "records/rules", useCase: "use case", adapter: "adapter", testSupport: "test support"}

// layers classifies every package of the module (a folder prefix ending in "/" covers its subfolders). A new package fails the
// test until it is put here, in the layer architecture.md gives it.
var layers = map[string]layer{
	"functions/": adapter, // wiring only: env, clients, lambda.Start

	"internal/httpapi":      adapter, // API Gateway v2 events <-> handlers
	"internal/httpapi/":     adapter, // one package of routes and handlers per use case
	"internal/schedule":     adapter, // scheduled event -> daily job
	"internal/outbox":       adapter, // table stream -> SES (the mail sender)
	"internal/boot":         adapter, // clients built once at init
	"internal/boot/secrets": adapter,
	"internal/boot/ses":     adapter,
	"internal/stripeapi":    adapter, // stripe-go: PaymentIntents, webhook signatures

	"internal/certificants": useCase,
	"internal/credential":   useCase,
	"internal/declarations": useCase,
	"internal/exams":        useCase,
	"internal/expiry":       useCase,
	"internal/inactive":     useCase,
	"internal/providers":    useCase,
	"internal/quotes":       useCase,
	"internal/reminders":    useCase,
	"internal/transcript":   useCase,
	"internal/verification": useCase,
	"internal/billing":      useCase, // intents and the webhook's events (R-PAY)

	"internal/rules":         rules, // the rules engine
	"internal/rules/flow":    rules,
	"internal/calendar":      rules,
	"internal/fees":          rules,
	"internal/statuslist":    rules, // status list chunks and their bit writes
	"internal/progresschart": rules, // evaluation -> SVG, pure
	"internal/textcheck":     rules, // text hygiene of inputs
	"internal/payment":       rules, // payment records, the Stripe port and event types
	"internal/partition":     rules, // the certificant partition: stored entities, the one-Query reader, write builders

	"internal/civil":    primitive,
	"internal/dynamo":   primitive, // the table client: keys, writes, idempotency records
	"internal/fielderr": primitive,
	"internal/pattern":  primitive,
	"internal/mail":     primitive, // templates and the SES v2 sender

	"internal/mail/mailtest": testSupport,
	"internal/deprule":       testSupport,
}

// dynamoSDK are the import paths of the DynamoDB SDK.
func dynamoSDK(path string) bool {
	return strings.HasPrefix(path, "github.com/aws/aws-sdk-go-v2/service/dynamodb") ||
		strings.HasPrefix(path, "github.com/aws/aws-sdk-go-v2/feature/dynamodb")
}

// sdkAllowed may import the DynamoDB SDK: the client package and the wiring
// that builds it.
var sdkAllowed = []string{"internal/dynamo", "internal/boot"}

// todo lists the violations known today, each with why it is still there;
// the test fails on any violation not listed, and on a listed one that is
// gone (so the list only shrinks). Key: "<package> -> <import>".
var todo = map[string]string{}

type pkg struct {
	rel         string   // path below the module, e.g. internal/exams
	imports     []string // non-test imports
	testImports []string // imports of its _test.go files, both test packages
}

func classify(rel string) (layer, bool) {
	if l, ok := layers[rel]; ok {
		return l, true
	}
	for prefix, l := range layers {
		if strings.HasSuffix(prefix, "/") && strings.HasPrefix(rel, prefix) {
			return l, true
		}
	}
	return 0, false
}

func loadPackages(t *testing.T, root string) []pkg {
	t.Helper()
	var pkgs []pkg
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		switch d.Name() {
		case ".git", ".build", ".tools", ".local", "node_modules", "testdata":
			return filepath.SkipDir
		}
		if path != root {
			// A folder with its own go.mod (infra/local) is another module.
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		bp, err := build.Default.ImportDir(path, 0)
		if err != nil {
			if _, none := err.(*build.NoGoError); none {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, pkg{rel: filepath.ToSlash(rel), imports: bp.Imports, testImports: append(bp.TestImports, bp.XTestImports...)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].rel < pkgs[j].rel })
	return pkgs
}

// violations applies the rule to every package, returning "<pkg> -> <import>"
// (the module's own paths below the module) with the reason.
func violations(t *testing.T, pkgs []pkg) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, p := range pkgs {
		from, ok := classify(p.rel)
		if !ok {
			t.Errorf("%s is not classified: add it to the layers table", p.rel)
			continue
		}
		for _, imp := range p.imports {
			key := p.rel + " -> " + strings.TrimPrefix(imp, module+"/")
			switch {
			case imp == "net/http" && from != adapter && from != testSupport:
				found[key] = "net/http is for adapters only"
			case dynamoSDK(imp) && from != testSupport && !slices.Contains(sdkAllowed, p.rel):
				found[key] = "the DynamoDB SDK stays in internal/dynamo"
			}
			rel, own := strings.CutPrefix(imp, module+"/")
			if !own || emulator(imp) {
				continue // the emulator: TestNoEmulatorInFunctionsModule
			}
			to, ok := classify(rel)
			if !ok {
				continue // reported as unclassified in its own turn
			}
			switch {
			case from == testSupport:
			case to == testSupport:
				found[key] = "production code imports a test helper"
			case from == useCase && to == useCase:
				found[key] = "a use case imports another use case"
			case to > from:
				found[key] = "a " + layerNames[from] + " imports a layer above it, " + layerNames[to]
			}
		}
	}
	return found
}

func TestDependencyRule(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	pkgs := loadPackages(t, root)
	if len(pkgs) < 40 {
		t.Fatalf("found %d packages: wrong root?", len(pkgs))
	}
	found := violations(t, pkgs)
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, known := todo[k]; !known {
			t.Errorf("%s: %s", k, found[k])
		}
	}
	for k := range todo {
		if _, still := found[k]; !still {
			t.Errorf("%s is fixed: remove it from the todo list", k)
		}
	}
	t.Logf("%d packages checked, %d known violations left (todo)", len(pkgs), len(todo))
}

// The rule itself, on a made-up tree: each kind of breach is caught.
func TestDependencyRuleCatches(t *testing.T) {
	pkgs := []pkg{
		{rel: "internal/exams", imports: []string{module + "/internal/certificants", "net/http", "github.com/aws/aws-sdk-go-v2/service/dynamodb/types", module + "/internal/httpapi", module + "/internal/dynamo"}},
		{rel: "internal/rules", imports: []string{module + "/internal/fees", module + "/internal/civil"}},
		{rel: "internal/dynamo", imports: []string{"github.com/aws/aws-sdk-go-v2/service/dynamodb", module + "/internal/mail/mailtest"}},
		{rel: "functions/exams", imports: []string{module + "/internal/exams", "net/http"}},
	}
	got := violations(t, pkgs)
	want := []string{
		"internal/dynamo -> internal/mail/mailtest",
		"internal/exams -> github.com/aws/aws-sdk-go-v2/service/dynamodb/types",
		"internal/exams -> internal/certificants",
		"internal/exams -> internal/httpapi",
		"internal/exams -> net/http",
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !slices.Equal(keys, want) {
		t.Errorf("violations\n got %q\nwant %q", keys, want)
	}
}

// localModule is the local stack's module: the emulator and every test that
// runs it.
const localModule = module + "/infra/local"

// emulator reports an import path of the local stack's module.
func emulator(path string) bool {
	return path == localModule || strings.HasPrefix(path, localModule+"/")
}

// emulatorImports lists, as "<package> -> <import>", every import of the
// local emulator by the packages, their test files included.
func emulatorImports(pkgs []pkg) []string {
	var found []string
	for _, p := range pkgs {
		for _, imp := range slices.Concat(p.imports, p.testImports) {
			if emulator(imp) {
				found = append(found, p.rel+" -> "+strings.TrimPrefix(imp, module+"/"))
			}
		}
	}
	sort.Strings(found)
	return slices.Compact(found)
}

// requiresEmulator returns the first go.mod line (comments aside) that
// names the local stack's module, or "".
func requiresEmulator(gomod []byte) string {
	for line := range bytes.Lines(gomod) {
		code, _, _ := bytes.Cut(line, []byte("//"))
		for _, f := range strings.Fields(string(code)) {
			if emulator(f) {
				return strings.TrimSpace(string(line))
			}
		}
	}
	return ""
}

// Nothing of the functions' module imports the local emulator, test files
// included (issue 13): Lambda links only product code, the module's go.mod
// lists only what the functions and their unit tests need, and every test
// that runs the stack lives in infra/local's own module. The nested go.mod
// already makes such an import a build error; this test says why, and fails
// on the ways around the boundary: infra/local's go.mod gone, a go.work
// joining the two modules, a require or replace of the emulator's module.
func TestNoEmulatorInFunctionsModule(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, imp := range emulatorImports(loadPackages(t, root)) {
		t.Errorf("%s: only the local stack's module (infra/local/go.mod) imports the emulator; a test that runs the stack belongs there, e.g. infra/local/e2e/<function>", imp)
	}
	local, err := os.ReadFile(filepath.Join(root, "infra", "local", "go.mod"))
	if err != nil {
		t.Fatalf("infra/local is a module of its own: %v", err)
	}
	if !bytes.HasPrefix(local, []byte("module "+localModule+"\n")) {
		t.Errorf("infra/local/go.mod does not start with module %s", localModule)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if line := requiresEmulator(gomod); line != "" {
		t.Errorf("go.mod: %q: the functions' module requires nothing of the local emulator", line)
	}
	for _, dir := range []string{root, filepath.Join(root, "infra", "local")} {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			t.Errorf("%s: a workspace lets the functions' module import the local emulator again; each module builds on its own", filepath.Join(dir, "go.work"))
		}
	}
	cmd := exec.Command("go", "env", "GOWORK")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go env GOWORK: %v", err)
	}
	if w := strings.TrimSpace(string(out)); w != "" && w != "off" {
		t.Errorf("go env GOWORK is %s: a workspace lets the functions' module import the local emulator again; each module builds on its own", w)
	}
}

// The boundary check itself, on made-up packages and go.mod lines.
func TestNoEmulatorInFunctionsModuleCatches(t *testing.T) {
	pkgs := []pkg{
		{rel: "functions/exams", imports: []string{module + "/infra/local/stacktest", module + "/internal/exams"}},
		{rel: "internal/contracttest", testImports: []string{module + "/infra/local/template", module + "/infra/local/template"}},
		{rel: "internal/civil", imports: []string{module + "/infra/localx"}, testImports: []string{"github.com/other/infra/local"}},
	}
	want := []string{"functions/exams -> infra/local/stacktest", "internal/contracttest -> infra/local/template"}
	if got := emulatorImports(pkgs); !slices.Equal(got, want) {
		t.Errorf("emulator imports\n got %q\nwant %q", got, want)
	}
	for gomod, want := range map[string]string{
		"module " + module + "\n\nrequire (\n\t" + localModule + " v0.0.0\n)\n":  localModule + " v0.0.0",
		"replace " + localModule + " => ./infra/local\n":                         "replace " + localModule + " => ./infra/local",
		"// " + localModule + " is not required\nrequire example.com/x v1.0.0\n": "",
	} {
		if got := requiresEmulator([]byte(gomod)); got != want {
			t.Errorf("requiresEmulator(%q) = %q, want %q", gomod, got, want)
		}
	}
}
