#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script).
# It installs what it needs (scripts/setup.sh), then runs formatting and vet
# checks, every Go test inside a private D-Bus session with a real, unlocked
# gnome-keyring (scripts/with-keyring.sh), the packages where processes and
# goroutines race for credentials, locks and sockets again under the race
# detector, the suite once more with HOME and every XDG directory empty to prove
# no test reads or writes the user's files, and each fuzz target for a bounded time (FUZZTIME, default 10s). It also runs the README's quick start,
# scripts/demo.sh, so the first command a new user types is proven too.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>&1 || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...

echo "== go test (real Secret Service on a private D-Bus session)"
bash scripts/with-keyring.sh go test -count=1 -timeout 20m ./...

echo "== go test with HOME and the XDG directories empty: nothing may be left there"
bash scripts/check-clean-home.sh

echo "== go test -race (credential refresh, store locks, login callbacks, replay bursts, Discord rate limits)"
bash scripts/with-keyring.sh go test -race -count=1 -timeout 20m \
  ./internal/cli ./internal/store/... ./internal/credential ./internal/childproc ./internal/oauthflow ./internal/replay ./internal/discord ./internal/app

echo "== the README quick start (scripts/demo.sh)"
bash scripts/demo.sh >/dev/null

echo "== fuzz (each target for ${FUZZTIME:-10s})"
# A real finding always prints "Failing input written to" and saves the input
# under testdata/fuzz/. Go's fuzz coordinator can also fail a run with a bare
# "context deadline exceeded" when a worker answers late at the deadline on a
# loaded machine; such a run (and only such a run) is tried once more.
fuzz_once() {
  go test -run '^$' -fuzz "^${2}\$" -fuzztime "${FUZZTIME:-10s}" "$1" </dev/null 2>&1 | tee "$fuzz_log"
}
fuzz_log=$(mktemp)
trap 'rm -f "$fuzz_log"' EXIT
grep -vE '^\s*(#|$)' scripts/fuzz-targets.txt | while read -r pkg target; do
  fuzz_once "$pkg" "$target" && continue
  if grep -q 'Failing input written to' "$fuzz_log" || ! grep -q 'context deadline exceeded' "$fuzz_log"; then
    exit 1
  fi
  echo "fuzz: $target stopped on the coordinator's deadline with no failing input; running it once more" >&2
  fuzz_once "$pkg" "$target"
done
