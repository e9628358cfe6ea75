#!/usr/bin/env bash
# Start-up cost of `authctl token discord` with a valid token in the file
# store (no network call) beside a bare Go "hello world" binary, `authctl
# version`, measured by hyperfine in one run; prints the medians and the
# ratio stored-token ÷ bare.
# Needs hyperfine: AUTHCTL_BENCH=1 bash scripts/setup.sh
# Env: RUNS (default 300), WARMUP (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-300}
warmup=${WARMUP:-20}
command -v hyperfine >/dev/null || { echo "bench-token: hyperfine is missing; run AUTHCTL_BENCH=1 bash scripts/setup.sh" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -trimpath -o "$tmp/authctl" ./cmd/authctl
mkdir -p "$tmp/hello"
cat >"$tmp/hello/main.go" <<'GO'
package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
GO
printf 'module hello\n\ngo 1.22\n' >"$tmp/hello/go.mod"
(cd "$tmp/hello" && go build -trimpath -o "$tmp/bare" .)

export AUTHCTL_CONFIG="$tmp/config.yaml" XDG_STATE_HOME="$tmp/state"
printf 'store: file\nproviders:\n  discord:\n    client_id: "1234567890"\n' >"$AUTHCTL_CONFIG"
go run ./scripts/benchseed discord
test "$("$tmp/authctl" token discord 2>/dev/null)" = bench-access-token ||
  { echo "bench-token: authctl token discord did not print the stored token" >&2; exit 1; }

hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$tmp/result.json" \
  -n bare "$tmp/bare" -n version "$tmp/authctl version" \
  -n stored "$tmp/authctl token discord" >&2

python3 - "$tmp/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ms = {k: v["median"] * 1000 for k, v in r.items()}
print(f"bare Go binary median:                {ms['bare']:.2f} ms")
print(f"authctl version median:               {ms['version']:.2f} ms")
print(f"authctl token discord (stored) median: {ms['stored']:.2f} ms")
print(f"stored / bare: {ms['stored'] / ms['bare']:.2f}x   stored / version: {ms['stored'] / ms['version']:.2f}x")
PY
