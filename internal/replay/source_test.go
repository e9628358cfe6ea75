package replay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/webhook"
)

// TestOpenStream: the one delivery verify checks, from a raw request or a body
// with -H lines, on a file or stdin; every bad input is one clear error.
func TestOpenStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	request := write("delivery.http", "POST /hook HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nX-Sig: abc\r\n\r\nhello")
	body := write("body.json", `{"a":1}`)
	tests := []struct {
		name   string
		src    Source
		lines  []string
		header string // the X-Sig it must carry
		body   string
		err    string
	}{
		{"request file", Source{RequestFile: request}, nil, "abc", "hello", ""},
		{"request on stdin", Source{RequestFile: "-", Stdin: strings.NewReader("POST / HTTP/1.1\nX-Sig: s\nContent-Length: 2\n\nhi")}, nil, "s", "hi", ""},
		{"body file with -H", Source{BodyFile: body}, []string{"X-Sig: def"}, "def", `{"a":1}`, ""},
		{"body on stdin", Source{BodyFile: "-", Stdin: strings.NewReader("from stdin")}, nil, "", "from stdin", ""},
		{"bad -H", Source{BodyFile: body}, []string{"nope"}, "", "", `-H "nope": header must look like 'Name: value'`},
		{"missing body file", Source{BodyFile: body + ".nope"}, nil, "", "", "read body: open " + body + ".nope: no such file or directory"},
		{"missing request file", Source{RequestFile: request + ".nope"}, nil, "", "", "read request: open " + request + ".nope: no such file or directory"},
		{"no delivery", Source{}, nil, "", "", "give the delivery with --body FILE|- and -H, or --request FILE"},
		{"what the request line says stays escaped", Source{RequestFile: "-", Stdin: strings.NewReader("\x1b]0;pwned\x07 / HTTP/1.1\r\n\r\n")}, nil, "", "", `read request -: parse request: invalid method "\x1b]0;pwned\a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := openStream(tt.src, tt.lines)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, err := io.ReadAll(s.Body)
			if err != nil || string(got) != tt.body || s.Header.Get("X-Sig") != tt.header {
				t.Fatalf("body %q header %q err %v, want %q and %q", got, s.Header.Get("X-Sig"), err, tt.body, tt.header)
			}
		})
	}
}

// TestSend: a recorded file's verified deliveries go out signed afresh, the
// rejected one is skipped with a warning, and a bad source is a usage error.
func TestSend(t *testing.T) {
	t.Parallel()
	github := mustScheme(t, "github")
	got := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		res, err := github.Verify(webhook.Input{Header: r.Header, Body: bytes.NewReader(body), Secret: []byte("s3cret"), Now: time.Now()})
		if err != nil || !res.Valid {
			http.Error(w, res.Reason, http.StatusUnauthorized)
		}
		got <- string(body) + " " + r.Header.Get("X-Extra")
	}))
	defer srv.Close()
	record := filepath.Join(t.TempDir(), "r.jsonl")
	rec, err := OpenRecorder(record)
	if err != nil {
		t.Fatal(err)
	}
	for i, valid := range []bool{true, false, true} {
		if err := rec.Append(Record{ID: fmt.Sprint("d", i), Provider: "github", Header: http.Header{"X-Github-Event": {"ping"}}, Body: []byte(fmt.Sprint(i)), Valid: valid}); err != nil {
			t.Fatal(err)
		}
	}
	rec.Close()
	var warnings []string
	o := SendOptions{
		BurstOptions: BurstOptions{URL: srv.URL, Count: 1, Concurrency: 1, Timeout: 10 * time.Second},
		Source:       Source{FromFile: record},
		Extra:        http.Header{"X-Extra": {"yes"}},
		Warn:         func(w string) { warnings = append(warnings, w) },
	}
	s, err := Send(context.Background(), github, []byte("s3cret"), o)
	if err != nil || s.OK != 2 || s.Total != 2 {
		t.Fatalf("summary %+v err %v, want 2 of 2 ok", s, err)
	}
	close(got)
	var bodies []string
	for b := range got {
		bodies = append(bodies, b)
	}
	slices.Sort(bodies)
	if strings.Join(bodies, ",") != "0 yes,2 yes" || len(warnings) != 1 || !strings.HasPrefix(warnings[0], "skipping 1 of 3 deliveries") {
		t.Errorf("sent %v, warnings %q", bodies, warnings)
	}
	o.Source = Source{Event: "no\x1bsuch"}
	if _, err := Send(context.Background(), github, []byte("s3cret"), o); exitcode.Of(err) != exitcode.Usage || strings.ContainsRune(err.Error(), '\x1b') {
		t.Errorf("unknown sample: %v (exit %d), want an escaped usage error", err, exitcode.Of(err))
	}
}

// TestLoadUnreadable: a file that cannot be read is named by its flag.
func TestLoadUnreadable(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	tests := []struct {
		flag string
		src  Source
	}{
		{"--body", Source{BodyFile: missing}},
		{"--request", Source{RequestFile: missing}},
		{"--from", Source{FromFile: missing}},
	}
	for _, tt := range tests {
		want := "read " + tt.flag + ": open " + missing + ": no such file or directory"
		if _, _, err := Load(mustScheme(t, "github"), tt.src); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", tt.flag, err, want)
		}
	}
}
