#!/usr/bin/env bash
# Requests per second of `authctl webhook replay github --event push --count N
# --concurrency 32` (every request signed afresh) beside what wrk achieves
# against the same trivial local handler in the same run, and their ratio.
# Each round runs wrk, then replay, back to back; the median ratio must be
# at least 0.3.
# Needs wrk: AUTHCTL_BENCH=1 bash scripts/setup.sh
# Env: COUNT (default 20000), CONCURRENCY (32), WRK_DURATION (10s), ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build as goreleaser.yaml builds the release (static, trimmed, stripped), so the
# figures are the shipped binary's and the baselines are built the same way.
export CGO_ENABLED=0 GOFLAGS="-trimpath '-ldflags=-s -w'"

count=${COUNT:-20000}
concurrency=${CONCURRENCY:-32}
duration=${WRK_DURATION:-10s}
rounds=${ROUNDS:-3}
command -v wrk >/dev/null || { echo "bench-replay: wrk is missing; run AUTHCTL_BENCH=1 bash scripts/setup.sh" >&2; exit 2; }

tmp=$(mktemp -d)
handler_pid=
cleanup() {
  [ -n "$handler_pid" ] && kill "$handler_pid" 2>/dev/null && wait "$handler_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/authctl" ./cmd/authctl
go build -o "$tmp/benchhandler" ./internal/replay/benchhandler

mkfifo "$tmp/addr"
"$tmp/benchhandler" >"$tmp/addr" 2>"$tmp/handler.err" &
handler_pid=$!
read -r url <"$tmp/addr"

# wrk posts the same sample body, unsigned: the cost of the HTTP round trip alone.
cat >"$tmp/post.lua" <<LUA
local f = assert(io.open("$PWD/internal/replay/samples/github-push.json", "rb"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "push"
wrk.body = f:read("*a")
f:close()
LUA

export AUTHCTL_WEBHOOK_SECRET=bench-secret-not-a-real-one
ratios=()
for round in $(seq "$rounds"); do
  wrk_rps=$(wrk -t2 -c"$concurrency" -d"$duration" -s "$tmp/post.lua" "$url" | awk '/^Requests\/sec:/ {print $2}')
  replay_json=$("$tmp/authctl" webhook replay github --to "$url" --event push \
    --count "$count" --concurrency "$concurrency" -o json 2>"$tmp/replay.err") || {
    cat "$tmp/replay.err" >&2; echo "bench-replay: replay failed" >&2; exit 1; }
  replay_rps=$(printf '%s' "$replay_json" | sed -n 's/.*"requests_per_second":\([0-9.]*\).*/\1/p')
  ok=$(printf '%s' "$replay_json" | sed -n 's/.*"ok":\([0-9]*\).*/\1/p')
  [ "$ok" = "$count" ] || { echo "bench-replay: only $ok of $count answered 2xx" >&2; exit 1; }
  p50=$(printf '%s' "$replay_json" | sed -n 's/.*"p50_ms":\([0-9.]*\).*/\1/p')
  p99=$(printf '%s' "$replay_json" | sed -n 's/.*"p99_ms":\([0-9.]*\).*/\1/p')
  ratio=$(awk -v p="$replay_rps" -v w="$wrk_rps" 'BEGIN { printf "%.2f", p / w }')
  ratios+=("$ratio")
  printf 'round %d: wrk %.0f req/s | replay %.0f req/s (p50 %sms, p99 %sms, %d/%d 2xx) | ratio %s\n' \
    "$round" "$wrk_rps" "$replay_rps" "$p50" "$p99" "$ok" "$count" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf 'median ratio over %d rounds: %s (need >= 0.30)\n' "$rounds" "$median"
if awk -v r="$median" 'BEGIN { exit !(r < 0.3) }'; then
  echo "bench-replay: replay is below 0.3x wrk" >&2
  exit 1
fi
