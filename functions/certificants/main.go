// Command certificants serves the certificants routes of the HTTP API.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table, err := dynamo.FromEnv(context.Background())
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	svc := certificants.NewService(certificants.NewTableStore(table, time.Now), time.Now)
	lambda.Start(certificants.NewRouter(svc, log).Handler())
}
