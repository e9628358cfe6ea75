#!/usr/bin/env bash
# Peak resident memory (VmHWM) of `authctl webhook listen github --record`
# while PARALLEL unsigned POSTs of SIZE_MIB each arrive at once on loopback,
# and the size of the record file afterwards: what a sender who cannot sign
# costs. Each size runs with a Content-Length and chunked (no length), after a
# run with 1 MiB bodies (the default --max-body, read whole and answered 401)
# as the baseline.
# Env: PARALLEL (default 30), SIZE_MIB (32), AUTHCTL_BIN (a binary to measure
# instead of building this tree, e.g. an older release for comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0 GOFLAGS="-trimpath '-ldflags=-s -w'"

parallel=${PARALLEL:-30}
size_mib=${SIZE_MIB:-32}
tmp=$(mktemp -d)
listen_pid=
cleanup() {
  if [ -n "$listen_pid" ]; then kill "$listen_pid" 2>/dev/null || true; wait "$listen_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

bin=${AUTHCTL_BIN:-}
if [ -z "$bin" ]; then
  go build -o "$tmp/authctl" ./cmd/authctl
  bin=$tmp/authctl
fi

# run MIB MODE: one listener, PARALLEL bodies of MIB MiB at once, then its peak RSS.
run() {
  local mib=$1 mode=$2
  head -c $((mib << 20)) /dev/zero | tr '\0' 'x' >"$tmp/body"
  rm -f "$tmp/rec.jsonl" "$tmp/listen.err"
  AUTHCTL_WEBHOOK_SECRET=bench-secret "$bin" webhook listen github --addr 127.0.0.1:0 \
    --record "$tmp/rec.jsonl" >/dev/null 2>"$tmp/listen.err" &
  listen_pid=$!
  local url=
  for _ in $(seq 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/listen.err" || true)
    [ -n "$url" ] && break
    sleep 0.1 # waiting for the listener to print its address
  done
  [ -n "$url" ] || { echo "bench-listen: listen did not start: $(cat "$tmp/listen.err")" >&2; exit 1; }
  local extra=()
  [ "$mode" = chunked ] && extra=(-H 'Transfer-Encoding: chunked')
  local start=$(date +%s.%N)
  (
    for _ in $(seq "$parallel"); do
      curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 -H 'Expect:' -H 'X-GitHub-Event: push' \
        -H 'Content-Type: application/json' "${extra[@]}" --data-binary @"$tmp/body" "$url/hook" || true &
    done
    wait
  ) >"$tmp/codes"
  local elapsed=$(echo "$(date +%s.%N) - $start" | bc)
  local hwm=$(awk '/VmHWM/ {print $2}' "/proc/$listen_pid/status")
  kill -INT "$listen_pid"; wait "$listen_pid" 2>/dev/null || true; listen_pid=
  local record=$(stat -c %s "$tmp/rec.jsonl" 2>/dev/null || echo 0)
  local codes=$(sort "$tmp/codes" | uniq -c | awk '{printf "%s×%s ", $2, $1}')
  printf '| %s × %d MiB | %s | %.1f MB | %s B | %s| %.1f s |\n' "$parallel" "$mib" "$mode" "$(echo "$hwm / 1024" | bc -l)" "$record" "$codes" "$elapsed"
}

echo "| requests | body sent | peak RSS (VmHWM) | record file | answers | wall |"
echo "|---|---|---|---|---|---|"
run 1 length
run "$size_mib" length
run "$size_mib" chunked
