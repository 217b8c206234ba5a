// Package ses builds the SES v2 client of the mail sender. It is apart from
// boot so that only the mail sender links the sesv2 package (whose schema
// tables are initialised at start-up in every binary that imports it).
package ses

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/boc/cmp/internal/boot"
)

// Client is the mail client, without SDK retries: mail.Throttled is the one
// retry layer (rate, jittered backoff, attempts); SDK retries under it would
// multiply the attempts (3 x 4) and wait up to 20 s each, while the stream
// batch waits behind them.
func Client(cfg aws.Config, getenv boot.Getenv) *sesv2.Client {
	endpoint := boot.Endpoint(getenv, "SESV2")
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		o.BaseEndpoint = endpoint
		o.RetryMaxAttempts = 1
	})
}
