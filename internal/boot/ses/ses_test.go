package ses

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/boc/cmp/internal/boot"
)

// The SES client makes one attempt per call (mail.Throttled retries) and
// reaches SES local through AWS_ENDPOINT_URL_SESV2.
func TestClient(t *testing.T) {
	e := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:8005"}
	getenv := func(k string) string { return e[k] }
	cfg, err := boot.AWSConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	o := Client(cfg, getenv).Options()
	if aws.ToString(o.BaseEndpoint) != "http://127.0.0.1:8005" || o.Retryer.MaxAttempts() != 1 {
		t.Errorf("endpoint %q attempts %d", aws.ToString(o.BaseEndpoint), o.Retryer.MaxAttempts())
	}
}
