//go:build !windows

package sandbox

import "syscall"

// oNoFollow makes OpenFile refuse a symlink in the last path element.
const oNoFollow = syscall.O_NOFOLLOW
