#!/usr/bin/env bash
# Start-up, throughput and peak memory of `authctl webhook verify github`
# against two baselines: a minimal Go program computing the same HMAC
# (internal/webhook/benchdata/minimalhmac, the floor) and `openssl dgst`.
# Writes the figures into the "webhook verify" section of BENCHMARKS.md.
# Needs hyperfine and GNU time: AUTHCTL_BENCH=1 bash scripts/setup.sh
# Env: ROUNDS (default 10), STARTUP_RUNS per round (30), THROUGHPUT_RUNS per
# round (3), RSS_RUNS (5).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build as goreleaser.yaml builds the release (static, trimmed, stripped), so the
# figures are the shipped binary's and the baselines are built the same way.
export CGO_ENABLED=0 GOFLAGS="-trimpath '-ldflags=-s -w'"

rounds=${ROUNDS:-10}
startup_runs=${STARTUP_RUNS:-30}
throughput_runs=${THROUGHPUT_RUNS:-3}
rss_runs=${RSS_RUNS:-5}
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
  AUTHCTL_BENCH=1 bash scripts/setup.sh
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/authctl" ./cmd/authctl
go build -o "$tmp/minimalhmac" ./internal/webhook/benchdata/minimalhmac
go build -o "$tmp/cobraonly" ./internal/webhook/benchdata/cobraonly

export AUTHCTL_WEBHOOK_SECRET=bench-webhook-secret
head -c 1024 /dev/urandom >"$tmp/1k"
head -c $((1 << 20)) /dev/urandom >"$tmp/1m"
head -c $((256 << 20)) /dev/urandom >"$tmp/256m"
sig() { openssl dgst -sha256 -hmac "$AUTHCTL_WEBHOOK_SECRET" "$1" | awk '{print $NF}'; }
s1k=$(sig "$tmp/1k"); s1m=$(sig "$tmp/1m"); s256=$(sig "$tmp/256m")
verify() { echo "$tmp/authctl webhook verify github --body $1 -H 'X-Hub-Signature-256: sha256=$2'"; }

# bench NAME RUNS_PER_ROUND CMD... runs the commands in ROUNDS interleaved
# hyperfine rounds (the machine is shared, so load drifts) and prints, per
# command, "median_wall_ms median_cpu_ms": wall over every run, CPU (user+sys)
# over the rounds' means.
bench() {
  local name=$1 runs=$2; shift 2
  for r in $(seq "$rounds"); do
    hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$tmp/$name.$r.json" "$@" >/dev/null
  done
  python3 - "$tmp" "$name" "$rounds" "$#" <<'PY'
import json, statistics, sys
tmp, name, rounds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
res = [json.load(open(f"{tmp}/{name}.{r}.json"))["results"] for r in range(1, rounds + 1)]
for i in range(n):
    wall = [t for r in res for t in r[i]["times"]]
    cpu = [r[i]["user"] + r[i]["system"] for r in res]
    print(f"{statistics.median(wall) * 1000:.2f} {statistics.median(cpu) * 1000:.2f}")
PY
}

echo "== start-up (1 KB body): $rounds rounds x $startup_runs runs" >&2
read -r su_a su_a_cpu su_m su_m_cpu su_c su_c_cpu su_v su_v_cpu < <(bench startup "$startup_runs" \
  "$(verify "$tmp/1k" "$s1k")" "$tmp/minimalhmac $tmp/1k $s1k" \
  "$tmp/cobraonly webhook verify github --body $tmp/1k -H 'X-Hub-Signature-256: sha256=$s1k'" \
  "$tmp/authctl version" | tr '\n' ' '; echo)

echo "== throughput (256 MiB body): $rounds rounds x $throughput_runs runs" >&2
read -r tp_a tp_a_cpu tp_m tp_m_cpu tp_o tp_o_cpu < <(bench tp "$throughput_runs" \
  "$(verify "$tmp/256m" "$s256")" "$tmp/minimalhmac $tmp/256m $s256" \
  "openssl dgst -sha256 -hmac $AUTHCTL_WEBHOOK_SECRET $tmp/256m" | tr '\n' ' '; echo)

# Peak RSS in KiB: the median of a few runs of /usr/bin/time -v.
peak_rss() {
  for _ in $(seq "$rss_runs"); do
    /usr/bin/time -v "$tmp/authctl" webhook verify github --body "$1" -H "X-Hub-Signature-256: sha256=$2" 2>&1 >/dev/null |
      awk -F': ' '/Maximum resident set size/ {print $2}'
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
rss_1m=$(peak_rss "$tmp/1m" "$s1m"); rss_256=$(peak_rss "$tmp/256m" "$s256")

# Where start-up goes: package init times, summed over 20 runs, top 8.
for _ in $(seq 20); do
  GODEBUG=inittrace=1 "$tmp/authctl" webhook verify github --body "$tmp/1k" -H "X-Hub-Signature-256: sha256=$s1k" 2>&1 >/dev/null | awk '/^init / {print $2, $5}'
done | awk '{t[$1]+=$2; all+=$2} END {for (p in t) printf "%.3f %s\n", t[p]/20, p; printf "%.3f TOTAL\n", all/20}' | sort -rn >"$tmp/init.txt"
init_total=$(awk '$2=="TOTAL" {print $1}' "$tmp/init.txt")
init_top=$(grep -v TOTAL "$tmp/init.txt" | head -8 | awk '{printf "| `%s` | %s |\n", $2, $1}')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
fmt() { awk -v a="$1" 'BEGIN {printf "%.1f", a}'; }
mib() { awk -v a="$1" 'BEGIN {printf "%.1f", a / 1024}'; }
size_a=$(stat -c %s "$tmp/authctl"); size_m=$(stat -c %s "$tmp/minimalhmac"); size_c=$(stat -c %s "$tmp/cobraonly")
init_count() { GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null | grep -c '^init '; }
pk_a=$(init_count "$tmp/authctl" webhook verify github --body "$tmp/1k" -H "X-Hub-Signature-256: sha256=$s1k")
pk_m=$(init_count "$tmp/minimalhmac" "$tmp/1k" "$s1k")
pk_c=$(init_count "$tmp/cobraonly" webhook verify github --body "$tmp/1k" -H "X-Hub-Signature-256: sha256=$s1k")

section=$(cat <<MD
<!-- webhook-verify:begin (written by scripts/bench-webhook.sh) -->
## webhook verify

Command: \`bash scripts/bench-webhook.sh\` (ROUNDS=$rounds, STARTUP_RUNS=$startup_runs, THROUGHPUT_RUNS=$throughput_runs, RSS_RUNS=$rss_runs),
run $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git rev-parse --short HEAD), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),
$(go version | awk '{print $3}'), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared).
Bodies are random bytes; the secret comes from \`AUTHCTL_WEBHOOK_SECRET\`. The commands run in $rounds interleaved
hyperfine rounds; wall = median over all runs, CPU = median over rounds of mean user+system time. On a
shared machine CPU time is the steadier comparison; both are shown.
Baselines: \`internal/webhook/benchdata/minimalhmac\` (open, \`io.Copy\` into HMAC-SHA256, compare: the floor
for a Go binary) and \`openssl dgst -sha256 -hmac\`.

| measure | authctl | minimal Go | openssl | authctl ÷ minimal | authctl ÷ openssl | target |
|---|---|---|---|---|---|---|
| start-up, 1 KB body, wall (ms) | $(fmt "$su_a") | $(fmt "$su_m") | – | $(ratio "$su_a" "$su_m") | – | ≤ 2.00 |
| start-up, 1 KB body, CPU (ms) | $(fmt "$su_a_cpu") | $(fmt "$su_m_cpu") | – | $(ratio "$su_a_cpu" "$su_m_cpu") | – | ≤ 2.00 |
| verify 256 MiB, wall (ms) | $(fmt "$tp_a") | $(fmt "$tp_m") | $(fmt "$tp_o") | $(ratio "$tp_a" "$tp_m") | $(ratio "$tp_a" "$tp_o") | ≤ 1.10 and ≤ 1.00 |
| verify 256 MiB, CPU (ms) | $(fmt "$tp_a_cpu") | $(fmt "$tp_m_cpu") | $(fmt "$tp_o_cpu") | $(ratio "$tp_a_cpu" "$tp_m_cpu") | $(ratio "$tp_a_cpu" "$tp_o_cpu") | ≤ 1.10 and ≤ 1.00 |
| start-up: cobra + internal/webhook only, CPU (ms) | $(fmt "$su_c_cpu") | $(fmt "$su_m_cpu") | – | $(ratio "$su_c_cpu" "$su_m_cpu") | – | (evidence) |
| start-up: \`authctl version\`, CPU (ms) | $(fmt "$su_v_cpu") | $(fmt "$su_m_cpu") | – | $(ratio "$su_v_cpu" "$su_m_cpu") | – | (evidence) |
| peak RSS, 1 MiB body (MiB) | $(mib "$rss_1m") | | | | | |
| peak RSS, 256 MiB body (MiB) | $(mib "$rss_256") | | | | | growth ≤ 10 MiB: $(mib $((rss_256 - rss_1m))) |

Binary sizes (packages with an init): authctl $(mib $((size_a / 1024))) MiB ($pk_a), cobra + internal/webhook only
$(mib $((size_c / 1024))) MiB ($pk_c), minimal $(mib $((size_m / 1024))) MiB ($pk_m). Package \`init\` time of
\`authctl webhook verify\` (\`GODEBUG=inittrace=1\`, mean of 20 runs): $init_total ms in total; the largest:

| package | init ms |
|---|---|
$init_top
<!-- webhook-verify:end -->
MD
)

[ -f BENCHMARKS.md ] || printf '# Benchmarks\n' >BENCHMARKS.md
python3 - "$section" <<'PY'
import re, sys
section = sys.argv[1]
text = open("BENCHMARKS.md").read()
pat = re.compile(r"<!-- webhook-verify:begin.*?<!-- webhook-verify:end -->", re.S)
text = pat.sub(lambda _: section, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
echo "$section"
