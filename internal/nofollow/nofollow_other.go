//go:build !unix

package nofollow

// Flag is 0 where there is no O_NOFOLLOW (Windows, where creating a symlink
// needs a privilege another user does not have by default).
const Flag = 0
