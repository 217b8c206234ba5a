// Package boot is what every Lambda's main does before it serves: the AWS
// configuration and clients from the environment, built once and in one
// place, or a logged exit. A function that cannot start fails its init,
// which Lambda reports, rather than every invocation.
package boot

import (
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/boc/cmp/internal/dynamo"
)

// Table is the table of TABLE_NAME on a DynamoDB client of cfg; the process
// exits if it cannot be made.
func Table(cfg aws.Config, log *slog.Logger) *dynamo.Table {
	name := os.Getenv("TABLE_NAME")
	if name == "" {
		Fatal(log, errors.New("boot: TABLE_NAME is not set"))
	}
	return dynamo.New(DynamoDB(cfg, os.Getenv), name)
}

// Fatal logs why the init failed and exits.
func Fatal(log *slog.Logger, err error) {
	log.Error("init failed", "error", err.Error())
	os.Exit(1)
}
