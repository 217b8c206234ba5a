// Package streams plays a DynamoDB event source mapping locally: it polls
// DynamoDB Local's stream, applies the mapping's filter patterns, invokes the
// function in batches in shard order, retries failures (whole batches, or
// from the first reported batch item failure), bisects when told to, and
// keeps what exhausts its retries in a local dead-letter list.
package streams

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/boc/cmp/infra/local/template"
)

// Polling cadence; AWS polls a shard about four times a second.
const (
	pollEvery     = 250 * time.Millisecond
	discoverEvery = time.Second
	firstBackoff  = 500 * time.Millisecond
	maxBackoff    = 5 * time.Second
)

// Invoker runs one invocation.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Mapping is one stream event of one function.
type Mapping struct {
	Function string
	Source   template.StreamSource
	Fn       Invoker
}

// Poller runs the mappings of one table's stream. It follows the table to a
// new stream when DynamoDB Local comes back without its data (in memory),
// and resumes a shard after the last record it processed when only the
// iterators were lost (on disk), as a mapping of the real service goes on.
type Poller struct {
	sc    *dynamodbstreams.Client
	db    *dynamodb.Client
	table string
	log   *slog.Logger

	mu   sync.Mutex
	dead map[string][][]byte
}

// Start finds the table's stream and polls it for every mapping until ctx ends.
func Start(ctx context.Context, sc *dynamodbstreams.Client, db *dynamodb.Client, table string, mappings []Mapping, log *slog.Logger) (*Poller, error) {
	p := &Poller{sc: sc, db: db, table: table, log: log, dead: map[string][][]byte{}}
	arn, err := p.streamARN(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range mappings {
		go p.run(ctx, m, arn)
	}
	return p, nil
}

// streamARN is the table's current stream.
func (p *Poller) streamARN(ctx context.Context) (string, error) {
	out, err := p.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.table)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", p.table, err)
	}
	if out.Table.LatestStreamArn == nil {
		return "", fmt.Errorf("table %s has no stream, but functions have stream events", p.table)
	}
	return *out.Table.LatestStreamArn, nil
}

// DeadLetters returns the records of a function that exhausted their
// retries, one stream record (Lambda event record JSON) per entry.
func (p *Poller) DeadLetters(function string) [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.dead[function]...)
}

// run discovers shards and consumes each one, a child only after its parent;
// a new stream of the table (DynamoDB Local restarted in memory) is read
// from its beginning.
func (p *Poller) run(ctx context.Context, m Mapping, arn string) {
	done := map[string]chan struct{}{}
	first := true
	for {
		if now, err := p.streamARN(ctx); err == nil && now != arn {
			p.log.Warn("table has a new stream; following it", "function", m.Function)
			arn, done = now, map[string]chan struct{}{}
		}
		shards, err := p.shards(ctx, arn)
		if err != nil && ctx.Err() == nil {
			p.log.Error("describe stream", "function", m.Function, "err", err.Error())
		}
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			if _, ok := done[id]; ok {
				continue
			}
			finished := make(chan struct{})
			done[id] = finished
			parent := done[aws.ToString(sh.ParentShardId)]
			// LATEST applies to the shards open when the mapping starts; shards
			// created later are read from their beginning.
			pos := types.ShardIteratorTypeTrimHorizon
			if first && m.Source.StartingPosition == "LATEST" {
				pos = types.ShardIteratorTypeLatest
			}
			go func() {
				defer close(finished)
				if parent != nil {
					select {
					case <-parent:
					case <-ctx.Done():
						return
					}
				}
				p.consume(ctx, m, arn, id, pos)
			}()
		}
		first = false
		select {
		case <-ctx.Done():
			return
		case <-time.After(discoverEvery):
		}
	}
}

func (p *Poller) shards(ctx context.Context, arn string) ([]types.Shard, error) {
	var all []types.Shard
	var start *string
	for {
		out, err := p.sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: start})
		if err != nil {
			return all, fmt.Errorf("describe stream: %w", err)
		}
		all = append(all, out.StreamDescription.Shards...)
		if out.StreamDescription.LastEvaluatedShardId == nil {
			return all, nil
		}
		start = out.StreamDescription.LastEvaluatedShardId
	}
}

// consume reads a shard from pos until it closes. An iterator lost with a
// restart is taken again after the last record read; a shard or stream that
// is gone ends it (run follows the new stream).
func (p *Poller) consume(ctx context.Context, m Mapping, arn, shard string, pos types.ShardIteratorType) {
	var last *string // sequence number of the last record read
	iterator := func() (*string, error) {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shard), ShardIteratorType: pos}
		if last != nil {
			in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, last
		}
		it, err := p.sc.GetShardIterator(ctx, in)
		if err != nil {
			return nil, err
		}
		return it.ShardIterator, nil
	}
	iter, err := iterator()
	if err != nil {
		if ctx.Err() == nil {
			p.log.Error("shard iterator", "function", m.Function, "shard", shard, "err", err.Error())
		}
		return
	}
	for iter != nil {
		out, err := p.sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Error("get records", "function", m.Function, "shard", shard, "err", err.Error())
			var gone *types.ResourceNotFoundException
			var expired *types.ExpiredIteratorException
			var trimmed *types.TrimmedDataAccessException
			switch {
			case errors.As(err, &gone):
				return
			case errors.As(err, &expired), errors.As(err, &trimmed):
				if iter, err = iterator(); err != nil {
					return
				}
			}
			time.Sleep(pollEvery)
			continue
		}
		if n := len(out.Records); n > 0 {
			last = out.Records[n-1].Dynamodb.SequenceNumber
		}
		var batch []json.RawMessage
		for _, r := range out.Records {
			rec, err := record(arn, r)
			if err != nil {
				p.log.Error("stream record", "function", m.Function, "err", err.Error())
				continue
			}
			if matches(m.Source.Filters, rec) {
				batch = append(batch, rec)
			}
		}
		for len(batch) > 0 {
			n := min(len(batch), m.Source.BatchSize)
			p.process(ctx, m, batch[:n])
			batch = batch[n:]
		}
		iter = out.NextShardIterator
		if len(out.Records) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(pollEvery):
			}
		}
	}
}

// process invokes the function with a batch until it succeeds, the retries
// run out (dead letters), or ctx ends.
func (p *Poller) process(ctx context.Context, m Mapping, batch []json.RawMessage) {
	for attempt := 0; len(batch) > 0; attempt++ {
		payload, err := json.Marshal(map[string]any{"Records": batch})
		if err != nil {
			p.log.Error("encode batch", "function", m.Function, "err", err.Error())
			return
		}
		out, invokeErr := m.Fn.Invoke(ctx, payload)
		if ctx.Err() != nil {
			return
		}
		failedFrom := -1
		switch {
		case invokeErr != nil:
			failedFrom = 0
			if m.Source.Bisect && len(batch) > 1 {
				// Splitting does not count against the retries.
				p.log.Warn("batch failed; bisecting", "function", m.Function, "records", len(batch), "err", invokeErr.Error())
				h := len(batch) / 2
				p.process(ctx, m, batch[:h])
				p.process(ctx, m, batch[h:])
				return
			}
		case m.Source.ReportItemFailures:
			failedFrom = firstFailure(out, batch)
		}
		if failedFrom < 0 {
			return
		}
		batch = batch[failedFrom:]
		if m.Source.MaxRetries >= 0 && attempt >= m.Source.MaxRetries {
			p.deadLetter(m.Function, batch)
			return
		}
		// 0.5 s, 1 s, 2 s, 4 s, then 5 s: a retry budget of several seconds, as
		// Lambda's, so a dependency that is back within seconds (SES restarting)
		// gets the records rather than the dead-letter queue.
		backoff := min(maxBackoff, firstBackoff<<min(attempt, 6))
		p.log.Warn("batch failed; retrying", "function", m.Function, "records", len(batch), "attempt", attempt+1, "backoff", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
}

// firstFailure is the index of the first record a batchItemFailures answer
// names (retry resumes there), -1 when none failed. An identifier that is
// not in the batch fails the whole batch, as Lambda does.
func firstFailure(out []byte, batch []json.RawMessage) int {
	var resp struct {
		Failures []struct {
			ID *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if len(out) == 0 || string(out) == "null" || json.Unmarshal(out, &resp) != nil || len(resp.Failures) == 0 {
		return -1
	}
	index := map[string]int{}
	for i, r := range batch {
		var rec struct {
			DynamoDB struct{ SequenceNumber string } `json:"dynamodb"`
		}
		_ = json.Unmarshal(r, &rec)
		index[rec.DynamoDB.SequenceNumber] = i
	}
	first := len(batch)
	for _, f := range resp.Failures {
		i, ok := index[aws.ToString(f.ID)]
		if f.ID == nil || !ok {
			return 0
		}
		first = min(first, i)
	}
	return first
}

func (p *Poller) deadLetter(function string, batch []json.RawMessage) {
	p.mu.Lock()
	for _, r := range batch {
		p.dead[function] = append(p.dead[function], append([]byte(nil), r...))
	}
	p.mu.Unlock()
	p.log.Error("records exhausted their retries; sent to the dead-letter list", "function", function, "records", len(batch))
}

// record renders a stream record as a Lambda DynamoDB event record.
func record(arn string, r types.Record) (json.RawMessage, error) {
	d := r.Dynamodb
	if d == nil {
		return nil, fmt.Errorf("record %s has no dynamodb part", aws.ToString(r.EventID))
	}
	ddb := map[string]any{
		"Keys":           attrMap(d.Keys),
		"SequenceNumber": aws.ToString(d.SequenceNumber),
		"SizeBytes":      aws.ToInt64(d.SizeBytes),
		"StreamViewType": string(d.StreamViewType),
	}
	if d.ApproximateCreationDateTime != nil {
		ddb["ApproximateCreationDateTime"] = d.ApproximateCreationDateTime.Unix()
	}
	if d.NewImage != nil {
		ddb["NewImage"] = attrMap(d.NewImage)
	}
	if d.OldImage != nil {
		ddb["OldImage"] = attrMap(d.OldImage)
	}
	b, err := json.Marshal(map[string]any{
		"eventID": aws.ToString(r.EventID), "eventName": string(r.EventName), "eventVersion": aws.ToString(r.EventVersion),
		"eventSource": "aws:dynamodb", "awsRegion": template.Region, "dynamodb": ddb, "eventSourceARN": arn,
	})
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return b, nil
}

func attrMap(m map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = attr(v)
	}
	return out
}

// attr is DynamoDB JSON for one attribute value.
func attr(v types.AttributeValue) map[string]any {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": x.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": x.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(x.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": x.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": x.Value}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": attrMap(x.Value)}
	case *types.AttributeValueMemberL:
		l := make([]any, len(x.Value))
		for i, e := range x.Value {
			l[i] = attr(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": x.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": x.Value}
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(x.Value))
		for i, b := range x.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		sort.Strings(bs)
		return map[string]any{"BS": bs}
	}
	return map[string]any{}
}
