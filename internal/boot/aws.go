package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Getenv reads one environment variable; os.Getenv in the functions, a map in tests.
type Getenv func(string) string

// credentialSource names where the keys came from, as the SDK's own
// environment provider does.
const credentialSource = "EnvConfigCredentials"

// AWSConfig is the SDK configuration every client is built from: the region
// and the execution role's credentials that Lambda puts in the environment.
// It replaces config.LoadDefaultConfig, whose chain (shared files, SSO, STS,
// IMDS) a Lambda never reaches but every binary linked and ran at init.
//
// The credentials are the ones the default chain would pick too (the
// environment comes first) and, like it, are never refreshed: Lambda gives
// each sandbox credentials that outlive it, and a new sandbox gets new ones
// in its environment. Missing keys fail the init instead of falling through
// to a chain that would not find others.
func AWSConfig(getenv Getenv) (aws.Config, error) {
	region := firstSet(getenv, "AWS_REGION", "AWS_DEFAULT_REGION")
	if region == "" {
		return aws.Config{}, errors.New("boot: AWS_REGION is not set")
	}
	creds := aws.Credentials{
		AccessKeyID:     firstSet(getenv, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
		SecretAccessKey: firstSet(getenv, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Source:          credentialSource,
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return aws.Config{}, errors.New("boot: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	return aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
	}, nil
}

// Endpoint is the endpoint override of one service as the SDK reads it
// (AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, none when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true); nil means the AWS endpoint.
// The local stack points DYNAMODB, DYNAMODB_STREAMS and SESV2 at its parts.
func Endpoint(getenv Getenv, service string) *string {
	if getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == "true" {
		return nil
	}
	if url := firstSet(getenv, "AWS_ENDPOINT_URL_"+service, "AWS_ENDPOINT_URL"); url != "" {
		return &url
	}
	return nil
}

// DynamoDB is the table's client, with the SDK's standard retries.
func DynamoDB(cfg aws.Config, getenv Getenv) *dynamodb.Client {
	endpoint := Endpoint(getenv, "DYNAMODB")
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = endpoint })
}

func firstSet(getenv Getenv, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// AWS is AWSConfig from the process environment; the process exits if it
// cannot be made.
func AWS(log *slog.Logger) aws.Config {
	cfg, err := AWSConfig(os.Getenv)
	if err != nil {
		Fatal(log, fmt.Errorf("aws config: %w", err))
	}
	return cfg
}
