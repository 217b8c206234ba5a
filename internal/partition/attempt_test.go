package partition

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/boc/cmp/internal/dynamo"
)

// queryAPI answers every Query with the stored items whose sort key begins
// with the asked prefix, and counts the Queries.
type queryAPI struct {
	dynamo.API
	items   []AttemptItem
	queries int
}

func (f *queryAPI) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.queries++
	prefix := in.ExpressionAttributeValues[":prefix"].(*types.AttributeValueMemberS).Value
	out := &dynamodb.QueryOutput{}
	for _, it := range f.items {
		if strings.HasPrefix(it.SK, prefix) {
			av, err := attributevalue.MarshalMap(it)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, av)
		}
	}
	out.Count = int32(len(out.Items))
	return out, nil
}

// R-VER-1: a certification is earned by passing when any of its attempts,
// under any route, passed; another certification's pass does not count,
// nor one whose key merely begins the same (ASCPi-SB, ASCPi-SBB).
// One Query, as before the reader moved here.
func TestPassed(t *testing.T) {
	pass := func(cert, route string, n int, passed bool) AttemptItem {
		it := NewAttemptItem("c1", cert, route, n)
		it.Passed = passed
		return it
	}
	api := &queryAPI{items: []AttemptItem{
		pass("ASCPi-MLS", "1", 1, false), pass("ASCPi-MLS", "2", 1, true), pass("ASCPi-MLT", "1", 1, false),
		pass("ASCPi-SBB", "1", 1, true),
	}}
	r := NewReader(dynamo.New(api, "t"))
	for cert, want := range map[string]bool{"ASCPi-MLS": true, "ASCPi-MLT": false, "ASCPi-SB": false} {
		api.queries = 0
		got, err := r.Passed(context.Background(), "c1", cert)
		if err != nil || got != want || api.queries != 1 {
			t.Errorf("%s: passed %v, %v after %d queries; want %v after one", cert, got, err, api.queries, want)
		}
	}
}
