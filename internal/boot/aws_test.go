package boot

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

// lambdaEnv is what Lambda puts in a function's environment (and the local
// runner too, with its endpoint overrides).
func lambdaEnv() map[string]string {
	return map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token"}
}

// The static configuration carries the region and the role's credentials
// with their session token, as the SDK's default chain resolves them from
// the environment; without them the init fails instead of probing further.
func TestAWSConfig(t *testing.T) {
	cfg, err := AWSConfig(env(lambdaEnv()))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "us-east-1" || creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "secret" ||
		creds.SessionToken != "token" || creds.CanExpire {
		t.Errorf("config %q, credentials %+v", cfg.Region, creds)
	}
	for _, missing := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		e := lambdaEnv()
		delete(e, missing)
		if _, err := AWSConfig(env(e)); err == nil {
			t.Errorf("no %s: no error", missing)
		}
	}
}

// The endpoint overrides the local stack sets reach the clients as the SDK
// reads them: the service's own variable first, then AWS_ENDPOINT_URL.
func TestEndpoint(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, ""},
		{map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}, "http://127.0.0.1:8000"},
		{map[string]string{"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb"}, "http://ddb"},
		{map[string]string{"AWS_ENDPOINT_URL": "http://all"}, "http://all"},
		{map[string]string{"AWS_ENDPOINT_URL_SESV2": "http://ses"}, ""},
		{map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://ddb", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, ""},
	}
	for _, tc := range tests {
		if got := aws.ToString(Endpoint(env(tc.env), "DYNAMODB")); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.env, got, tc.want)
		}
	}
}

// The DynamoDB client keeps the SDK's standard retries (3 attempts), as
// with LoadDefaultConfig and no retry settings in the environment.
func TestDynamoDBClient(t *testing.T) {
	e := lambdaEnv()
	e["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:8000"
	cfg, err := AWSConfig(env(e))
	if err != nil {
		t.Fatal(err)
	}
	o := DynamoDB(cfg, env(e)).Options()
	if aws.ToString(o.BaseEndpoint) != "http://127.0.0.1:8000" || o.Region != "us-east-1" || o.Retryer.MaxAttempts() != 3 {
		t.Errorf("endpoint %q region %q attempts %d", aws.ToString(o.BaseEndpoint), o.Region, o.Retryer.MaxAttempts())
	}
}
