// Command certificants serves the certificants routes of the HTTP API.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/certificantsapi"
	"github.com/boc/cmp/internal/httpapi/inactiveapi"
	"github.com/boc/cmp/internal/inactive"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	svc := certificants.NewService(certificants.NewTableStore(table, time.Now), time.Now)
	rt := certificantsapi.NewRouter(svc, log)
	inactiveapi.Mount(rt, inactive.NewService(table, fees.DefaultTariff(), time.Now))
	lambda.Start(rt.Handler())
}
