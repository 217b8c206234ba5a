// Command transcript serves a certificant's activities and the progress of
// their certifications.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/transcriptapi"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/transcript"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	svc := transcript.NewService(transcript.NewTableStore(table), partition.NewReader(table), time.Now)
	lambda.Start(transcriptapi.NewRouter(svc, log).Handler())
}
