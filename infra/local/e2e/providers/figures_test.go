package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/boc/cmp/functions/providers/wiring"
	"github.com/boc/cmp/infra/local/internal/roundtrips"
	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/providersapi"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/providers"
)

// seedHolders writes n certificants, each holding ASCPi-MLS under its own
// number, straight into the table (BatchWriteItem, 25 items a call): the
// API would take a thousand requests to set up what the test measures.
func seedHolders(t testing.TB, s *stacktest.Stack, prefix string, n int) []string {
	t.Helper()
	var reqs []types.WriteRequest
	numbers := make([]string, n)
	for i := range n {
		id, number := fmt.Sprintf("%s-%03d", prefix, i), fmt.Sprintf("%s-N%03d", prefix, i)
		numbers[i] = number
		p := partition.Profile{ID: id, Name: partition.Name{Given: "Ana", Family: "Reyes"}, Email: id + "@example.org", Country: "PH"}
		c := partition.Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", Number: number, CMPRequired: true}
		for _, item := range []any{p.Item(), partition.NewCertificationItem(id, p.Item(), c)} {
			av, err := attributevalue.MarshalMap(item)
			if err != nil {
				t.Fatal(err)
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		}
	}
	db := s.DynamoDB()
	for start := 0; start < len(reqs); start += 25 {
		batch := map[string][]types.WriteRequest{s.TableName: reqs[start:min(start+25, len(reqs))]}
		for len(batch[s.TableName]) > 0 {
			out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: batch})
			if err != nil {
				t.Fatalf("seed: %v", err)
			}
			batch = out.UnprocessedItems
		}
	}
	return numbers
}

func fullBatch(numbers []string, course string) []map[string]any {
	lines := make([]map[string]any, len(numbers))
	for i, n := range numbers {
		lines[i] = line(n, "Reyes", course, "hematology", "1.5", today().AddDays(-10))
	}
	return lines
}

// R-PROV-2, issue 16 figures: a batch of 500 lines, each for another
// certificant (500 distinct numbers, the most index lookups a batch can
// need), through the local stack well inside the function's timeout; and
// its DynamoDB round trips counted in-process: one GetItem for the
// provider, one ByNumber Query per distinct number (never a Scan: the
// table's API has none), one TransactWriteItems per dynamo.PutChunk postings, one
// PutItem for the batch.
func TestFullBatchFigures(t *testing.T) {
	s := stacktest.Get(t)
	numbers := seedHolders(t, s, "c-fig", providers.MaxLines)
	pid := register(t, s, "Figures CE")

	start := time.Now()
	b := post(t, s, s.ProviderToken("client-fig", pid), fullBatch(numbers, "FIG-1"))
	took := time.Since(start)
	if b.Summary.Posted != len(numbers) {
		t.Fatalf("summary %+v, want every line posted", b.Summary)
	}
	fn, ok := s.Template().Function("ProvidersFunction")
	if !ok {
		t.Fatal("no ProvidersFunction in the template")
	}
	timeout := fn.Timeout
	// Judged against the timeout itself: under a full parallel `make test` on
	// the shared 2-core machine the same batch has taken from 8 s to 24 s; the
	// figure is logged below for the report.
	if took > timeout {
		t.Errorf("500 lines took %s through the local stack, over the %s timeout", took, timeout)
	}

	c := &roundtrips.Counter{}
	rt := wiring.Router(dynamo.New(dynamodb.New(s.DynamoDB().Options(), c.Option), s.TableName), httpapi.NewLogger(io.Discard))
	body, err := json.Marshal(map[string]any{"completions": fullBatch(numbers, "FIG-2")})
	if err != nil {
		t.Fatal(err)
	}
	ev := events.APIGatewayV2HTTPRequest{RouteKey: providersapi.RoutePost, Body: string(body), Headers: map[string]string{"content-type": "application/json"}}
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{
			"sub": "client-fig", "cognito:groups": "[provider]", "provider_id": pid}}}
	c.Take()
	inProcess := time.Now()
	if resp := rt.Serve(context.Background(), ev); resp.StatusCode != 200 {
		t.Fatalf("in-process post: %d %.300s", resp.StatusCode, resp.Body)
	}
	n, spent := c.Take(), time.Since(inProcess)
	budget := int64(1 + len(numbers) + (len(numbers)+dynamo.PutChunk-1)/dynamo.PutChunk + 1)
	if n > budget {
		t.Errorf("500 lines: %d DynamoDB round trips, budget %d", n, budget)
	}
	t.Logf("issue 16 figures: 500 lines, 500 distinct numbers: %s through the local stack (HTTP API, function, DynamoDB Local); "+
		"in-process %s and %d DynamoDB round trips (budget %d); body %d KiB", took.Round(time.Millisecond), spent.Round(time.Millisecond), n, budget, len(body)>>10)
}
