package exams

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
)

// tableAPI records the writes it is asked for and cancels transactions with
// the given reasons.
type tableAPI struct {
	dynamo.API
	transactions [][]types.TransactWriteItem
	puts         int
	cancel       []string
}

func (f *tableAPI) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.transactions = append(f.transactions, in.TransactItems)
	if f.cancel == nil {
		return &dynamodb.TransactWriteItemsOutput{}, nil
	}
	e := &types.TransactionCanceledException{}
	for _, c := range f.cancel {
		e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
	}
	return nil, e
}

func (f *tableAPI) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.puts++
	return &dynamodb.PutItemOutput{}, nil
}

// R-EXAM-1: a pass and its registration are one transaction (attempt put if
// absent, certification put if absent or checked when held); a refused
// registration stores no attempt, a taken number is ErrTaken.
func TestAddPassIsOneTransaction(t *testing.T) {
	holder := partition.Profile{ID: "c1", Name: partition.Name{Given: "Ana", Family: "Cruz"}, Email: "ana@example.org"}
	pass := Attempt{CertificantID: "c1", Certification: "ASCPi-MLS", Program: "ASCPi", Route: "1", Attempt: 1,
		ID: AttemptID("ASCPi-MLS", "1", 1), Passed: true, ExamDate: d("2025-02-03"), CertificationNumber: "N-7"}
	newReg := &Earned{Holder: holder, Certification: partition.Certification{Key: "ASCPi-MLS", Number: "N-7", CycleEnd: "2028-02-29"}}
	held := &Earned{Holder: holder, Certification: partition.Certification{Key: "ASCPi-MLS", Number: "N-7"}, Held: true}
	cases := []struct {
		name     string
		earned   *Earned
		cancel   []string
		want     error
		register bool // the second write puts the certification (else checks it)
	}{
		{"new registration", newReg, nil, nil, true},
		{"held registration", held, nil, nil, false},
		{"registered meanwhile", newReg, []string{"None", "ConditionalCheckFailed"}, ErrRegistrationChanged, true},
		{"number taken", newReg, []string{"ConditionalCheckFailed", "None"}, ErrTaken, true},
	}
	for _, c := range cases {
		api := &tableAPI{cancel: c.cancel}
		err := NewTableStore(dynamo.New(api, "t"), nil).AddAttempt(context.Background(), pass, c.earned)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if api.puts != 0 || len(api.transactions) != 1 || len(api.transactions[0]) != 2 {
			t.Fatalf("%s: %d single puts, transactions %v; want one transaction of two writes", c.name, api.puts, api.transactions)
		}
		attempt, reg := api.transactions[0][0], api.transactions[0][1]
		if attempt.Put == nil || aws.ToString(attempt.Put.ConditionExpression) != "attribute_not_exists(pk)" {
			t.Errorf("%s: attempt write %+v, want a put if absent", c.name, attempt)
		}
		switch {
		case c.register && (reg.Put == nil || aws.ToString(reg.Put.ConditionExpression) != "attribute_not_exists(pk)"):
			t.Errorf("%s: registration write %+v, want a put if absent", c.name, reg)
		case c.register && reg.Put.Item["email"] == nil:
			t.Errorf("%s: registration is not certificants' item: %v", c.name, reg.Put.Item)
		case !c.register && reg.ConditionCheck == nil:
			t.Errorf("%s: registration write %+v, want a check of the held one", c.name, reg)
		}
	}
	// A fail registers nothing: one conditional put.
	api := &tableAPI{}
	fail := pass
	fail.Passed = false
	if err := NewTableStore(dynamo.New(api, "t"), nil).AddAttempt(context.Background(), fail, nil); err != nil || api.puts != 1 || len(api.transactions) != 0 {
		t.Errorf("fail: %v, %d puts, %d transactions", err, api.puts, len(api.transactions))
	}
}
