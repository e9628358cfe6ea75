package replay

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzReadRecords: any input either fails with an error or yields records
// that survive another write and read unchanged.
func FuzzReadRecords(f *testing.F) {
	f.Add([]byte(`{"id":"a","provider":"github","headers":{"X-GitHub-Event":["push"]},"body":"e30="}` + "\n"))
	f.Add([]byte("\n\n{\"id\":\"b\",\"body\":null}\r\n"))
	f.Add([]byte(`{"id":"c","headers":{"x":["1","2"]},"body":"/w=="}`))
	f.Add([]byte("not json"))
	f.Fuzz(func(t *testing.T, in []byte) {
		recs, err := ReadRecords(bytes.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("marshal %+v: %v", r, err)
			}
			buf.Write(append(line, '\n'))
		}
		again, err := ReadRecords(&buf)
		if err != nil || len(again) != len(recs) {
			t.Fatalf("re-read: %d records, %v; want %d", len(again), err, len(recs))
		}
		for i := range recs {
			if again[i].ID != recs[i].ID || !bytes.Equal(again[i].Body, recs[i].Body) || !sameHeader(again[i].Header, recs[i].Header) {
				t.Fatalf("record %d changed: %+v → %+v", i, recs[i], again[i])
			}
		}
	})
}

func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w := b[k]
		if len(v) != len(w) {
			return false
		}
		for i := range v {
			if v[i] != w[i] {
				return false
			}
		}
	}
	return true
}
