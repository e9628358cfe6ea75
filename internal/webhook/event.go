package webhook

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// EventName names a delivery's event for people: the provider's event
// header (with the body's "action"), else a form's command, else the JSON
// body's "type", named by the profile's EventTypes when it is a number.
func EventName(s Scheme, h http.Header, body []byte) string {
	p := s.Profile()
	if p.EventHeader != "" {
		ev := h.Get(p.EventHeader)
		if action := jsonString(body, "action"); ev != "" && action != "" {
			return ev + "." + action
		}
		return ev
	}
	if strings.HasPrefix(strings.TrimSpace(h.Get("Content-Type")), contentForm) {
		if form, err := url.ParseQuery(string(body)); err == nil {
			if c := form.Get("command"); c != "" {
				return c
			}
			if form.Has("payload") {
				return "interactive"
			}
		}
		return ""
	}
	var msg struct {
		Type json.RawMessage `json:"type"`
	}
	if json.Unmarshal(body, &msg) != nil || len(msg.Type) == 0 {
		return ""
	}
	var name string
	if json.Unmarshal(msg.Type, &name) == nil {
		return name
	}
	if name, ok := p.EventTypes[string(msg.Type)]; ok {
		return name
	}
	return "type " + string(msg.Type)
}

func jsonString(body []byte, field string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[field], &s) // a missing or non-string field names nothing
	return s
}

// Answer is the reply to a verified delivery when nothing is forwarded: what
// the provider needs to consider the endpoint healthy.
func Answer(s Scheme, body []byte) []byte {
	if a := s.Profile().Answer; a != nil {
		if reply, ok := a(body); ok {
			return reply
		}
	}
	return []byte(`{"ok":true}`)
}
