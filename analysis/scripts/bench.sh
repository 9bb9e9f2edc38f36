#!/usr/bin/env bash
# Measures the analyze command over generated files, by default 10 million
# exposure lines and 10 million event lines (4.76 million users), as
# BENCHMARKS.md reports. From the analysis module's directory:
#
#	bash scripts/bench.sh [USERS]
#
# It writes the files to a temporary directory (about 2.4 GB for the
# default size) and removes them at the end; nothing is committed. It runs
# the command once under /usr/bin/time (wall time and peak resident
# memory), then BenchmarkAnalyze once on the same files (the live heap's
# peak). The machine is shared: run it once, not in a loop.
set -euo pipefail
cd "$(dirname "$0")/.."

users="${1:-4760000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/experiment-analyze" ./cmd/experiment-analyze
go run ./scripts/gen -users "$users" -pageviews 1.9 -lifts 0,0.05 \
	-exposures "$tmp/exposures.jsonl" -events "$tmp/events.jsonl"
ls -l "$tmp"/*.jsonl
wc -l "$tmp/exposures.jsonl" "$tmp/events.jsonl"

echo "== experiment-analyze, 3 metrics"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" \
	"$tmp/experiment-analyze" -exposures "$tmp/exposures.jsonl" -events "$tmp/events.jsonl" \
	-experiment checkout -metric purchase:mean -metric purchase -metric pageview:mean

echo "== BenchmarkAnalyze on the same files"
ANALYZE_BENCH_EXPOSURES="$tmp/exposures.jsonl" ANALYZE_BENCH_EVENTS="$tmp/events.jsonl" \
	go test -run '^$' -bench '^BenchmarkAnalyze$' -benchtime 1x ./analyze/
