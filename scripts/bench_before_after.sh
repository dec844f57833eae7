#!/usr/bin/env bash
# The hot-path figures of two checkouts in one run on one machine: each tool runs against the
# baseline, then against this tree, back to back (README, Performance). BASE is a checkout of
# the baseline commit with this tree's bench/ and config/serve.py copied in, e.g.
#   git worktree add ../parley-base c3b8ff2 && cp -r bench config/serve.py ...
# Results land in each tree's bench/results/; the tables go to stdout.
set -euo pipefail
BASE=${BASE:?set BASE to the baseline checkout}
HERE=$(cd "$(dirname "$0")/.." && pwd)
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley_d}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/5}
B="--private-redis --private-postgres"
run() {  # run LABEL TOOL ARGS...: once in BASE, once here
  local label=$1; shift
  for tree in "$BASE" "$HERE"; do
    echo "#### $label — $( [ "$tree" = "$HERE" ] && echo after || echo before ) ($tree)"
    (cd "$tree" && "$HERE/.venv/bin/python" -m "$@" $B) | grep -v '^$' || true
  done
}
run "CPU per operation" bench.ops --pairs 50 --rate 100 --duration 10
run "stream opens" bench.opens --streams 3000
run "1,000 receivers, 100 senders, 200 msg/s" bench.latency --pairs 500 --senders 100 --rate 200 --duration 15 --max-inflight 2000
run "1,000 receivers, 100 senders, 300 msg/s" bench.latency --pairs 500 --senders 100 --rate 300 --duration 10 --max-inflight 4000
run "mixed: every message acked delivered and read" bench.latency --pairs 500 --senders 100 --rate 100 --duration 15 --mixed --max-inflight 2000
