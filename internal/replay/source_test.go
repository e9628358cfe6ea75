package replay

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpen: the one delivery verify checks, from a raw request or a body
// with -H lines, on a file or stdin; every bad input is one clear error.
func TestOpen(t *testing.T) {
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
			s, err := Open(tt.src, tt.lines)
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
