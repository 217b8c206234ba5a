// Package contracttest holds the code to its one source of truth: function
// folders, routers, schedules and sample events to template.yaml, template
// routes to openapi.yaml, every route to api.md's who-may-call table. It is
// test code only: it deploys nothing, and it may read the template through
// the local stack's reader because no product code links it.
package contracttest

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/scheduler"
	"github.com/boc/cmp/infra/local/template"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/certificantsapi"
	"github.com/boc/cmp/internal/httpapi/credentialapi"
	"github.com/boc/cmp/internal/httpapi/declarationsapi"
	"github.com/boc/cmp/internal/httpapi/examsapi"
	"github.com/boc/cmp/internal/httpapi/inactiveapi"
	"github.com/boc/cmp/internal/httpapi/paymentsapi"
	"github.com/boc/cmp/internal/httpapi/providersapi"
	"github.com/boc/cmp/internal/httpapi/quotesapi"
	"github.com/boc/cmp/internal/httpapi/transcriptapi"
	"github.com/boc/cmp/internal/httpapi/verificationapi"
	"github.com/boc/cmp/internal/transcript"
)

const root = "../../.."

// routers lists, per HTTP function of the template, its router wired with
// nil services. A new HTTP function adds its line here.
func routers() map[string]*httpapi.Router {
	discard := httpapi.NewLogger(io.Discard)
	return map[string]*httpapi.Router{
		"CertificantsFunction":  certificantRouter(discard),
		"CredentialsFunction":   credentialapi.NewRouter(nil, discard),
		"DeclarationsFunction":  declarationRouter(discard),
		"FeesFunction":          quotesapi.NewRouter(nil, discard),
		"ExamsFunction":         examsapi.NewRouter(nil, nil, nil, nil, discard),
		"TranscriptFunction":    transcriptapi.NewRouter(transcript.NewService(nil, nil, time.Now), discard), // the clock judges an entry's shape (R-ACT-11)
		"ProvidersFunction":     providersapi.NewRouter(nil, discard),
		"VerificationsFunction": verificationapi.NewRouter(nil, nil, nil, discard),
		"PaymentsFunction":      paymentsapi.NewRouter(nil, nil, nil, time.Now, discard),
	}
}

// function is an AWS::Serverless::Function of the template as these tests
// compare it.
type function struct {
	LogicalID string
	Routes    []string            // HttpApi events as API Gateway route keys, sorted
	Schedules []template.Schedule // ScheduleV2 events, by event name
}

// loadFunctions reads the template's functions, sorted by logical id, through
// the local stack's template reader, so both read it alike.
func loadFunctions(t *testing.T) []function {
	t.Helper()
	tpl, err := template.Load(filepath.Join(root, "template.yaml"), template.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fns := make([]function, len(tpl.Functions))
	for i, f := range tpl.Functions {
		fn := function{LogicalID: f.LogicalID, Schedules: f.Schedules}
		for _, r := range f.HTTP {
			fn.Routes = append(fn.Routes, r.Method+" "+r.Path)
		}
		sort.Strings(fn.Routes)
		fns[i] = fn
	}
	if len(fns) == 0 {
		t.Fatal("template declares no functions")
	}
	return fns
}

// architecture.md "One source of truth": every function folder has a
// template entry and every template function has a folder.
func TestFunctionFoldersMatchTemplate(t *testing.T) {
	declared := map[string]bool{}
	for _, fn := range loadFunctions(t) {
		dir := template.FunctionDir(fn.LogicalID)
		declared[dir] = true
		if _, err := os.Stat(filepath.Join(root, dir, "main.go")); err != nil {
			t.Errorf("%s: no %s/main.go", fn.LogicalID, dir)
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !declared["functions/"+e.Name()] {
			t.Errorf("functions/%s has no template entry", e.Name())
		}
	}
}

// Every HttpApi route of the template is served by its function's router,
// and every routed key is declared in the template.
func TestRoutesMatchRouters(t *testing.T) {
	served := routers()
	for _, fn := range loadFunctions(t) {
		rt, ok := served[fn.LogicalID]
		delete(served, fn.LogicalID)
		if len(fn.Routes) == 0 && !ok {
			continue
		}
		if !ok {
			t.Errorf("%s: template routes %q, but no router registered in this test", fn.LogicalID, fn.Routes)
			continue
		}
		if got := rt.Routes(); !slices.Equal(got, fn.Routes) {
			t.Errorf("%s: template routes %q, router serves %q", fn.LogicalID, fn.Routes, got)
		}
	}
	for id := range served {
		t.Errorf("router for %s, which the template does not declare", id)
	}
}

// ScheduleV2 expressions and time zones parse (cfn-lint does not check them).
func TestSchedulesParse(t *testing.T) {
	for _, fn := range loadFunctions(t) {
		for _, s := range fn.Schedules {
			if err := scheduler.Check(s.Expression, s.Timezone); err != nil {
				t.Errorf("%s %s: %v", fn.LogicalID, s.Event, err)
			}
		}
	}
}

// Sample events are named after their function's folder.
func TestSampleEventNames(t *testing.T) {
	var ids []string
	for _, fn := range loadFunctions(t) {
		ids = append(ids, fn.LogicalID)
	}
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := template.EventFunction(filepath.Base(f), ids); !ok {
			t.Errorf("events/%s is not named after the folder of a function of %q", filepath.Base(f), ids)
		}
	}
}

// certificantRouter is the certificants router with the inactive status
// routes mounted, as functions/certificants wires it.
func certificantRouter(log *slog.Logger) *httpapi.Router {
	rt := certificantsapi.NewRouter(nil, log)
	inactiveapi.Mount(rt, nil, nil, nil)
	return rt
}

// declarationRouter is the declarations router with the lifecycle routes
// mounted beside them, as functions/declarations wires it.
func declarationRouter(log *slog.Logger) *httpapi.Router {
	rt := declarationsapi.NewRouter(nil, nil, log)
	declarationsapi.Mount(rt, nil)
	return rt
}
