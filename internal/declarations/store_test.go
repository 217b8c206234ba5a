package declarations

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestConflicted(t *testing.T) {
	// Real DynamoDB cancels racing transactions with TransactionConflict:
	// that is ErrBusy (a retryable 409), not a 500.
	reasons := func(codes ...string) error {
		e := &types.TransactionCanceledException{}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("dynamo: transaction canceled: %w", e)
	}
	tests := []struct {
		err  error
		want bool
	}{
		{reasons("None", "TransactionConflict"), true},
		{reasons("None", "ValidationError"), false},
		{errors.New("timeout"), false},
	}
	for _, tc := range tests {
		if got := conflicted(tc.err); got != tc.want {
			t.Errorf("conflicted(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
