package replay

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/httplog"
)

// TestServerRecordsAndReports runs the bound server over real HTTP: what it
// received is in the record file and in the words of its report.
func TestServerRecordsAndReports(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "deliveries.jsonl")
	srv, err := Bind(mustScheme(t, "slack"), []byte("s3cret"), ServeOptions{Addr: "127.0.0.1:0", Record: record})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	body := []byte("token=a&text=hi")
	signed, err := Signer(mustScheme(t, "slack"), []byte("s3cret"))(body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, header := range []http.Header{signed, {}} {
		req, err := http.NewRequest(http.MethodPost, "http://"+srv.Addr().String()+"/slack", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
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
	if recs := readRecordFile(t, record); len(recs) != 2 || !recs[0].Valid || recs[1].Status != http.StatusUnauthorized {
		t.Errorf("records %+v, want the signed delivery verified and the unsigned one refused", recs)
	}
}

func TestServerReportNamesForwarding(t *testing.T) {
	t.Parallel()
	so := ServeOptions{Addr: "127.0.0.1:0", ListenOptions: ListenOptions{ForwardTo: "http://127.0.0.1:1/hook?token=s3cret"}}
	srv, err := Bind(mustScheme(t, "github"), []byte("s"), so)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.ln.Close()
	if got, want := srv.Report(), "0 received, 0 verified, 0 rejected, 0 forwarded, 0 forward failures"; got != want {
		t.Errorf("Report() = %q, want %q", got, want)
	}
	if got, want := srv.Target(), "forwarding to http://127.0.0.1:1/hook?token="+httplog.Redacted; got != want {
		t.Errorf("Target() = %q, want %q", got, want)
	}
}

// TestBindErrors: a record file that cannot be opened and an address that is
// not loopback are usage errors, and nothing is left listening.
func TestBindErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, addr, record, want string }{
		{"unwritable record", "127.0.0.1:0", filepath.Join(t.TempDir(), "no", "dir.jsonl"), "open record file: "},
		{"all interfaces", "0.0.0.0:0", "", `--addr "0.0.0.0:0" bound `},
		{"not an address", "127.0.0.1:http-nope", "", "listen on 127.0.0.1:http-nope: "},
	}
	for _, tt := range tests {
		_, err := Bind(mustScheme(t, "github"), []byte("s"), ServeOptions{Addr: tt.addr, Record: tt.record})
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
