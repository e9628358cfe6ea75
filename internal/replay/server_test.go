package replay

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
)

// TestServerRecordsAndReports runs the bound server over real HTTP: what it
// received is in the record file and in the words of its report.
func TestServerRecordsAndReports(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "deliveries.jsonl")
	always := func(http.Header, []byte, time.Time) (bool, string) { return true, "valid" }
	srv, err := Bind("127.0.0.1:0", false, record, ListenOptions{Scheme: mustScheme(t, "slack"), Verify: always})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	for _, body := range []string{"token=a&text=hi", ""} {
		resp, err := http.Post("http://"+srv.Addr().String()+"/slack", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v, want nil", err)
	}
	if got, want := srv.Report(), "2 received, 1 verified, 1 rejected, recorded to "+record; got != want {
		t.Errorf("Report() = %q, want %q", got, want)
	}
	if recs := readRecordFile(t, record); len(recs) != 2 || !recs[0].Valid || recs[1].Status != http.StatusBadRequest {
		t.Errorf("records %+v, want the verified delivery and the empty one refused", recs)
	}
}

func TestServerReportNamesForwarding(t *testing.T) {
	t.Parallel()
	srv, err := Bind("127.0.0.1:0", false, "", ListenOptions{Scheme: mustScheme(t, "github"), ForwardTo: "http://127.0.0.1:1/hook"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.ln.Close()
	if got, want := srv.Report(), "0 received, 0 verified, 0 rejected, 0 forwarded, 0 forward failures"; got != want {
		t.Errorf("Report() = %q, want %q", got, want)
	}
}

// TestBindErrors: a record file that cannot be opened and an address that is
// not loopback are usage errors, and nothing is left listening.
func TestBindErrors(t *testing.T) {
	t.Parallel()
	o := ListenOptions{Scheme: mustScheme(t, "github")}
	tests := []struct{ name, addr, record, want string }{
		{"unwritable record", "127.0.0.1:0", filepath.Join(t.TempDir(), "no", "dir.jsonl"), "open record file: "},
		{"all interfaces", "0.0.0.0:0", "", `--addr "0.0.0.0:0" bound `},
		{"not an address", "127.0.0.1:http-nope", "", "listen on 127.0.0.1:http-nope: "},
	}
	for _, tt := range tests {
		_, err := Bind(tt.addr, false, tt.record, o)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || exitcode.Of(err) != exitcode.Usage {
			t.Errorf("%s: %v (exit %d), want exit 2 starting %q", tt.name, err, exitcode.Of(err), tt.want)
		}
	}
}

func readRecordFile(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := ReadRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
