// Command providers serves CE providers (R-PROV): staff register them; a
// provider's machine client posts batches of completions into transcripts
// and reads its batches back. Its own function because a batch of 500 lines
// needs a longer timeout than a certificant's request, and its policy the
// ByNumber index, which no other HTTP function reads.
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/providersapi"
	"github.com/boc/cmp/internal/providers"
	"github.com/boc/cmp/internal/transcript"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	lambda.Start(newRouter(table, log).Handler())
}

// newRouter wires the use case to the table (the figures test calls it
// in-process with a counting client).
func newRouter(table *dynamo.Table, log *slog.Logger) *httpapi.Router {
	svc := providers.NewService(providers.NewTableStore(table), certificants.NewTableStore(table, time.Now),
		transcript.NewTableStore(table), time.Now)
	return providersapi.NewRouter(svc, log)
}
