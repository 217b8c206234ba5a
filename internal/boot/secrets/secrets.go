// Package secrets builds the Secrets Manager client of the credentials
// function, apart from boot so that only that function links the service.
package secrets

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/boc/cmp/internal/boot"
)

// Client is the Secrets Manager client of cfg, at
// AWS_ENDPOINT_URL_SECRETS_MANAGER when set (as the SDK's own configuration
// reads it), with the SDK's standard retries.
func Client(cfg aws.Config, getenv boot.Getenv) *secretsmanager.Client {
	endpoint := boot.Endpoint(getenv, "SECRETS_MANAGER")
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = endpoint })
}
