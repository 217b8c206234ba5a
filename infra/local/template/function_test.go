package template

import "testing"

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
