//go:build unix

// Package nofollow holds the os.OpenFile flag that makes opening a symbolic
// link in the last element of a path fail instead of following it, so that a
// link another user planted cannot redirect a write of ours.
package nofollow

import "syscall"

// Flag is O_NOFOLLOW.
const Flag = syscall.O_NOFOLLOW
