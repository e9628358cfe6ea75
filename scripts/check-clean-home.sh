#!/usr/bin/env bash
# Runs the whole Go test suite with HOME and every XDG directory pointing at
# one empty directory, and fails if the tests left anything there: no test may
# read the user's config or write outside its own temporary directories. The
# go command's own telemetry directory (go/) is allowed; Go's build and module
# caches are pinned to where they already are, so builds stay warm.
# (Tests that need the real Secret Service skip here; scripts/test.sh runs them
# inside scripts/with-keyring.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."

export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
HOME="$home" XDG_CONFIG_HOME="$home" XDG_STATE_HOME="$home" XDG_DATA_HOME="$home" \
  XDG_CACHE_HOME="$home" XDG_RUNTIME_DIR="$home" \
  go test -count=1 -timeout 20m ./... "$@"
left=$(cd "$home" && find . -mindepth 1 -not -path './go' -not -path './go/*' | sort)
if [ -n "$left" ]; then
  echo "check-clean-home: the tests left these in HOME / XDG directories:" >&2
  echo "$left" >&2
  exit 1
fi
echo "check-clean-home: HOME and the XDG directories are empty after go test ./..."
