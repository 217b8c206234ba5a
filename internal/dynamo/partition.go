package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is one raw item of a partition, for readers that decode items of
// several types from one Query.
type Item map[string]types.AttributeValue

// SK is the item's sort key ("" when absent).
func (it Item) SK() string {
	if s, ok := it["sk"].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// Decode unmarshals the item into out, a pointer to a struct.
func (it Item) Decode(out any) error {
	if err := attributevalue.UnmarshalMap(it, out); err != nil {
		return fmt.Errorf("dynamo: unmarshal %s: %w", it.SK(), err)
	}
	return nil
}

// QueryPartition reads every item of partition pk (all pages, strongly
// consistent): one round trip for a partition under 1 MB, whatever mix of
// item types it holds.
func (t *Table) QueryPartition(ctx context.Context, pk string) ([]Item, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &t.name,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
		ConsistentRead:            aws.Bool(true),
	}
	var items []Item
	p := dynamodb.NewQueryPaginator(t.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: query partition %s: %w", pk, err)
		}
		for _, it := range page.Items {
			items = append(items, it)
		}
	}
	return items, nil
}
