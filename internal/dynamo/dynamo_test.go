package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fakeAPI answers from canned values and records what it was asked.
type fakeAPI struct {
	item     map[string]types.AttributeValue
	gets     int // GetItem calls; afterGets items appear from this call on
	appearAt int
	txErr    error
	txErrs   []error // when set, the answers of successive transactions (then txErr)
	updErr   error
	putErr   error
	lastTx   *dynamodb.TransactWriteItemsInput
	lastUpd  *dynamodb.UpdateItemInput
	pages    [][]map[string]types.AttributeValue
	queryIns []*dynamodb.QueryInput
	// BatchGetItem answers batch, after leaving every key unprocessed in
	// the first unprocessed rounds.
	batch       []map[string]types.AttributeValue
	unprocessed int
	batchIns    []*dynamodb.BatchGetItemInput
}

func (f *fakeAPI) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.batchIns = append(f.batchIns, in)
	if len(f.batchIns) <= f.unprocessed {
		return &dynamodb.BatchGetItemOutput{UnprocessedKeys: in.RequestItems}, nil
	}
	out := map[string][]map[string]types.AttributeValue{}
	for name := range in.RequestItems {
		out[name] = f.batch
	}
	return &dynamodb.BatchGetItemOutput{Responses: out}, nil
}

func (f *fakeAPI) GetItem(_ context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.gets++
	if f.gets < f.appearAt {
		return &dynamodb.GetItemOutput{}, nil
	}
	return &dynamodb.GetItemOutput{Item: f.item}, nil
}

func (f *fakeAPI) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.queryIns = append(f.queryIns, in)
	n := len(f.queryIns) - 1
	out := &dynamodb.QueryOutput{Items: f.pages[n]}
	if n+1 < len(f.pages) {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "next"}}
	}
	return out, nil
}

func (f *fakeAPI) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.lastTx = in
	if len(f.txErrs) > 0 {
		err := f.txErrs[0]
		f.txErrs = f.txErrs[1:]
		return &dynamodb.TransactWriteItemsOutput{}, err
	}
	return &dynamodb.TransactWriteItemsOutput{}, f.txErr
}

func (f *fakeAPI) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return &dynamodb.PutItemOutput{}, f.putErr
}

func (f *fakeAPI) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.lastUpd = in
	return &dynamodb.UpdateItemOutput{}, f.updErr
}

func reasons(codes ...string) *types.TransactionCanceledException {
	e := &types.TransactionCanceledException{Message: aws.String("canceled")}
	for _, c := range codes {
		e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
	}
	return e
}

func TestTransactMapsCancellationReasons(t *testing.T) {
	a, _ := Put("profile", Key{PK: "C#1", SK: "PROFILE"}, IfAbsent)
	b, _ := PutOutbox(NewOutbox("welcome", "x@example.org", nil, time.Now(), "1"))
	tests := []struct {
		name      string
		err       error
		wantLabel string
		wantCond  bool
		conflict  bool // ErrTransactionConflict: a racing writer, retryable
	}{
		{"ok", nil, "", false, false},
		{"second condition failed", reasons("None", "ConditionalCheckFailed"), "outbox", true, false},
		{"first condition failed", reasons("ConditionalCheckFailed", "None"), "profile", true, false},
		{"throttled is not a condition", reasons("None", "ThrottlingError"), "", false, false},
		{"a racing transaction", reasons("None", "TransactionConflict"), "", false, true},
		{"a validation error is no conflict", reasons("None", "ValidationError"), "", false, false},
		{"other error", errors.New("network"), "", false, false},
	}
	for _, tc := range tests {
		f := &fakeAPI{txErr: tc.err}
		err := New(f, "tbl").Transact(context.Background(), a, b)
		if got := failedLabel(err); got != tc.wantLabel {
			t.Errorf("%s: label %q, want %q (%v)", tc.name, got, tc.wantLabel, err)
		}
		if errors.Is(err, ErrConditionFailed) != tc.wantCond {
			t.Errorf("%s: Is(ErrConditionFailed) = %v", tc.name, !tc.wantCond)
		}
		if errors.Is(err, ErrTransactionConflict) != tc.conflict {
			t.Errorf("%s: Is(ErrTransactionConflict) = %v", tc.name, !tc.conflict)
		}
		if (tc.err == nil) != (err == nil) {
			t.Errorf("%s: err %v", tc.name, err)
		}
		for _, it := range f.lastTx.TransactItems {
			if aws.ToString(it.Put.TableName) != "tbl" || aws.ToString(it.Put.ConditionExpression) != "attribute_not_exists(pk)" {
				t.Errorf("%s: put not addressed/conditioned: %+v", tc.name, it.Put)
			}
		}
	}
}

func TestApplyMapsConditionFailure(t *testing.T) {
	w, err := Update("mark", OutboxKey("a"), "SET sentAt = :now", Condition{Expr: "attribute_not_exists(sentAt)", Values: map[string]any{":now": "t"}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeAPI{updErr: &types.ConditionalCheckFailedException{}}
	if err := New(f, "tbl").Apply(context.Background(), w); failedLabel(err) != "mark" {
		t.Errorf("Apply error %v, want condition failure labelled mark", err)
	}
	if aws.ToString(f.lastUpd.TableName) != "tbl" || f.lastUpd.ExpressionAttributeValues[":now"] == nil {
		t.Errorf("update input %+v", f.lastUpd)
	}
}

// A write built with the error its condition protects answers that error
// when the condition fails, in a transaction or on its own; the other
// writes' failures keep theirs.
func TestConditionElse(t *testing.T) {
	errTaken := errors.New("taken")
	errSent := errors.New("already sent")
	a, _ := Put("profile", Key{PK: "C#1", SK: "PROFILE"}, IfAbsent.Else(errTaken))
	b, _ := PutOutbox(NewOutbox("welcome", "x@example.org", nil, time.Now(), "1"))
	b = b.Else(errSent)
	c, _ := Put("plain", Key{PK: "C#1", SK: "X"}, IfAbsent)
	tests := []struct {
		name   string
		writes []Write
		codes  []string
		want   error
	}{
		{"first write's condition", []Write{a, b}, []string{"ConditionalCheckFailed", "None"}, errTaken},
		{"a returned write's", []Write{a, b}, []string{"None", "ConditionalCheckFailed"}, errSent},
	}
	for _, tc := range tests {
		err := New(&fakeAPI{txErr: reasons(tc.codes...)}, "tbl").Transact(context.Background(), tc.writes...)
		if !errors.Is(err, tc.want) || !errors.Is(err, ErrConditionFailed) {
			t.Errorf("%s: %v, want %v and a condition failure", tc.name, err, tc.want)
		}
	}
	err := New(&fakeAPI{txErr: reasons("None", "ConditionalCheckFailed")}, "tbl").Transact(context.Background(), a, c)
	if errors.Is(err, errTaken) || failedLabel(err) != "plain" {
		t.Errorf("a write without Else: %v, want a bare condition failure on plain", err)
	}
	if err := New(&fakeAPI{putErr: &types.ConditionalCheckFailedException{}}, "tbl").Apply(context.Background(), a); !errors.Is(err, errTaken) {
		t.Errorf("Apply: %v, want %v", err, errTaken)
	}
}

func TestQueryPrefixReadsAllPages(t *testing.T) {
	page := func(sk string) []map[string]types.AttributeValue {
		m, _ := attributevalue.MarshalMap(Key{PK: "C#1", SK: sk})
		return []map[string]types.AttributeValue{m}
	}
	f := &fakeAPI{pages: [][]map[string]types.AttributeValue{page("CERT#A"), page("CERT#B")}}
	var got []Key
	if err := New(f, "tbl").QueryPrefix(context.Background(), "C#1", CertificationPrefix, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].SK != "CERT#B" || len(f.queryIns) != 2 || f.queryIns[1].ExclusiveStartKey == nil {
		t.Errorf("got %+v after %d queries", got, len(f.queryIns))
	}
}

func TestLookupIdempotencyIgnoresExpired(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	w, err := PutIdempotency("c1", "k1", RequestHash("POST /x", []byte(`{}`)), []byte(`{"id":"1"}`), now)
	if err != nil {
		t.Fatal(err)
	}
	item := w.item.Put.Item
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{now.Add(time.Hour), true},
		{now.Add(IdempotencyTTL), false},
		{now.Add(48 * time.Hour), false},
	} {
		rec, found, err := New(&fakeAPI{item: item}, "tbl").LookupIdempotency(context.Background(), "c1", "k1", tc.at)
		if err != nil || found != tc.want {
			t.Errorf("at %v: found %v err %v, want %v", tc.at, found, err, tc.want)
		}
		if found && (rec.Answer != `{"id":"1"}`) {
			t.Errorf("record %+v", rec)
		}
	}
	if !strings.Contains(aws.ToString(w.item.Put.ConditionExpression), "#ttl <= :now") {
		t.Errorf("an expired record must be overwritable: %s", aws.ToString(w.item.Put.ConditionExpression))
	}
	// Issue 11 item 7, api.md: "same body" is the same JSON value; key order
	// and whitespace do not matter, values and routes do.
	same := [][2]string{
		{`{}`, `{ }`},
		{`{"a":1,"b":[1,2]}`, "{ \"b\" : [1, 2],\n \"a\":1 }"},
		{`{"a":"é"}`, `{"a":"\u00e9"}`},
	}
	for _, p := range same {
		if RequestHash("POST /x", []byte(p[0])) != RequestHash("POST /x", []byte(p[1])) {
			t.Errorf("%s and %s are the same JSON value but hash apart", p[0], p[1])
		}
	}
	differ := [][2]string{
		{`{"a":1}`, `{"a":2}`},
		{`{"a":1}`, `{"a":"1"}`},
		{`{"a":[1,2]}`, `{"a":[2,1]}`},
		{`{"a":1}`, `{"a":1,"b":null}`},
	}
	for _, p := range differ {
		if RequestHash("POST /x", []byte(p[0])) == RequestHash("POST /x", []byte(p[1])) {
			t.Errorf("%s and %s differ but hash alike", p[0], p[1])
		}
	}
	if RequestHash("POST /x", []byte(`{}`)) == RequestHash("POST /y", []byte(`{}`)) {
		t.Error("different routes hash alike")
	}
}

func TestDatePKShards(t *testing.T) {
	all := map[string]bool{}
	for _, pk := range DatePKs("EXP", "2025-01-31") {
		all[pk] = true
	}
	if len(all) != DateShards {
		t.Fatalf("%d shards", len(all))
	}
	for _, id := range []string{"c1#ASCPi-MLS", "c2#ASCP-MLT", "c3#ASCPi-SBB"} {
		pk := DatePK("EXP", "2025-01-31", id)
		if !all[pk] || pk != DatePK("EXP", "2025-01-31", id) {
			t.Errorf("DatePK(%s) = %s is not a stable shard of the day", id, pk)
		}
	}
}

var errConflict = errors.New("open request exists")

func TestIdempotent(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	idem := NewIdempotency("c1", "k1", "POST /v1/declarations", []byte(`{"a":1}`))
	stored, _ := PutIdempotency("c1", "k1", idem.RequestHash, []byte(`{"id":"d-1"}`), now)
	profile, _ := Put("profile", Key{PK: "C#1", SK: "PROFILE"}, IfAbsent)
	tests := []struct {
		name      string
		api       *fakeAPI
		idem      *Idempotency
		wantBody  string
		wantErr   error
		wantCalls int  // times the change ran
		wantTx    bool // a transaction was attempted
		changeErr error
	}{
		{"first request", &fakeAPI{}, idem, `{"id":"d-2"}`, nil, 1, true, nil},
		{"repeat gets the first answer", &fakeAPI{item: stored.item.Put.Item}, idem, `{"id":"d-1"}`, nil, 0, false, nil},
		{"same key, other body", &fakeAPI{item: stored.item.Put.Item}, NewIdempotency("c1", "k1", "POST /v1/declarations", []byte(`{"a":2}`)), "", ErrIdempotencyMismatch, 0, false, nil},
		{"lost a race to a twin", &fakeAPI{item: stored.item.Put.Item, appearAt: 2, txErr: reasons("None", "ConditionalCheckFailed")}, idem, `{"id":"d-1"}`, nil, 1, true, nil},
		{"twin's writes failed ours first", &fakeAPI{item: stored.item.Put.Item, appearAt: 2, txErr: reasons("ConditionalCheckFailed", "ConditionalCheckFailed")}, idem, `{"id":"d-1"}`, nil, 1, true, nil},
		{"twin won before the change looked", &fakeAPI{item: stored.item.Put.Item, appearAt: 2}, idem, `{"id":"d-1"}`, nil, 1, false, errConflict},
		{"a real conflict stays one", &fakeAPI{txErr: reasons("ConditionalCheckFailed", "None")}, idem, "", ErrConditionFailed, 1, true, nil},
		{"a refusal stays one", &fakeAPI{}, idem, "", errConflict, 1, false, errConflict},
		{"no key: applied without a record", &fakeAPI{item: stored.item.Put.Item}, nil, `{"id":"d-2"}`, nil, 1, true, nil},
	}
	for _, tc := range tests {
		calls := 0
		ans, err := New(tc.api, "tbl").idempotent(context.Background(), tc.idem, now,
			func(context.Context) (Answer, []Write, error) {
				calls++
				if tc.changeErr != nil {
					return Answer{}, nil, tc.changeErr
				}
				return Answer{Body: []byte(`{"id":"d-2"}`)}, []Write{profile}, nil
			})
		if !errors.Is(err, tc.wantErr) || string(ans.Body) != tc.wantBody || calls != tc.wantCalls || (tc.api.lastTx != nil) != tc.wantTx {
			t.Errorf("%s: answer %q err %v calls %d tx %v", tc.name, ans.Body, err, calls, tc.api.lastTx != nil)
		}
		want := 2 // the change's write and the record
		if tc.idem == nil {
			want = 1
		}
		if tc.wantTx && len(tc.api.lastTx.TransactItems) != want {
			t.Errorf("%s: %d writes in the transaction, want %d", tc.name, len(tc.api.lastTx.TransactItems), want)
		}
	}
}

func TestOwe(t *testing.T) {
	item := NewOutbox("welcome", "a@example.org", nil, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), "c1")
	throttled := errors.New("throttled")
	for _, tc := range []struct {
		name     string
		putErr   error
		wantOwed bool
		wantErr  error
	}{
		{"first time owed", nil, true, nil},
		{"owed already: not twice, no error", &types.ConditionalCheckFailedException{}, false, nil},
		{"other failures stay errors", throttled, false, throttled},
	} {
		owed, err := New(&fakeAPI{putErr: tc.putErr}, "tbl").Owe(context.Background(), item)
		if owed != tc.wantOwed || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
			t.Errorf("%s: owed %v err %v", tc.name, owed, err)
		}
	}
}

// Every kind of write is addressed to the table by Transact and carries only
// the condition parts it was given: the API refuses empty ones.
func TestWritesInATransaction(t *testing.T) {
	key := Key{PK: "C#1", SK: "X"}
	named := Condition{Expr: "#s = :s", Names: map[string]string{"#s": "status"}, Values: map[string]any{":s": "open"}}
	build := func(w Write, err error) Write {
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	writes := []Write{
		build(Put("plain", key, Condition{Values: map[string]any{":unused": 1}})),
		build(Update("no condition", key, "SET n = :n", Condition{Values: map[string]any{":n": 1}})),
		build(Delete("named", key, named)),
		build(Check("absent", key, IfAbsent)),
	}
	f := &fakeAPI{}
	if err := New(f, "tbl").Transact(context.Background(), writes...); err != nil {
		t.Fatal(err)
	}
	type parts struct {
		table, expr   string
		names, values int
	}
	items := f.lastTx.TransactItems
	got := []parts{
		{aws.ToString(items[0].Put.TableName), aws.ToString(items[0].Put.ConditionExpression), len(items[0].Put.ExpressionAttributeNames), len(items[0].Put.ExpressionAttributeValues)},
		{aws.ToString(items[1].Update.TableName), aws.ToString(items[1].Update.ConditionExpression), len(items[1].Update.ExpressionAttributeNames), len(items[1].Update.ExpressionAttributeValues)},
		{aws.ToString(items[2].Delete.TableName), aws.ToString(items[2].Delete.ConditionExpression), len(items[2].Delete.ExpressionAttributeNames), len(items[2].Delete.ExpressionAttributeValues)},
		{aws.ToString(items[3].ConditionCheck.TableName), aws.ToString(items[3].ConditionCheck.ConditionExpression), len(items[3].ConditionCheck.ExpressionAttributeNames), len(items[3].ConditionCheck.ExpressionAttributeValues)},
	}
	want := []parts{{"tbl", "", 0, 0}, {"tbl", "", 0, 1}, {"tbl", "#s = :s", 1, 1}, {"tbl", "attribute_not_exists(pk)", 0, 0}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %+v, want %+v", writes[i].Label, got[i], want[i])
		}
	}
	if items[0].Put.ExpressionAttributeValues != nil || items[3].ConditionCheck.ExpressionAttributeNames != nil {
		t.Error("empty condition parts must be absent (nil), not empty")
	}
}

// A NumberSet is the set operand ADD needs, never a plain number, never empty.
func TestNumberSet(t *testing.T) {
	av, err := attributevalue.Marshal(NumberSet{7, 12})
	if err != nil {
		t.Fatal(err)
	}
	ns, ok := av.(*types.AttributeValueMemberNS)
	if !ok || strings.Join(ns.Value, ",") != "7,12" {
		t.Errorf("marshalled %#v, want NS [7 12]", av)
	}
	if _, err := attributevalue.Marshal(NumberSet{}); err == nil {
		t.Error("an empty set marshalled")
	}
}

// Commit with a fence judges the change again when another change moved
// the fence between its read and the commit, and gives up after the bound;
// another guard's failure is not judged again.
func TestCommitRejudges(t *testing.T) {
	fence := Fence{Key: Key{PK: "C#1", SK: "TXVERSION"}, Attr: "v", Label: "version"}
	profile, _ := Put("profile", Key{PK: "C#1", SK: "PROFILE"}, IfAbsent)
	counter := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "C#1"}, "v": &types.AttributeValueMemberN{Value: "3"}}
	moved := reasons("None", "ConditionalCheckFailed") // the fence's write comes after the change's
	tests := []struct {
		name    string
		txErrs  []error
		txErr   error
		judged  int
		wantErr error
	}{
		{"moved once: judged twice, committed", []error{moved}, nil, 2, nil},
		{"moved every time: busy", nil, moved, rejudgements, ErrFenceBusy},
		{"another guard failed: judged once", nil, reasons("ConditionalCheckFailed", "None"), 1, ErrConditionFailed},
	}
	for _, tc := range tests {
		judged := 0
		api := &fakeAPI{item: counter, txErrs: tc.txErrs, txErr: tc.txErr}
		_, err := New(api, "tbl").Commit(context.Background(), nil, time.Now(), &fence, func(context.Context) (Answer, []Write, error) {
			judged++
			return Answer{Body: []byte(`{}`)}, []Write{profile}, nil
		})
		if judged != tc.judged || (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
			t.Errorf("%s: judged %d times, err %v; want %d, %v", tc.name, judged, err, tc.judged, tc.wantErr)
		}
	}
}

// fenced reads the fence's counter with the idempotency record in one
// request, hands the value to the change and makes the transaction advance
// it from that value only (issue 11 item 3: a Query is read-committed, so
// the counter is not taken from the change's own Query).
func TestFenced(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	idem := NewIdempotency("c1", "k1", "POST /v1/declarations", []byte(`{"a":1}`))
	stored, _ := PutIdempotency("c1", "k1", idem.RequestHash, []byte(`{"id":"d-1"}`), now)
	fence := Fence{Key: Key{PK: "C#1", SK: "TXVERSION"}, Attr: "txVersion", Label: "version"}
	counter := func(n string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "C#1"},
			"sk": &types.AttributeValueMemberS{Value: "TXVERSION"}, "txVersion": &types.AttributeValueMemberN{Value: n}}
	}
	profile, _ := Put("profile", Key{PK: "C#1", SK: "PROFILE"}, IfAbsent)
	for _, tc := range []struct {
		name     string
		api      *fakeAPI
		idem     *Idempotency
		wantSeen int    // -1: the change must not run
		wantCond string // of the fence's write
		wantBody string
		wantErr  error
	}{
		{"counter read with the record", &fakeAPI{batch: []map[string]types.AttributeValue{counter("7")}}, idem, 7, "#v = :seen", `{"id":"d-2"}`, nil},
		{"no counter yet", &fakeAPI{}, nil, 0, "attribute_not_exists(#v)", `{"id":"d-2"}`, nil},
		{"unprocessed keys asked again", &fakeAPI{unprocessed: 2, batch: []map[string]types.AttributeValue{counter("3")}}, idem, 3, "#v = :seen", `{"id":"d-2"}`, nil},
		{"no key: the counter alone, by GetItem", &fakeAPI{item: counter("4")}, nil, 4, "#v = :seen", `{"id":"d-2"}`, nil},
		{"a repeat gets the first answer", &fakeAPI{batch: []map[string]types.AttributeValue{counter("7"), stored.item.Put.Item}}, idem, -1, "", `{"id":"d-1"}`, nil},
		{"same key, other body", &fakeAPI{batch: []map[string]types.AttributeValue{stored.item.Put.Item}},
			NewIdempotency("c1", "k1", "POST /v1/declarations", []byte(`{"a":2}`)), -1, "", "", ErrIdempotencyMismatch},
		{"moved meanwhile: the fence's label", &fakeAPI{batch: []map[string]types.AttributeValue{counter("7")}, txErr: reasons("None", "ConditionalCheckFailed", "None")},
			idem, 7, "#v = :seen", "", &ConditionError{Label: "version"}},
	} {
		seen := -1
		ans, err := New(tc.api, "tbl").fenced(context.Background(), tc.idem, now, fence, func(_ context.Context, v int) (Answer, []Write, error) {
			seen = v
			return Answer{Body: []byte(`{"id":"d-2"}`)}, []Write{profile}, nil
		})
		var ce *ConditionError
		switch want := tc.wantErr.(type) {
		case nil:
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		case *ConditionError:
			if !errors.As(err, &ce) || ce.Label != want.Label {
				t.Errorf("%s: err %v, want a condition failure on %s", tc.name, err, want.Label)
			}
		default:
			if !errors.Is(err, want) {
				t.Errorf("%s: err %v, want %v", tc.name, err, want)
			}
		}
		if seen != tc.wantSeen || string(ans.Body) != tc.wantBody {
			t.Errorf("%s: seen %d body %q, want %d %q", tc.name, seen, ans.Body, tc.wantSeen, tc.wantBody)
		}
		if tc.idem == nil {
			if len(tc.api.batchIns) != 0 || tc.api.gets != 1 {
				t.Errorf("%s: %d BatchGetItem and %d GetItem requests, want one GetItem", tc.name, len(tc.api.batchIns), tc.api.gets)
			}
		} else {
			if n := len(tc.api.batchIns); n != tc.api.unprocessed+1 {
				t.Errorf("%s: %d BatchGetItem requests, want %d", tc.name, n, tc.api.unprocessed+1)
			}
			if keys := len(tc.api.batchIns[0].RequestItems["tbl"].Keys); keys != 2 {
				t.Errorf("%s: %d keys read, want the counter and the record", tc.name, keys)
			}
		}
		if tc.wantCond == "" {
			if tc.api.lastTx != nil {
				t.Errorf("%s: a transaction was sent", tc.name)
			}
			continue
		}
		items := tc.api.lastTx.TransactItems
		var fw *types.Update
		for _, it := range items {
			if it.Update != nil {
				fw = it.Update
			}
		}
		if fw == nil || aws.ToString(fw.ConditionExpression) != tc.wantCond || aws.ToString(fw.UpdateExpression) != "SET #v = :next" {
			t.Fatalf("%s: fence write %+v, want condition %q", tc.name, fw, tc.wantCond)
		}
		if next := fw.ExpressionAttributeValues[":next"].(*types.AttributeValueMemberN).Value; next != fmt.Sprint(tc.wantSeen+1) {
			t.Errorf("%s: counter advanced to %s, want %d", tc.name, next, tc.wantSeen+1)
		}
		if want := map[bool]int{false: 2, true: 3}[tc.idem != nil]; len(items) != want {
			t.Errorf("%s: %d writes, want the change's, the fence's and the record when keyed (%d)", tc.name, len(items), want)
		}
	}
}
