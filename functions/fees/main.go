// Command fees serves POST /v1/fees/quote.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/quotesapi"
	"github.com/boc/cmp/internal/quotes"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	svc := quotes.NewService(quotes.NewPartitionLoader(table), fees.DefaultTariff(), time.Now)
	lambda.Start(quotesapi.NewRouter(svc, log).Handler())
}
