package template

import (
	"regexp"
	"strings"
)

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
