package replay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/authctl/authctl/internal/exitcode"
	"github.com/authctl/authctl/internal/ui"
	"github.com/authctl/authctl/internal/webhook"
)

// Source is where the deliveries to replay come from: exactly one of Event,
// BodyFile, RequestFile and FromFile is set.
type Source struct {
	Event       string // a built-in sample of the scheme
	BodyFile    string // a body sent byte for byte; "-" reads Stdin
	RequestFile string // a captured raw HTTP/1.1 request; "-" reads Stdin
	FromFile    string // a JSONL file written by listen --record
	ID          string // with FromFile: the one record to send
	APIVersion  string // with Event: the API version the sample declares instead of its own
	Stdin       io.Reader
}

// Load reads the deliveries src names for scheme s. A delivery that listen
// rejected (forged, unsigned, not a POST) is never signed afresh unless
// src.ID asks for it by name: re-signing would turn a forgery into a valid
// delivery. Warnings say what was skipped or sent anyway, for people.
func Load(s webhook.Scheme, src Source) (ds []Delivery, warnings []string, err error) {
	switch {
	case src.Event != "":
		sample, err := webhook.LookupSample(s.Name(), src.Event)
		if err != nil {
			return nil, nil, fmt.Errorf("%w; see --list-events", err)
		}
		if src.APIVersion != "" {
			if sample, err = sample.WithAPIVersion(src.APIVersion); err != nil {
				return nil, nil, err
			}
		}
		return []Delivery{{Header: sample.Header(), Body: sample.Body()}}, nil, nil
	case src.BodyFile != "":
		body, err := readFileOr(src.Stdin, src.BodyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("read --body: %w", err)
		}
		return []Delivery{{Header: http.Header{"Content-Type": {sniffContentType(body)}}, Body: body}}, nil, nil
	case src.RequestFile != "":
		d, err := loadRequest(src)
		if err != nil {
			return nil, nil, err
		}
		return []Delivery{d}, nil, nil
	case src.FromFile != "":
		return loadRecorded(s, src)
	}
	return nil, nil, fmt.Errorf("no deliveries: give --body, --request, --event or --from")
}

// stream is one delivery whose body streams from its file or stdin, never
// read whole: verify takes a body of any size.
type stream struct {
	Header http.Header
	Body   io.Reader
	file   io.Closer
}

// Close closes the file the body streams from.
func (s *stream) Close() error { return s.file.Close() }

// openStream opens the one delivery in src.RequestFile, or src.BodyFile with
// the headers given as -H lines.
func openStream(src Source, headerLines []string) (*stream, error) {
	switch {
	case src.RequestFile != "":
		in, err := openFileOr(src.Stdin, src.RequestFile, "request")
		if err != nil {
			return nil, err
		}
		req, err := webhook.ReadRequest(in)
		if err != nil {
			in.Close()
			// Go's parse errors quote the offending line, which the sender wrote.
			return nil, fmt.Errorf("read request %s: %s", src.RequestFile, ui.Sanitize(err.Error()))
		}
		return &stream{Header: req.Header, Body: req.Body, file: in}, nil
	case src.BodyFile != "":
		header, err := webhook.ParseHeaderLines(headerLines)
		if err != nil {
			return nil, err
		}
		in, err := openFileOr(src.Stdin, src.BodyFile, "body")
		if err != nil {
			return nil, err
		}
		return &stream{Header: header, Body: in, file: in}, nil
	}
	return nil, fmt.Errorf("give the delivery with --body FILE|- and -H, or --request FILE")
}

// openFileOr opens name, or stdin for "-"; what names the file in an error.
func openFileOr(stdin io.Reader, name, what string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return file, nil
}

// SendOptions configure Send: where the deliveries come from, the headers
// set on every one, and how the burst sends them.
type SendOptions struct {
	BurstOptions // Deliveries and Sign are set by Send
	Source       Source
	// Extra headers are set on every delivery.
	Extra http.Header
	// Warn, when set, is told (escaped) which deliveries were skipped or sent anyway.
	Warn func(string)
}

// Send loads the deliveries o.Source names for s and sends them as o says,
// every copy signed afresh with key: `webhook replay`. Its errors are usage
// errors.
func Send(ctx context.Context, s webhook.Scheme, key []byte, o SendOptions) (*Summary, error) {
	deliveries, warnings, err := Load(s, o.Source)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.Usage, "%s", ui.Sanitize(err.Error())) // it may quote a file or a request
	}
	for _, w := range warnings {
		if o.Warn != nil {
			o.Warn(ui.Sanitize(w)) // they quote a recorded file
		}
	}
	o.Deliveries = Resign(s, deliveries, o.Extra)
	o.Sign = Signer(s, key)
	summary, err := Burst(ctx, o.BurstOptions)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err)
	}
	return summary, nil
}

func readFileOr(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func loadRequest(src Source) (Delivery, error) {
	in, err := openFileOr(src.Stdin, src.RequestFile, "--request")
	if err != nil {
		return Delivery{}, err
	}
	defer in.Close()
	req, err := webhook.ReadRequest(in)
	if err != nil {
		return Delivery{}, fmt.Errorf("read request %s: %w", src.RequestFile, err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return Delivery{}, fmt.Errorf("read request %s: %w", src.RequestFile, err)
	}
	return Delivery{Header: req.Header, Body: body}, nil
}

func loadRecorded(s webhook.Scheme, src Source) ([]Delivery, []string, error) {
	f, err := os.Open(src.FromFile)
	if err != nil {
		return nil, nil, fmt.Errorf("read --from: %w", err)
	}
	defer f.Close()
	recs, err := ReadRecords(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", src.FromFile, err)
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s holds no deliveries", src.FromFile)
	}
	for _, r := range recs {
		if r.Provider != "" && r.Provider != s.Name() {
			return nil, nil, fmt.Errorf("delivery %s in %s was recorded for %s, not %s", r.ID, src.FromFile, r.Provider, s.Name())
		}
	}
	if src.ID != "" {
		r, err := SelectRecord(recs, src.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", src.FromFile, err)
		}
		if !r.Valid && r.Body == nil && r.Size > 0 {
			return nil, nil, fmt.Errorf("delivery %s was rejected by listen (%s) and recorded without its body: there is nothing to send", r.ID, r.Reason)
		}
		var warnings []string
		if !r.Valid {
			warnings = append(warnings, fmt.Sprintf("delivery %s was rejected by listen (%s); sending it signed afresh, as --id asks", r.ID, r.Reason))
		}
		return []Delivery{r.Delivery()}, warnings, nil
	}
	out := make([]Delivery, 0, len(recs))
	for _, r := range recs {
		if r.Valid {
			out = append(out, r.Delivery())
		}
	}
	skipped := len(recs) - len(out)
	if skipped == len(recs) {
		return nil, nil, fmt.Errorf("%s holds no verified deliveries: listen rejected all %d (replay one with --id)", src.FromFile, skipped)
	}
	var warnings []string
	if skipped > 0 {
		warnings = append(warnings, fmt.Sprintf("skipping %d of %d deliveries in %s that listen rejected (replay one with --id)", skipped, len(recs), src.FromFile))
	}
	return out, warnings, nil
}

// sniffContentType guesses a --body file's type: the JSON most providers
// send, else a form as Slack slash commands send.
func sniffContentType(body []byte) string {
	if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return "application/json"
	}
	return "application/x-www-form-urlencoded"
}
