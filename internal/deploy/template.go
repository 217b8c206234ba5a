// Package deploy reads what template.yaml declares about functions (folders,
// HTTP routes, schedules), so tests can hold code and template to one truth.
package deploy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/boc/cmp/infra/local/template"
)

// Function is an AWS::Serverless::Function of the template.
type Function struct {
	LogicalID string
	Routes    []string            // HttpApi events as API Gateway route keys, sorted
	Schedules []template.Schedule // ScheduleV2 events, by event name
}

// LoadFunctions reads the functions of a SAM template, sorted by logical id,
// through the local stack's template reader, so both read it alike.
func LoadFunctions(path string) ([]Function, error) {
	tpl, err := template.Load(path, template.Options{})
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	fns := make([]Function, len(tpl.Functions))
	for i, f := range tpl.Functions {
		fn := Function{LogicalID: f.LogicalID, Schedules: f.Schedules}
		for _, r := range f.HTTP {
			fn.Routes = append(fn.Routes, r.Method+" "+r.Path)
		}
		sort.Strings(fn.Routes)
		fns[i] = fn
	}
	return fns, nil
}

var wordStart = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// FunctionDir is the folder of a function's main package, by the Makefile's
// rule: CertificantsFunction -> functions/certificants,
// MailSenderFunction -> functions/mail-sender.
func FunctionDir(logicalID string) string {
	base := strings.TrimSuffix(logicalID, "Function")
	return "functions/" + strings.ToLower(wordStart.ReplaceAllString(base, "$1-$2"))
}

// EventFunction is the logical id, among ids, of the function a sample event
// file is for: events/ names files <function-folder>[-what].json, and the
// longest matching folder wins (mail-sender-x.json is MailSender's, not Mail's).
func EventFunction(file string, ids []string) (string, bool) {
	best, bestDir := "", ""
	for _, id := range ids {
		dir := strings.TrimPrefix(FunctionDir(id), "functions/")
		if (strings.HasPrefix(file, dir+"-") || file == dir+".json") && len(dir) > len(bestDir) {
			best, bestDir = id, dir
		}
	}
	return best, best != ""
}
