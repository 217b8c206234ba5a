package dynamo

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Delete removes one item under cond, within a transaction (Transact) (e.g. a claim or pending marker only
// while it still names the declaration releasing it).
func Delete(label string, key Key, cond Condition) (Write, error) {
	k, err := attributevalue.MarshalMap(key)
	if err != nil {
		return Write{}, fmt.Errorf("dynamo: marshal key of %s: %w", label, err)
	}
	vals, err := marshalValues(cond.Values)
	if err != nil {
		return Write{}, fmt.Errorf("dynamo: %s: %w", label, err)
	}
	d := &types.Delete{Key: k, ExpressionAttributeValues: vals}
	if cond.Expr != "" {
		d.ConditionExpression = aws.String(cond.Expr)
	}
	if len(cond.Names) > 0 {
		d.ExpressionAttributeNames = cond.Names
	}
	return Write{Label: label, item: types.TransactWriteItem{Delete: d}}, nil
}
