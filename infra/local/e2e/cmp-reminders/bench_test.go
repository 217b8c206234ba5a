package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/reminders"
)

// benchDue certifications expire on the swept day in every table size; the
// rest expire on the other month-ends of three years.
const benchDue = 1000

var sweptExpiration = civil.MustParse("2027-01-31")

// BenchmarkSweep prints, for 10k and 100k certifications with the same
// number due: items read per reminder owed and the sweep time. Each size has
// its own table without a stream, so the mail sender is not flooded.
func BenchmarkSweep(b *testing.B) {
	s := stacktest.Get(b)
	for _, total := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", total/1000), func(b *testing.B) {
			ctx := context.Background()
			name := fmt.Sprintf("bench-reminders-%d", total)
			start := time.Now()
			if err := seedBench(ctx, s.DynamoDB(), name, total); err != nil {
				b.Fatal(err)
			}
			b.Logf("seeded %d certifications in %v", total, time.Since(start).Round(time.Millisecond))
			table := dynamo.New(s.DynamoDB(), name)
			today := sweptExpiration.AddDays(-90)
			quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
			sweep := func(run int) reminders.Report {
				store := &runStore{Store: reminders.NewTableStore(table, time.Now), run: run}
				rep, err := reminders.NewSweeper(store, []int{90}, fees.DefaultTariff(), 16, quiet).Run(ctx, today)
				if err != nil {
					b.Fatal(err)
				}
				return rep
			}
			// An untimed sweep first: DynamoDB Local's JIT warms up on the first
			// one, which would otherwise weigh on whichever size runs first.
			sweep(-1)
			var rep reminders.Report
			for i := 0; b.Loop(); i++ {
				rep = sweep(i)
			}
			b.StopTimer()
			perSweep := b.Elapsed() / time.Duration(b.N)
			fmt.Printf("reminders %dk certifications: %d owed, index items read per reminder %.2f, all items read per reminder %.2f, sweep %v\n",
				total/1000, rep.Owed, float64(rep.IndexRead)/float64(rep.Owed),
				float64(rep.IndexRead+rep.ProfileRead)/float64(rep.Owed), perSweep.Round(time.Millisecond))
			b.ReportMetric(float64(rep.IndexRead)/float64(rep.Owed), "index-reads/reminder")
			b.ReportMetric(float64(rep.IndexRead+rep.ProfileRead)/float64(rep.Owed), "reads/reminder")
		})
	}
}

// runStore gives each benchmark iteration its own outbox ids, so every
// iteration does the full work of a first run.
type runStore struct {
	reminders.Store
	run int
}

func (r *runStore) Owe(ctx context.Context, e reminders.Email, to string) (bool, error) {
	e.ID = fmt.Sprintf("%s:bench%d", e.ID, r.run)
	return r.Store.Owe(ctx, e, to)
}

// seedBench creates table name (keys and ByDate as the template's table) and
// writes total certification items as certificants registers them, benchDue
// of them expiring on the swept day, with parallel BatchWriteItem. No
// profiles: the items carry their recipient, and the sweep reads no profile.
func seedBench(ctx context.Context, db *dynamodb.Client, name string, total int) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   &name,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("datePk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("dateSk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(reminders.ExpiryIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("datePk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("dateSk"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	items := make(chan partition.CertificationItem, 1024)
	go func() {
		defer close(items)
		for i := range total {
			id := fmt.Sprintf("b%06d", i)
			end := sweptExpiration
			if i >= benchDue {
				end = sweptExpiration.AddMonths(1 + i%35).EndOfMonth()
			}
			p := partition.ProfileItem{ID: id, Given: "B", Email: id + "@example.org"}
			items <- partition.NewCertificationItem(id, p, partition.Certification{Key: "ASCPi-MLS", Program: "ASCPi",
				Category: "MLS", Status: "active", CMPRequired: true, CycleEnd: end.String(), Credential: "MLS(ASCPi)CM"})
		}
	}()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range 8 {
		wg.Go(func() {
			batch := make([]types.WriteRequest, 0, 25)
			flush := func() {
				if len(batch) == 0 {
					return
				}
				if err := writeBatch(ctx, db, name, batch); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				batch = batch[:0]
			}
			for it := range items {
				av, err := attributevalue.MarshalMap(it)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					continue
				}
				batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
				if len(batch) == 25 {
					flush()
				}
			}
			flush()
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("seed %s: %w", name, errs[0])
	}
	return nil
}

func writeBatch(ctx context.Context, db *dynamodb.Client, name string, batch []types.WriteRequest) error {
	req := map[string][]types.WriteRequest{name: append([]types.WriteRequest(nil), batch...)}
	for len(req[name]) > 0 {
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		if err != nil {
			return fmt.Errorf("batch write: %w", err)
		}
		req = out.UnprocessedItems
		if req == nil {
			req = map[string][]types.WriteRequest{}
		}
	}
	return nil
}
