package webhook

import (
	"embed"
	"fmt"
	"net/http"
	"sort"
)

//go:embed samples
var sampleFiles embed.FS

// Sample is a built-in example delivery of one event for one provider. The
// body is stored as a file under samples/ and sent exactly as stored.
type Sample struct {
	Provider    string
	Name        string
	Description string
	file        string
	header      map[string]string
}

const (
	contentJSON = "application/json"
	contentForm = "application/x-www-form-urlencoded"
)

// Samples returns the built-in samples of provider, or of every provider when
// provider is "", in a stable order.
func Samples(provider string) []Sample {
	var out []Sample
	for _, name := range Names() {
		if provider == "" || name == provider {
			out = append(out, schemes[name].Profile().Samples...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Provider < out[j].Provider })
	return out
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
	return h
}
