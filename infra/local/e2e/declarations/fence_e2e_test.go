package e2e

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/boc/cmp/functions/declarations/wiring"
	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/stripeapi"
)

// readCommittedQuery is a client of DynamoDB Local whose first Query returns
// what a read-committed Query of real DynamoDB may return while a transaction
// commits under it: the items sorted before the transcript version as they
// were before rival ran, the rest (the version among them) as after.
type readCommittedQuery struct {
	*dynamodb.Client
	rival func()
	once  sync.Once
}

func (c *readCommittedQuery) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	before, err := c.Client.Query(ctx, in, opts...)
	fired := false
	c.once.Do(func() { c.rival(); fired = true })
	if err != nil || !fired {
		return before, err
	}
	after, err := c.Client.Query(ctx, in, opts...)
	if err != nil {
		return nil, err
	}
	var items []map[string]types.AttributeValue
	for _, it := range before.Items {
		if dynamo.Item(it).SK() < dynamo.TranscriptVersionSK {
			items = append(items, it)
		}
	}
	for _, it := range after.Items {
		if dynamo.Item(it).SK() >= dynamo.TranscriptVersionSK {
			items = append(items, it)
		}
	}
	after.Items, after.Count = items, int32(len(items))
	return after, nil
}

// Issue 11 item 3, R-FEE-2: a submission whose partition Query saw the
// transcript version after another submission committed but that
// submission's declaration not yet is judged again, not charged in full:
// the version it commits against was read on its own before the Query.
func TestSubmissionNotJudgedOnAPartialQuery(t *testing.T) {
	s := stacktest.Get(t)
	sc := newScene(t, s, "c-fence", map[string]int{"ASCPi-MLS": 2, "ASCPi-SBB": 2})
	var rival receipt
	client := &readCommittedQuery{Client: s.DynamoDB(), rival: func() {
		r := submit(t, s, sc, "ASCPi-SBB")
		if r.Status != 201 || json.Unmarshal(r.Body, &rival) != nil {
			t.Errorf("rival submission: %d %s", r.Status, r.Body)
		}
	}}
	rt := wiring.Router(dynamo.New(client, s.TableName), stripeapi.New("sk_test_local", s.StripeURL), httpapi.NewLogger(io.Discard))
	resp := rt.Serve(context.Background(), event("POST /v1/declarations", sc.id, `{"certificantId":"`+sc.id+`","certification":"ASCPi-MLS"}`, nil))
	var got receipt
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &got) != nil {
		t.Fatalf("submission: %d %s", resp.StatusCode, resp.Body)
	}
	if rival.Fee.TotalCents != 9500 || got.Fee.TotalCents != 1500 {
		t.Errorf("fees: rival %d, submission %d; want 9500 (R-FEE-1) then the reduced 1500 (R-FEE-2)", rival.Fee.TotalCents, got.Fee.TotalCents)
	}
}
