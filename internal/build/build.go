// Package build holds the version information stamped in by the linker.
package build

import "runtime/debug"

// Set by -ldflags "-X github.com/authctl/authctl/internal/build.Version=…".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info returns version, commit and date, falling back to the module build info
// for binaries built with `go install` or `go build`.
func Info() (version, commit, date string) {
	version, commit, date = Version, Commit, Date
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orDefault(version, "dev"), orDefault(commit, "unknown"), orDefault(date, "unknown")
	}
	if version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if commit == "" {
				commit = s.Value
			}
		case "vcs.time":
			if date == "" {
				date = s.Value
			}
		}
	}
	return orDefault(version, "dev"), orDefault(commit, "unknown"), orDefault(date, "unknown")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
