#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages. Idempotent: it
# runs apt-get only when a package is missing.
set -euo pipefail

packages=(
  gnome-keyring    # the real Secret Service for the keyring store tests
  dbus             # dbus-run-session for a private session bus (never dbus-x11)
  chromium         # headless browser for the consent-page login test
  bash-completion  # loading the generated bash completion
  man-db           # man -l for the generated man pages
  groff-base
  openssl
  curl
  procps
  tmux             # a real terminal for the login prompt test
  util-linux       # setpriv (another local user) and unshare (a private /etc/hosts) for the attack tests
  git              # git-http-backend for the sandbox, the real client for git-credential tests
  gcc              # cgo, which go test -race needs
  libc6-dev
)
if [ "${AUTHCTL_BENCH:-}" = 1 ]; then
  packages+=(hyperfine wrk time)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >&2
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
if dpkg-query -W -f='${Status}' dbus-x11 2>/dev/null | grep -q 'install ok installed'; then
  echo "setup: warning: dbus-x11 is installed; godbus may autolaunch stray session buses" >&2
fi
