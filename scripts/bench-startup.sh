#!/usr/bin/env bash
# Start-up cost of the commands CI scripts call most, answered with no network
# call, beside two floors, timed by hyperfine in one run:
#   skeleton:  scripts/skeleton, a binary that links cobra, viper, go-keyring,
#              pkg/browser, lipgloss and x/oauth2 and does nothing else — the
#              floor issue 12 measures against (target: within 1.5x)
#   bare:      a Go "hello world"
#   token:     `authctl token discord` with a valid stored token
#   verify:    `authctl webhook verify github` on a 1 KB body
#   app token: `authctl app token github --repo …` with a cached installation
#              token (the key file does not even exist: a cache hit reads
#              neither the key nor the network)
# Prints the medians and each command's ratio to the skeleton and to bare, and
# the mean CPU time (user + system) with its ratio to the skeleton's.
# Needs hyperfine: AUTHCTL_BENCH=1 bash scripts/setup.sh
# Env: RUNS (default 300), WARMUP (default 20); INTERLEAVED=1 times them all again
# one run of each in turn (medians of wall and CPU time).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build as goreleaser.yaml builds the release (static, trimmed, stripped), so the
# figures are the shipped binary's and the baselines are built the same way.
export CGO_ENABLED=0 GOFLAGS="-trimpath '-ldflags=-s -w'"

runs=${RUNS:-300}
warmup=${WARMUP:-20}
command -v hyperfine >/dev/null || { echo "bench-startup: hyperfine is missing; run AUTHCTL_BENCH=1 bash scripts/setup.sh" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/authctl" ./cmd/authctl
mkdir -p "$tmp/hello"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("hello\\n") }\n' >"$tmp/hello/main.go"
printf 'module hello\n\ngo 1.22\n' >"$tmp/hello/go.mod"
(cd "$tmp/hello" && go build -o "$tmp/bare" .)
go build -o "$tmp/skeleton" ./scripts/skeleton

export AUTHCTL_CONFIG="$tmp/config.yaml" XDG_STATE_HOME="$tmp/state"
printf 'store: file\nproviders:\n  discord:\n    client_id: "1234567890"\n' >"$AUTHCTL_CONFIG"
go run ./scripts/benchseed discord github-app:api.github.com:424242:octo/widgets

export AUTHCTL_WEBHOOK_SECRET=bench-webhook-secret
head -c 1024 /dev/urandom >"$tmp/1k"
sig=$(openssl dgst -sha256 -hmac "$AUTHCTL_WEBHOOK_SECRET" "$tmp/1k" | awk '{print $NF}')
verify="$tmp/authctl webhook verify github --body $tmp/1k -H X-Hub-Signature-256:sha256=$sig"
$verify 2>/dev/null || { echo "bench-startup: '$verify' did not verify" >&2; exit 1; }
token="$tmp/authctl token discord"
app="$tmp/authctl app token github --app-id 424242 --private-key-file $tmp/absent.pem --repo octo/widgets"
for cmd in "$token" "$app"; do
  test "$($cmd 2>/dev/null)" = bench-access-token ||
    { echo "bench-startup: '$cmd' did not print the stored token" >&2; exit 1; }
done

hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$tmp/result.json" \
  -n skeleton "$tmp/skeleton version" -n bare "$tmp/bare" -n version "$tmp/authctl version" \
  -n token "$token" -n verify "$verify" -n app "$app" >&2

python3 - "$tmp/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ms = {k: v["median"] * 1000 for k, v in r.items()}
cpu = {k: (v["user"] + v["system"]) * 1000 for k, v in r.items()}  # means: hyperfine keeps no per-run CPU times
names = {"skeleton": "skeleton (cobra, viper, go-keyring, browser, lipgloss, oauth2)",
         "bare": "bare Go binary", "version": "authctl version",
         "token": "authctl token discord (stored)", "verify": "authctl webhook verify github (1 KB)",
         "app": "authctl app token github --repo (cached)"}
for key, name in names.items():
    print(f"{name + ' median:':<66} {ms[key]:6.2f} ms   {ms[key] / ms['skeleton']:.2f}x skeleton   {ms[key] / ms['bare']:.2f}x bare"
          f"   CPU {cpu[key]:5.2f} ms {cpu[key] / cpu['skeleton']:.2f}x skeleton")
PY

# INTERLEAVED=1: the same commands again, one run of each in turn RUNS times, so
# that load from other processes weighs on all of them alike (hyperfine runs one
# command's runs in a block). Medians of wall and CPU (user + system) time.
[ "${INTERLEAVED:-0}" = 1 ] || exit 0
python3 - "$runs" "$warmup" skeleton "$tmp/skeleton version" bare "$tmp/bare" version "$tmp/authctl version" \
  token "$token" verify "$verify" app "$app" <<'PY'
import os, shlex, statistics, sys, time
runs, warmup = int(sys.argv[1]), int(sys.argv[2])
cmds = [(sys.argv[i], shlex.split(sys.argv[i + 1])) for i in range(3, len(sys.argv), 2)]
devnull = os.open(os.devnull, os.O_RDWR)
wall = {name: [] for name, _ in cmds}
cpu = {name: [] for name, _ in cmds}
for i in range(warmup + runs):
    for name, argv in cmds:
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        end = time.perf_counter()
        if status != 0:
            sys.exit(f"bench-startup: {shlex.join(argv)} exited with status {status}")
        if i >= warmup:
            wall[name].append((end - start) * 1000)
            cpu[name].append((usage.ru_utime + usage.ru_stime) * 1000)
w = {name: statistics.median(v) for name, v in wall.items()}
c = {name: statistics.median(v) for name, v in cpu.items()}
print(f"interleaved, {runs} runs each:")
for name, _ in cmds:
    print(f"  {name:<9} wall {w[name]:5.2f} ms {w[name] / w['skeleton']:.2f}x skeleton   CPU {c[name]:5.2f} ms {c[name] / c['skeleton']:.2f}x skeleton")
PY
