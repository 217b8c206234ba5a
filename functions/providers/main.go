// Command providers serves CE providers (R-PROV): staff register them; a
// provider's machine client posts batches of completions into transcripts
// and reads its batches back. Its own function because a batch of 500 lines
// needs a longer timeout than a certificant's request, and its policy the
// ByNumber index, which no other HTTP function reads.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/functions/providers/wiring"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/httpapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	lambda.Start(wiring.Router(table, log).Handler())
}
