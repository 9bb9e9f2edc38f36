// Command experiment-platform is the whole experiment platform in one
// process: the control plane (the platform's experiment service), the
// decision service, and the gateway with the dashboard, API-compatible
// with the platform it replaces.
//
// With no flags it listens on 127.0.0.1 only, on the platform's ports,
// keeping its data under ./experiment-data (a SQLite database and the
// published snapshots):
//
//	go run ./cmd/experiment-platform         (from the platform directory)
//
//	control plane     http://127.0.0.1:3001   /environments, /experiments, /audiences
//	decision service  http://127.0.0.1:3002   /decide, /health, /metrics, OFREP (experimentd's server)
//	gateway           http://127.0.0.1:3000   /api/..., /health, the dashboard
//
// Flags choose the addresses (an empty one turns that listener off), the
// database (-db postgres://... for PostgreSQL, on the platform's own
// schema), where snapshots are published (-store s3://BUCKET/PREFIX), and
// the bearer token changes need (-token, or EXPERIMENT_PLATFORM_TOKEN);
// without a token it refuses to listen beyond loopback. The decide rate
// limit reads the platform's DECIDE_RATE_LIMIT_* variables. SIGINT and
// SIGTERM shut it down gracefully. Run it with -h for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "experiment-platform:", err)
		}
		os.Exit(2)
	}
}
