// Package deploy reads what template.yaml declares about functions (folders,
// HTTP routes, schedules), so tests can hold code and template to one truth.
package deploy

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Function is an AWS::Serverless::Function of the template.
type Function struct {
	LogicalID string
	Routes    []string   // HttpApi events as API Gateway route keys, sorted
	Schedules []Schedule // ScheduleV2 events
}

// Schedule is one ScheduleV2 event.
type Schedule struct {
	Event      string
	Expression string
	Timezone   string
}

type template struct {
	Resources map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			Events map[string]struct {
				Type       string `yaml:"Type"`
				Properties struct {
					Method                     string `yaml:"Method"`
					Path                       string `yaml:"Path"`
					ScheduleExpression         string `yaml:"ScheduleExpression"`
					ScheduleExpressionTimezone string `yaml:"ScheduleExpressionTimezone"`
				} `yaml:"Properties"`
			} `yaml:"Events"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
}

// LoadFunctions reads the functions of a SAM template, sorted by logical id.
func LoadFunctions(path string) ([]Function, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	var t template
	if err := yaml.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("deploy: parse %s: %w", path, err)
	}
	var fns []Function
	for id, r := range t.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		fn := Function{LogicalID: id}
		for name, ev := range r.Properties.Events {
			p := ev.Properties
			switch ev.Type {
			case "HttpApi":
				fn.Routes = append(fn.Routes, strings.ToUpper(p.Method)+" "+p.Path)
			case "ScheduleV2":
				fn.Schedules = append(fn.Schedules, Schedule{Event: name, Expression: p.ScheduleExpression, Timezone: p.ScheduleExpressionTimezone})
			}
		}
		sort.Strings(fn.Routes)
		sort.Slice(fn.Schedules, func(i, j int) bool { return fn.Schedules[i].Event < fn.Schedules[j].Event })
		fns = append(fns, fn)
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].LogicalID < fns[j].LogicalID })
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
