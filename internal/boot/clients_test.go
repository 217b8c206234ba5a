package boot_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/secrets"
	"github.com/boc/cmp/internal/boot/ses"
)

// Each client reaches the endpoint override its service's variable names
// (the local stack's SES local), with its retries: one attempt for SES
// (mail.Throttled retries), the SDK's standard three for Secrets Manager.
func TestServiceClients(t *testing.T) {
	e := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:8005", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:4566"}
	getenv := func(k string) string { return e[k] }
	cfg, err := boot.AWSConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	sesOpts, smOpts := ses.Client(cfg, getenv).Options(), secrets.Client(cfg, getenv).Options()
	for _, c := range []struct {
		name, endpoint string
		attempts       int
		want           string
		wantAttempts   int
	}{
		{"sesv2", aws.ToString(sesOpts.BaseEndpoint), sesOpts.Retryer.MaxAttempts(), "http://127.0.0.1:8005", 1},
		{"secretsmanager", aws.ToString(smOpts.BaseEndpoint), smOpts.Retryer.MaxAttempts(), "http://127.0.0.1:4566", 3},
	} {
		if c.endpoint != c.want || c.attempts != c.wantAttempts {
			t.Errorf("%s: endpoint %q attempts %d, want %q and %d", c.name, c.endpoint, c.attempts, c.want, c.wantAttempts)
		}
	}
}
