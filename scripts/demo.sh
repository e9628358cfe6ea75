#!/usr/bin/env bash
# Quick start: build authctl, start the embedded sandbox, log in to Discord
# with no real browser, print the token, show status, check guild membership,
# log out. Needs only Go; no accounts, no network beyond 127.0.0.1.
# The token goes to stdout; everything else to stderr. Exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
sandbox_pid=""
login_pid=""
cleanup() {
	[ -n "$login_pid" ] && kill "$login_pid" 2>/dev/null || true
	[ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*" >&2; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# wait_for FILE PATTERN PID: wait up to 30 s for PATTERN in FILE while PID runs.
wait_for() {
	for _ in $(seq 300); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || fail "$(cat "$1" 2>/dev/null)"
		sleep 0.1
	done
	fail "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# Keep Go's module and build caches where they are, so the build needs no download.
GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE) GOPATH=$(go env GOPATH)
export GOMODCACHE GOCACHE GOPATH

# A private HOME and XDG dirs, the file store, and no browser: nothing of the
# user's is read or written.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_STATE_HOME="$work/home/.local/state" XDG_CACHE_HOME="$work/home/.cache" TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
mkdir -p "$HOME"
export AUTHCTL_STORE=file CI=1
unset AUTHCTL_DISCORD_TOKEN AUTHCTL_CONFIG BROWSER

step "go build -o \$TMP/authctl ./cmd/authctl"
(cd "$root" && go build -o "$work/authctl" ./cmd/authctl)
authctl() { "$work/authctl" --config "$work/sandbox.yaml" "$@"; }

step "authctl sandbox --auto-approve --config-out sandbox.yaml &"
"$work/authctl" sandbox --auto-approve --config-out "$work/sandbox.yaml" >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
wait_for "$work/sandbox.out" "http://" "$sandbox_pid"
wait_for "$work/sandbox.yaml" "discord:" "$sandbox_pid"
printf 'sandbox at %s\n' "$(head -n1 "$work/sandbox.out")" >&2

step "authctl login discord --no-browser   (an HTTP client plays the browser; the sandbox approves)"
authctl login discord --no-browser </dev/null 2>"$work/login.err" &
login_pid=$!
wait_for "$work/login.err" "state=" "$login_pid"
auth_url=$(grep -o 'http://[^ ]*state=[^ ]*' "$work/login.err" | head -n1)
if command -v curl >/dev/null; then
	curl -fsSL -o /dev/null "$auth_url" || fail "following the authorize URL failed"
else
	cat >"$work/follow.go" <<'GO'
package main

import (
	"net/http"
	"os"
	"time"
)

func main() {
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(os.Args[1])
	if err != nil || resp.StatusCode != http.StatusOK {
		os.Exit(1)
	}
}
GO
	(cd "$work" && go run follow.go "$auth_url") || fail "following the authorize URL failed"
fi
wait "$login_pid" || { cat "$work/login.err" >&2; fail "login failed"; }
login_pid=""
grep -v '^\s*$' "$work/login.err" | grep -v 'http://' >&2 || true

step "authctl token discord"
authctl token discord

step "authctl status"
authctl status >&2

if authctl guild check --help >/dev/null 2>&1; then
	step "authctl guild check --guild 1100000000000000001"
	authctl guild check --guild 1100000000000000001 >&2
fi

step "authctl sandbox --print-app-key > app.pem; authctl app token github --app-id 424242 --private-key-file app.pem --repo sandbox-org/widgets"
"$work/authctl" sandbox --print-app-key >"$work/app.pem"
app_token=$(authctl app token github --app-id 424242 --private-key-file "$work/app.pem" --repo sandbox-org/widgets) ||
	fail "app token github failed"
case "$app_token" in ghs_*) echo "$app_token" ;; *) fail "app token github printed $app_token" ;; esac
again=$(authctl app token github --app-id 424242 --private-key-file "$work/app.pem" --repo sandbox-org/widgets)
[ "$again" = "$app_token" ] || fail "a second app token call did not answer from the cache"
authctl app status >&2

step "authctl logout discord"
authctl logout discord >&2
if authctl token discord >/dev/null 2>&1; then
	fail "a token was still printed after logout"
fi
printf '\ndemo: all steps passed\n' >&2
