package keyringmock

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/store"
)

// Issue 14 item 7: a crafted keyring entry (the index, a credential, or the
// parts of a split one) is a corrupt store: exit 5 naming the entry, no panic.
func TestCorruptKeyringEntries(t *testing.T) {
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent-mock-backend")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx := context.Background()
	const goodIndex = `{"default":{"discord":"alice"},"accounts":{"discord":["alice"]}}`
	tests := []struct {
		name    string
		entries map[string]string
		entry   string // the entry the error must name
		want    string
	}{
		{"index with null maps", map[string]string{"index": `{"default":null,"accounts":null}`}, "index", `"default" is missing or null`},
		{"index that is null", map[string]string{"index": `null`}, "index", "null instead of an index"},
		{"index of the wrong type", map[string]string{"index": `{"default":[],"accounts":{}}`}, "index", "cannot unmarshal array"},
		{"split index with a part missing", map[string]string{"index": "authctl-chunks:0123456789ab:2", "index#0123456789ab#1": goodIndex[:10]}, "index", "read part 2 of 2"},
		{"split index whose parts are not an index", map[string]string{"index": "authctl-chunks:0123456789ab:2",
			"index#0123456789ab#1": `{"default":nu`, "index#0123456789ab#2": `ll,"accounts":{}}`}, "index", `"default" is missing or null`},
		{"null credential", map[string]string{"index": goodIndex, "discord:alice": `null`}, "discord:alice", "null instead of a credential"},
		{"credential of another provider", map[string]string{"index": goodIndex,
			"discord:alice": `{"provider":"github","account":"alice","access_token":"t"}`}, "discord:alice", `filed under "discord:alice"`},
		{"split credential with a part missing", map[string]string{"index": goodIndex, "discord:alice": "authctl-chunks:ffffffffffff:3",
			"discord:alice#ffffffffffff#1": `{"provider":`}, "discord:alice", "read part 2 of 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInit()
			for user, value := range tt.entries {
				if err := keyring.Set(store.Service, user, value); err != nil {
					t.Fatal(err)
				}
			}
			check := func(op string, err error) {
				t.Helper()
				if exitcode.Of(err) != exitcode.Store || !strings.Contains(err.Error(), `keyring entry "`+tt.entry+`"`) ||
					!strings.Contains(err.Error(), "is corrupt") || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: %v (exit %d), want exit 5 naming entry %q and %q", op, err, exitcode.Of(err), tt.entry, tt.want)
				}
			}
			s, err := store.Open(store.KindKeyring, filepath.Join(t.TempDir(), "state"), nil)
			if tt.entry == "index" {
				check("open", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Get(ctx, "discord", "")
			check("get", err)
			_, err = s.List(ctx)
			check("list", err)
		})
	}
}
