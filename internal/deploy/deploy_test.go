package deploy

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/credential"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/inactive"
	"github.com/boc/cmp/internal/providers"
	"github.com/boc/cmp/internal/quotes"
	"github.com/boc/cmp/internal/transcript"
	"github.com/boc/cmp/internal/verification"
)

const root = "../.."

// routers lists, per HTTP function of the template, its router wired with
// nil services. A new HTTP function adds its line here.
func routers() map[string]*httpapi.Router {
	discard := httpapi.NewLogger(io.Discard)
	return map[string]*httpapi.Router{
		"CertificantsFunction":  certificantRouter(discard),
		"CredentialsFunction":   credential.NewRouter(nil, discard),
		"DeclarationsFunction":  declarationRouter(discard),
		"FeesFunction":          quotes.NewRouter(nil, discard),
		"ExamsFunction":         exams.NewRouter(nil, nil, nil, discard),
		"TranscriptFunction":    transcript.NewRouter(transcript.NewService(nil, nil, time.Now), discard), // the clock judges an entry's shape (R-ACT-11)
		"ProvidersFunction":     providers.NewRouter(nil, discard),
		"VerificationsFunction": verification.NewRouter(nil, nil, discard),
	}
}

func loadFunctions(t *testing.T) []Function {
	t.Helper()
	fns, err := LoadFunctions(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
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
		dir := FunctionDir(fn.LogicalID)
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
			if err := CheckSchedule(s.Expression, s.Timezone); err != nil {
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
		if _, ok := EventFunction(filepath.Base(f), ids); !ok {
			t.Errorf("events/%s is not named after the folder of a function of %q", filepath.Base(f), ids)
		}
	}
}

func TestEventFunction(t *testing.T) {
	ids := []string{"MailFunction", "MailSenderFunction", "CertificantsFunction"}
	cases := map[string]string{
		"certificants-get.json":   "CertificantsFunction",
		"certificants.json":       "CertificantsFunction",
		"mail-sender-outbox.json": "MailSenderFunction",
		"mail-x.json":             "MailFunction",
		"certificantsx.json":      "",
	}
	for file, want := range cases {
		if got, _ := EventFunction(file, ids); got != want {
			t.Errorf("%s -> %q, want %q", file, got, want)
		}
	}
}

func TestFunctionDir(t *testing.T) {
	for id, want := range map[string]string{
		"CertificantsFunction":         "functions/certificants",
		"MailSenderFunction":           "functions/mail-sender",
		"CmpRemindersFunction":         "functions/cmp-reminders",
		"DeclarationDeadlinesFunction": "functions/declaration-deadlines",
	} {
		if got := FunctionDir(id); got != want {
			t.Errorf("FunctionDir(%s) = %s, want %s", id, got, want)
		}
	}
}

func TestCheckSchedule(t *testing.T) {
	tests := []struct {
		expr, tz string
		ok       bool
	}{
		{"cron(0 6 * * ? *)", "America/New_York", true},
		{"cron(15 10 ? * MON-FRI *)", "", true},
		{"cron(0/15 * * * ? 2026)", "UTC", true},
		{"cron(0 8 L * ? *)", "", true},
		{"cron(0 8 ? * 2#1 *)", "", true},
		{"cron(0 8 15W JAN,JUL ? *)", "", true},
		{"rate(1 day)", "", true},
		{"rate(5 minutes)", "", true},
		{"at(2026-01-31T06:00:00)", "America/New_York", true},
		{"cron(0 6 * * * *)", "", false},        // both day fields set
		{"cron(0 6 ? * ? *)", "", false},        // neither
		{"cron(0 24 * * ? *)", "", false},       // hour out of range
		{"cron(60 6 * * ? *)", "", false},       // minute out of range
		{"cron(0 6 * 13 ? *)", "", false},       // month out of range
		{"cron(0 6 ? * FUNDAY *)", "", false},   // unknown weekday
		{"cron(0 6 * * ?)", "", false},          // five fields
		{"cron(0 6 * * ? *)", "Eastern", false}, // not an IANA zone
		{"cron(0 6 * * ? *)", "America/Nowhere", false},
		{"rate(1 days)", "", false},
		{"rate(2 day)", "", false},
		{"rate(0 minutes)", "", false},
		{"rate(1 week)", "", false},
		{"at(2026-01-31 06:00)", "", false},
		{"daily", "", false},
	}
	for _, tc := range tests {
		if err := CheckSchedule(tc.expr, tc.tz); (err == nil) != tc.ok {
			t.Errorf("CheckSchedule(%q, %q) = %v, want ok=%v", tc.expr, tc.tz, err, tc.ok)
		}
	}
}

// certificantRouter is the certificants router with the inactive status
// routes mounted, as functions/certificants wires it.
func certificantRouter(log *slog.Logger) *httpapi.Router {
	rt := certificants.NewRouter(nil, log)
	inactive.Mount(rt, nil)
	return rt
}

// declarationRouter is the declarations router with the lifecycle routes
// mounted beside them, as functions/declarations wires it.
func declarationRouter(log *slog.Logger) *httpapi.Router {
	rt := declarations.NewRouter(nil, log)
	declarations.Mount(rt, nil)
	return rt
}
