#!/usr/bin/env bash
# Validates goreleaser.yaml and runs a local snapshot release (no publishing),
# then checks that the archives and packages carry the man pages and
# completions. Slow (cross-builds six targets), so not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

GORELEASER_VERSION=v2.15.0 # newer versions do not build from the module proxy here
gr=$(command -v goreleaser || true)
if [[ -z $gr ]]; then
  gobin=$(go env GOBIN); gobin=${gobin:-$(go env GOPATH)/bin}
  gr=$gobin/goreleaser
  if [[ ! -x $gr ]]; then
    echo "installing goreleaser $GORELEASER_VERSION" >&2
    go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
  fi
fi

"$gr" check
"$gr" release --snapshot --clean --skip=publish

echo "--- artifacts in dist/"
ls -1 dist/*.tar.gz dist/*.zip dist/*.deb dist/*.rpm dist/checksums.txt

fail=0
archive=$(ls dist/authctl_*_linux_amd64.tar.gz | head -n1)
deb=$(ls dist/*amd64*.deb | head -n1)
for want in man/authctl.1 completions/authctl.bash completions/_authctl completions/authctl.fish completions/authctl.ps1 README.md LICENSE; do
  tar -tzf "$archive" | grep -x "$want" >/dev/null || { echo "missing $want in $archive" >&2; fail=1; }
done
for want in ./usr/share/man/man1/authctl.1 ./usr/share/bash-completion/completions/authctl \
  ./usr/share/zsh/vendor-completions/_authctl ./usr/share/fish/vendor_completions.d/authctl.fish ./usr/bin/authctl; do
  dpkg-deb -c "$deb" | awk '{print $6}' | grep -x "$want" >/dev/null || { echo "missing $want in $deb" >&2; fail=1; }
done
[[ $fail == 0 ]] && echo "release check OK: man pages and completions are in $archive and $deb"
exit $fail
