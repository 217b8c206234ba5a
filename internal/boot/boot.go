// Package boot is what every Lambda's main does before it serves: the table
// from the environment, or a logged exit. A function that cannot start fails
// its init, which Lambda reports, rather than every invocation.
package boot

import (
	"context"
	"log/slog"
	"os"

	"github.com/boc/cmp/internal/dynamo"
)

// Table is the table of TABLE_NAME; the process exits if it cannot be made.
func Table(ctx context.Context, log *slog.Logger) *dynamo.Table {
	table, err := dynamo.FromEnv(ctx)
	if err != nil {
		Fatal(log, err)
	}
	return table
}

// Fatal logs why the init failed and exits.
func Fatal(log *slog.Logger, err error) {
	log.Error("init failed", "error", err.Error())
	os.Exit(1)
}
