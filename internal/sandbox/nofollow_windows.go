package sandbox

// oNoFollow is 0 on Windows, which has no O_NOFOLLOW: creating a symlink
// there needs a privilege another user does not have by default.
const oNoFollow = 0
