#!/usr/bin/env bash
# Wall time of `authctl guild check` with a stored valid token against a local
# `authctl sandbox`, beside `curl` of the same sandbox endpoint with the same
# token, in one hyperfine run: medians and their ratio (must be <= 1.5).
# Needs hyperfine: AUTHCTL_BENCH=1 bash scripts/setup.sh
# Env: RUNS (default 200), WARMUP (20), MAX_RATIO (1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build as goreleaser.yaml builds the release (static, trimmed, stripped), so the
# figures are the shipped binary's and the baselines are built the same way.
export CGO_ENABLED=0 GOFLAGS="-trimpath '-ldflags=-s -w'"

runs=${RUNS:-200}
warmup=${WARMUP:-20}
max_ratio=${MAX_RATIO:-1.5}
for tool in hyperfine curl jq; do
  command -v "$tool" >/dev/null || { echo "bench-guild: $tool is missing; run AUTHCTL_BENCH=1 bash scripts/setup.sh" >&2; exit 2; }
done

tmp=$(mktemp -d)
sandbox_pid=
cleanup() {
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/authctl" ./cmd/authctl

# The sandbox's world for the run: one app, one user in one guild, and rate
# limits high enough that neither side ever meets a 429 during the benchmark.
client_id=1234567890
client_secret=discord-sandbox-secret
redirect_uri=http://127.0.0.1:28682/callback
guild=1100000000000000001
cat >"$tmp/seed.yaml" <<YAML
default_user: alice
users:
  - {id: "80351110224678912", username: alice, name: Alice Example, email: alice@example.test}
apps:
  - {kind: discord, client_id: "$client_id", client_secret: $client_secret, redirect_uris: ["$redirect_uri"]}
guilds:
  - id: "$guild"
    name: Bench Guild
    owner_id: "80351110224678912"
    roles: [{id: "1200000000000000001", name: admin}]
    members: [{user_id: "80351110224678912", roles: ["1200000000000000001"], joined_at: 2021-03-04T05:06:07Z}]
default_rate_limit: 1000000
YAML

mkfifo "$tmp/url"
"$tmp/authctl" sandbox --auto-approve --seed "$tmp/seed.yaml" --config-out "$tmp/config.yaml" \
  >"$tmp/url" 2>"$tmp/sandbox.err" &
sandbox_pid=$!
read -r url <"$tmp/url" || { cat "$tmp/sandbox.err" >&2; exit 1; }

# A user token from the auto-approving sandbox, by the authorization code flow.
location=$(curl -sS -o /dev/null -w '%{redirect_url}' \
  "$url/oauth2/authorize?client_id=$client_id&response_type=code&state=bench&scope=identify%20guilds%20guilds.members.read&redirect_uri=$redirect_uri")
code=$(printf '%s' "$location" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
[ -n "$code" ] || { echo "bench-guild: authorize gave no code: $location" >&2; exit 1; }
printf 'user = "%s:%s"\n' "$client_id" "$client_secret" >"$tmp/curl-client"
curl -sS -K "$tmp/curl-client" -d grant_type=authorization_code -d "code=$code" \
  --data-urlencode "redirect_uri=$redirect_uri" "$url/api/oauth2/token" >"$tmp/token.json"
jq -r .access_token "$tmp/token.json" >"$tmp/access"
printf 'Authorization: Bearer %s\n' "$(cat "$tmp/access")" >"$tmp/auth-header"

# Store it in the file store under a private XDG_STATE_HOME: the token never
# goes on a command line.
export XDG_STATE_HOME="$tmp/state" AUTHCTL_CONFIG="$tmp/config.yaml" AUTHCTL_STORE=file
unset AUTHCTL_DISCORD_TOKEN
"$tmp/authctl" login discord --with-token <"$tmp/access" 2>"$tmp/login.err" ||
  { echo "bench-guild: storing the token failed:" >&2; cat "$tmp/login.err" >&2; exit 1; }

check="$tmp/authctl guild check --guild $guild"
fetch="curl -sS -o /dev/null --fail -H @$tmp/auth-header $url/api/v10/users/@me/guilds/$guild/member"
$check 2>"$tmp/check.err" || { echo "bench-guild: guild check failed:" >&2; cat "$tmp/check.err" >&2; exit 1; }
$fetch

hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$tmp/result.json" \
  -n curl "$fetch" -n "authctl guild check" "$check" >&2

curl_ms=$(jq '.results[] | select(.command == "curl") | .median * 1000' "$tmp/result.json")
check_ms=$(jq '.results[] | select(.command == "authctl guild check") | .median * 1000' "$tmp/result.json")
ratio=$(awk -v a="$check_ms" -v b="$curl_ms" 'BEGIN { print a / b }')
printf 'median of %d runs: curl %.2f ms, authctl guild check %.2f ms, ratio %.2f (need <= %s)\n' \
  "$runs" "$curl_ms" "$check_ms" "$ratio" "$max_ratio"
if awk -v r="$ratio" -v m="$max_ratio" 'BEGIN { exit !(r > m) }'; then
  echo "bench-guild: guild check is slower than ${max_ratio}x curl" >&2
  exit 1
fi
