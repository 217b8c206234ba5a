// Package roundtrips counts the DynamoDB requests a piece of code makes, with
// an SDK middleware, so tests can hold each route to its round-trip budget.
package roundtrips

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
)

// Counter counts the requests of every client built with its Option.
type Counter struct{ n atomic.Int64 }

// Option installs the counting middleware in a DynamoDB client. It sits in
// the finalize step after the retryer, so each attempt sent is one round trip.
func (c *Counter) Option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("CountRoundTrips",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				c.n.Add(1)
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}

// Take returns the count so far and starts again from zero.
func (c *Counter) Take() int64 { return c.n.Swap(0) }
