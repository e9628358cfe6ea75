package webhook

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
)

//go:embed samples
var sampleFiles embed.FS

// Sample is a built-in example delivery of one event for one provider. The
// body is stored as a file under samples/ and sent exactly as stored.
type Sample struct {
	Provider    string `json:"provider"`
	Name        string `json:"name"`
	Description string `json:"description"`
	file        string
	header      map[string]string
	apiVersion  string // replaces the API version the sample declares, when set
}

func sample(provider, name, description, file string, header map[string]string) Sample {
	return Sample{Provider: provider, Name: name, Description: description, file: file, header: header}
}

// apiVersionHeader carries the API version of a delivery where the body does not.
const apiVersionHeader = "X-Shopify-API-Version"

// apiVersionField opens the API version a stored body declares (Stripe's).
const apiVersionField = `"api_version": "`

// bodyAPIVersion returns where the API version a body declares starts and ends.
func bodyAPIVersion(body []byte) (start, end int, ok bool) {
	i := bytes.Index(body, []byte(apiVersionField))
	if i < 0 {
		return 0, 0, false
	}
	start = i + len(apiVersionField)
	n := bytes.IndexByte(body[start:], '"')
	if n < 0 {
		return 0, 0, false
	}
	return start, start + n, true
}

// validAPIVersion tells whether v looks like an API version (2026-03-25.dahlia,
// 2024-10, unstable) and so cannot break out of a JSON string or a header.
func validAPIVersion(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// WithAPIVersion returns the sample declaring API version v instead of its
// own: Stripe's api_version in the body (stripe-go accepts only events of
// its own release train), Shopify's X-Shopify-API-Version header.
func (s Sample) WithAPIVersion(v string) (Sample, error) {
	if !validAPIVersion(v) {
		return s, fmt.Errorf("API version %q: want letters, digits, '.', '-' or '_', such as 2026-03-25.dahlia", v)
	}
	if _, _, inBody := bodyAPIVersion(s.stored()); !inBody {
		if _, ok := s.header[apiVersionHeader]; !ok {
			return s, fmt.Errorf("the %s sample %s declares no API version", s.Provider, s.Name)
		}
	}
	s.apiVersion = v
	return s, nil
}

const (
	contentJSON = "application/json"
	contentForm = "application/x-www-form-urlencoded"
)

// Samples returns the built-in samples of provider, or of every provider when
// provider is "", by provider name (Names is sorted), then as each profile lists them.
func Samples(provider string) []Sample {
	var out []Sample
	for _, name := range Names() {
		if provider == "" || name == provider {
			out = append(out, schemes[name].Profile().Samples...)
		}
	}
	return out
}

// SampleProviders lists, sorted, the providers that have built-in samples.
func SampleProviders() []string {
	var names []string
	for _, n := range Names() {
		if len(schemes[n].Profile().Samples) > 0 {
			names = append(names, n)
		}
	}
	return names
}

// LookupSample finds the sample called name for provider.
func LookupSample(provider, name string) (Sample, error) {
	var names []string
	for _, s := range Samples(provider) {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		return Sample{}, fmt.Errorf("no built-in events for %s", provider)
	}
	return Sample{}, fmt.Errorf("no built-in event %q for %s (have: %v)", name, provider, names)
}

// Body returns the exact body bytes of the sample.
func (s Sample) Body() []byte {
	body := s.stored()
	if start, end, ok := bodyAPIVersion(body); ok && s.apiVersion != "" {
		body = append(append(append([]byte{}, body[:start]...), s.apiVersion...), body[end:]...)
	}
	return body
}

func (s Sample) stored() []byte {
	body, err := sampleFiles.ReadFile("samples/" + s.file)
	if err != nil {
		panic(fmt.Sprintf("webhook: embedded sample %s missing: %v", s.file, err)) // a build defect, caught by tests
	}
	return body
}

// Header returns the headers the provider sends with the sample, signature aside.
func (s Sample) Header() http.Header {
	h := http.Header{}
	for k, v := range s.header {
		h.Set(k, v)
	}
	if _, ok := s.header[apiVersionHeader]; ok && s.apiVersion != "" {
		h.Set(apiVersionHeader, s.apiVersion)
	}
	return h
}
