// Package webhook verifies and produces webhook signatures, one file per
// provider scheme behind the Scheme interface, and holds everything else
// authctl knows of a provider's deliveries: the kind of key, the header names
// (signature, timestamp, delivery id, event), the shape of delivery ids and
// the built-in sample events (Profile, samples/). It knows nothing of the CLI;
// replay and the commands ask a Scheme instead of knowing any provider.
//
// Adding a scheme touches only this package: a file with a type that
// implements Scheme and returns its Profile, its entry in the list in init,
// its sample bodies under samples/, and its tests.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance bounds the age of a signed timestamp unless told otherwise.
const DefaultTolerance = 5 * time.Minute

// Scheme is one provider's signature scheme.
type Scheme interface {
	// Name is the provider name used on the command line.
	Name() string
	// Verify checks a delivery. An error means the check could not be done
	// (unreadable body, unusable secret); a Result with Valid false is a "no".
	Verify(in Input) (Result, error)
	// Sign returns the headers the provider would send with body.
	Sign(body, secret []byte, ts time.Time, id string) (Headers, error)
	// SignsTimestamp reports whether the signed content includes a timestamp.
	SignsTimestamp() bool
	// Profile is what the scheme knows of its provider's deliveries.
	Profile() Profile
}

// Input is one delivery to verify.
type Input struct {
	Header http.Header
	Body   io.Reader
	// Secret is the key as the user holds it: the signing secret, or for
	// Discord the application public key in hex.
	Secret    []byte
	Now       time.Time
	Tolerance time.Duration // 0 skips the age check
}

// Result is the answer of Verify.
type Result struct {
	Valid     bool
	Reason    string // one line: "valid", "signature mismatch", "missing header X", …
	Timestamp *int64 // the signed timestamp, when the scheme has one and it parsed
	Hints     []string
	Warnings  []string
}

// Headers are the headers of a signed delivery, in the order and spelling
// the provider uses.
type Headers []Field

// Field is one header line.
type Field struct{ Name, Value string }

// HTTP returns h as an http.Header.
func (h Headers) HTTP() http.Header {
	out := http.Header{}
	for _, f := range h {
		out.Add(f.Name, f.Value)
	}
	return out
}

// Map returns h by name, for JSON.
func (h Headers) Map() map[string]string {
	m := make(map[string]string, len(h))
	for _, f := range h {
		m[f.Name] = f.Value
	}
	return m
}

// ErrBadSecret marks a secret or key that cannot be used at all (for example
// a Standard Webhooks secret that is not base64): a usage problem, not a "no".
var ErrBadSecret = errors.New("unusable secret")

var schemes = map[string]Scheme{}

func register(s Scheme) { schemes[s.Name()] = s }

func init() {
	for _, s := range []Scheme{github{}, slack{}, discord{}, sentry{}, stripe{}, standard{}, shopify{}} {
		register(s)
	}
}

// Lookup returns the scheme for a provider name.
func Lookup(name string) (Scheme, bool) {
	s, ok := schemes[name]
	return s, ok
}

// ByName is Lookup with the error people see for a name that is not a provider.
func ByName(name string) (Scheme, error) {
	if s, ok := Lookup(name); ok {
		return s, nil
	}
	return nil, fmt.Errorf("unknown webhook provider %q (one of %s)", name, strings.Join(Names(), ", "))
}

// Names lists the supported providers, sorted.
func Names() []string {
	names := make([]string, 0, len(schemes))
	for n := range schemes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func invalid(reason string) Result { return Result{Reason: reason} }

func missing(name string) Result { return invalid("missing header " + name) }

func malformed(name, why string) Result {
	return invalid(fmt.Sprintf("malformed header %s: %s", name, why))
}

// single returns the one value of a header, or the reason it cannot be used.
func single(h http.Header, name string) (string, *Result) {
	vals := h.Values(name)
	switch {
	case len(vals) == 0 || (len(vals) == 1 && vals[0] == ""):
		r := missing(name)
		return "", &r
	case len(vals) > 1:
		r := malformed(name, fmt.Sprintf("given %d times", len(vals)))
		return "", &r
	}
	return vals[0], nil
}

// timestamp parses a signed Unix timestamp header.
func timestamp(h http.Header, name string) (int64, *Result) {
	v, bad := single(h, name)
	if bad != nil {
		return 0, bad
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ts < 0 {
		r := malformed(name, "not a Unix timestamp")
		return 0, &r
	}
	return ts, nil
}

// checkAge returns the "stale" reason when ts is further than tolerance from now.
func checkAge(ts int64, now time.Time, tolerance time.Duration) (string, bool) {
	if tolerance <= 0 {
		return "", true
	}
	age := now.Unix() - ts
	tol := int64(tolerance / time.Second)
	switch {
	case age > tol:
		return fmt.Sprintf("stale by %d s (timestamp %d s old, tolerance %d s)", age-tol, age, tol), false
	case -age > tol:
		return fmt.Sprintf("stale by %d s (timestamp %d s in the future, tolerance %d s)", -age-tol, -age, tol), false
	}
	return "", true
}

// copyBufferSize keeps reads large enough that hashing, not syscalls, is the cost.
const copyBufferSize = 256 << 10

// streamMAC writes prefix then the whole body through a MAC from newMAC and
// reports whether it equals any of wants, comparing every one so that timing
// does not tell which matched. The shape it returns can test other bodies
// with the same MAC, to explain a mismatch.
func streamMAC(newMAC func() hash.Hash, prefix string, body io.Reader, wants ...[]byte) (bool, *bodyShape, error) {
	matchesAny := func(sum []byte) bool {
		match := false
		for _, want := range wants {
			if equalHMAC(sum, want) {
				match = true
			}
		}
		return match
	}
	mac := newMAC()
	io.WriteString(mac, prefix)
	shape := &bodyShape{matches: func(other []byte) bool {
		m := newMAC()
		io.WriteString(m, prefix)
		m.Write(other)
		return matchesAny(m.Sum(nil))
	}}
	buf := make([]byte, copyBufferSize)
	if _, err := io.CopyBuffer(io.MultiWriter(mac, shape), onlyReader{body}, buf); err != nil {
		return false, nil, fmt.Errorf("read body: %w", err)
	}
	return matchesAny(mac.Sum(nil)), shape, nil
}

// onlyReader hides WriterTo/ReaderFrom so io.CopyBuffer uses our buffer size.
type onlyReader struct{ io.Reader }

// hmacSHA256 returns a constructor of HMAC-SHA256 keyed with key.
func hmacSHA256(key []byte) func() hash.Hash {
	return func() hash.Hash { return hmac.New(sha256.New, key) }
}

// equalHMAC compares in constant time.
func equalHMAC(got, want []byte) bool { return hmac.Equal(got, want) }

// mismatch builds the "signature mismatch" result with the hints that fit.
func mismatch(shape *bodyShape, extra ...string) Result {
	r := invalid("signature mismatch")
	if shape != nil {
		r.Hints = append(r.Hints, shape.hints()...)
	}
	r.Hints = append(r.Hints, extra...)
	return r
}

func valid(ts *int64) Result { return Result{Valid: true, Reason: "valid", Timestamp: ts} }
