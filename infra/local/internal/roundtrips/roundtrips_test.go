package roundtrips

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// roundTripper answers every request with an empty GetItem result and counts them.
type roundTripper struct{ n atomic.Int64 }

func (rt *roundTripper) Do(r *http.Request) (*http.Response, error) {
	rt.n.Add(1)
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: http.NoBody, Request: r, ContentLength: 0}, nil
}

func TestCounterCountsEachRequest(t *testing.T) {
	var c Counter
	wire := &roundTripper{}
	client := dynamodb.New(dynamodb.Options{Region: "us-east-1", HTTPClient: wire, BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: aws.AnonymousCredentials{}}, c.Option)
	for range 3 {
		_, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "p"}}})
		if err != nil && !strings.Contains(err.Error(), "deserialization") {
			t.Fatal(err)
		}
	}
	if got, sent := c.Take(), wire.n.Load(); got != 3 || sent != 3 {
		t.Errorf("counted %d, sent %d: want 3 and 3", got, sent)
	}
	if again := c.Take(); again != 0 {
		t.Errorf("Take did not reset: %d", again)
	}
}
