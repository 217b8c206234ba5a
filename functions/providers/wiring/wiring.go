// Package wiring builds the providers function's router on the table its main
// made. It is apart from main so the local stack's e2e tests (their own
// module, infra/local) can build the same router on a counting client.
package wiring

import (
	"log/slog"
	"time"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/providersapi"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/providers"
	"github.com/boc/cmp/internal/transcript"
)

// Router wires the use case to the table.
func Router(table *dynamo.Table, log *slog.Logger) *httpapi.Router {
	svc := providers.NewService(providers.NewTableStore(table), partition.NewReader(table),
		transcript.NewTableStore(table), time.Now)
	return providersapi.NewRouter(svc, log)
}
