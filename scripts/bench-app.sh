#!/usr/bin/env bash
# Start-up cost of a cached `authctl app token github` (installation token in
# the file store: no key read, no network call) beside a bare Go "hello
# world" binary, measured by hyperfine in one run; prints medians and ratio.
# Needs hyperfine: AUTHCTL_BENCH=1 bash scripts/setup.sh
# Env: RUNS (default 300), WARMUP (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-300}
warmup=${WARMUP:-20}
command -v hyperfine >/dev/null || { echo "bench-app: hyperfine is missing; run AUTHCTL_BENCH=1 bash scripts/setup.sh" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -trimpath -o "$tmp/authctl" ./cmd/authctl
mkdir -p "$tmp/hello"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("hello\\n") }\n' >"$tmp/hello/main.go"
printf 'module hello\n\ngo 1.22\n' >"$tmp/hello/go.mod"
(cd "$tmp/hello" && go build -trimpath -o "$tmp/bare" .)

export AUTHCTL_CONFIG="$tmp/config.yaml" XDG_STATE_HOME="$tmp/state"
printf 'store: file\n' >"$AUTHCTL_CONFIG"
go run ./scripts/benchseed github-app:424242:5150
cached="$tmp/authctl app token github --app-id 424242 --private-key-file $tmp/absent.pem --installation 5150"
test "$($cached 2>/dev/null)" = bench-access-token ||
  { echo "bench-app: the cached app token was not printed" >&2; exit 1; }

hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$tmp/result.json" \
  -n bare "$tmp/bare" -n cached "$cached" >&2

python3 - "$tmp/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ms = {k: v["median"] * 1000 for k, v in r.items()}
print(f"bare Go binary median:                 {ms['bare']:.2f} ms")
print(f"authctl app token github (cached) median: {ms['cached']:.2f} ms")
print(f"cached / bare: {ms['cached'] / ms['bare']:.2f}x")
PY
