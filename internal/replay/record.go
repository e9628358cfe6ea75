package replay

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// Record is one line of a --record JSONL file: a delivery as it arrived and
// the verdict on it. Body is base64 (encoding/json's []byte), so any bytes
// round-trip exactly.
type Record struct {
	ID       string      `json:"id"`
	Time     time.Time   `json:"time"`
	Provider string      `json:"provider"`
	Method   string      `json:"method"`
	Path     string      `json:"path"`
	Event    string      `json:"event,omitempty"`
	Header   http.Header `json:"headers"`
	Body     []byte      `json:"body"` // nil for a rejected delivery
	Size     int64       `json:"size"` // of the body as it arrived
	Valid    bool        `json:"valid"`
	// Duplicate marks a verified delivery refused as a replay of an earlier one.
	Duplicate bool   `json:"duplicate,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Status    int    `json:"status"`
}

// Delivery returns the recorded delivery for replay.
func (r Record) Delivery() Delivery { return Delivery{Header: r.Header, Body: r.Body} }

// NewID returns a random delivery id.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// Recorder appends records to a JSONL file, one write per line so that a
// crash never leaves half a record followed by another.
type Recorder struct {
	mu sync.Mutex
	f  *os.File
}

// OpenRecorder opens path for appending, creating it with mode 0600: the
// bodies may hold personal data.
func OpenRecorder(path string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open record file: %w", err)
	}
	return &Recorder{f: f}, nil
}

// Append writes r as one line.
func (rec *Recorder) Append(r Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	line = append(line, '\n')
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if _, err := rec.f.Write(line); err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	return nil
}

// Close closes the file.
func (rec *Recorder) Close() error { return rec.f.Close() }

// maxRecordLine bounds one JSONL line: a 32 MB body in base64 plus headers.
const maxRecordLine = 48 << 20

// ReadRecords reads every record of a JSONL file. Blank lines are skipped; a
// line that is not a record is an error naming its line number.
func ReadRecords(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxRecordLine)
	var out []Record
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("record line %d: %w", n, err)
		}
		if rec.ID == "" {
			return nil, fmt.Errorf("record line %d: no id", n)
		}
		canonical := make(http.Header, len(rec.Header))
		for k, v := range rec.Header {
			canonical[http.CanonicalHeaderKey(k)] = v // a hand-edited file may spell names any way
		}
		rec.Header = canonical
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read records: %w", err)
	}
	return out, nil
}

// SelectRecord returns the record with id.
func SelectRecord(recs []Record, id string) (Record, error) {
	for _, r := range recs {
		if r.ID == id {
			return r, nil
		}
	}
	return Record{}, fmt.Errorf("no record with id %q", id)
}
