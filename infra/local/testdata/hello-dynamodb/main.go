// Command hello-dynamodb is hello world plus what every function's init
// does before its own code: the static AWS configuration and the DynamoDB
// client (internal/boot). The benchmark reports it as the SDK's share of
// each function's init and size.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/httpapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	lambda.Start(func() (string, error) { return table.Name(), nil })
}
