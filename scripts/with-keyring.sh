#!/usr/bin/env bash
# Runs a command inside a private D-Bus session bus with an unlocked
# gnome-keyring providing org.freedesktop.secrets, then stops the daemon.
# It never touches the user's own keyring: HOME and the XDG directories point
# to a temporary directory (Go's caches are pinned first so builds stay warm).
set -euo pipefail

if [ -z "${AUTHCTL_KEYRING_SESSION:-}" ]; then
  export AUTHCTL_KEYRING_SESSION=1
  export GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
  exec dbus-run-session -- bash "$0" "$@"
fi

tmp=$(mktemp -d)
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share" XDG_CACHE_HOME="$tmp/home/.cache" \
  XDG_CONFIG_HOME="$tmp/home/.config" XDG_STATE_HOME="$tmp/home/.local/state" XDG_RUNTIME_DIR="$tmp/run"
# Without these directories gnome-keyring's activation hangs for 120 s.
mkdir -p "$HOME/.cache" "$HOME/.local/share/keyrings" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

eval "$(printf 'authctl-test' | gnome-keyring-daemon --unlock --components=secrets)"
daemon_pid=${GNOME_KEYRING_PID:-$(pgrep -n -u "$(id -u)" gnome-keyring-d || true)}
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.ListNames 2>/dev/null | grep -q '"org.freedesktop.secrets"'; then
    break
  fi
  sleep 0.1
done
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.ListNames | grep -q '"org.freedesktop.secrets"' ||
  { echo "with-keyring: org.freedesktop.secrets never appeared on the bus" >&2; exit 1; }

export AUTHCTL_TEST_KEYRING=1
"$@"
