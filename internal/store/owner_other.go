//go:build !unix

package store

import "io/fs"

// openNoFollow is not available here; Lstat before opening still refuses links.
const openNoFollow = 0

// ownerOf cannot tell a file's owner here (Windows keeps it in an ACL).
func ownerOf(fs.FileInfo) (uid int, known bool) { return 0, false }
