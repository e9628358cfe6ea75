package sandbox

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	githubDeviceLifetime  = 900 * time.Second // "The default is 900 seconds"
	sentryDeviceLifetime  = 10 * time.Minute  // ApiDeviceCode's DEFAULT_EXPIRATION
	defaultDeviceInterval = 5 * time.Second
	slowDownStep          = 5 * time.Second // RFC 8628 §3.5
	deviceGrantType       = "urn:ietf:params:oauth:grant-type:device_code"
)

// deviceAuth is one device authorization (RFC 8628).
type deviceAuth struct {
	deviceCode string
	userCode   string
	app        *App
	scopes     []string
	expires    time.Time
	interval   time.Duration
	lastPoll   time.Time
	polls      int
	status     string // pending, approved, denied, used
	user       *User
}

// startDevice registers a device authorization for app whose code lives
// lifetime unless the seed says otherwise.
func (s *Server) startDevice(app *App, scopes []string, lifetime time.Duration) *deviceAuth {
	interval := defaultDeviceInterval
	if s.seed.DeviceCodeLifetime > 0 {
		lifetime = time.Duration(s.seed.DeviceCodeLifetime) * time.Second
	}
	if s.seed.DeviceInterval > 0 {
		interval = time.Duration(s.seed.DeviceInterval) * time.Second
	}
	d := &deviceAuth{
		deviceCode: randomToken(""), userCode: userCode(), app: app, scopes: scopes,
		expires: s.now().Add(lifetime), interval: interval, status: "pending",
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devices[d.deviceCode] = d
	s.userCodes[d.userCode] = d
	return d
}

// userCode is GitHub's XXXX-XXXX form, from letters without vowels and
// digits that are easy to tell apart.
func userCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

// pollDevice answers one device-token poll for app: authorization_pending,
// slow_down (polled well before the interval; the interval grows by 5 s),
// expired_token, access_denied, or the approved grant (once).
// devicePollSlack is how much earlier than the interval a poll may come.
const devicePollSlack = 250 * time.Millisecond

func (s *Server) pollDevice(app *App, deviceCode, unknownCode string) (*grant, *oauthError) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.devices[deviceCode]
	if deviceCode == "" || d == nil || d.app != app {
		return nil, &oauthError{http.StatusBadRequest, unknownCode, "The device_code provided is not valid."}
	}
	if now.After(d.expires) {
		return nil, &oauthError{http.StatusBadRequest, "expired_token", "The device_code has expired."}
	}
	// A poll inside the interval is too soon, as at GitHub; a little slack
	// absorbs the jitter of a client that waits the interval between polls.
	tooSoon := !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval-devicePollSlack
	d.lastPoll = now
	d.polls++
	if tooSoon && d.status == "pending" {
		d.interval += slowDownStep
		return nil, &oauthError{http.StatusBadRequest, "slow_down", "Too many requests have been made in the same time frame."}
	}
	if d.status == "pending" && s.autoApprove && d.polls > 1 {
		d.status, d.user = "approved", s.defaultUserLocked()
	}
	switch d.status {
	case "denied":
		return nil, &oauthError{http.StatusBadRequest, "access_denied", "The authorization request was denied."}
	case "used":
		return nil, &oauthError{http.StatusBadRequest, unknownCode, "The device_code has already been used."}
	case "approved":
		d.status = "used"
		return &grant{app: app, user: d.user, scopes: d.scopes}, nil
	}
	return nil, &oauthError{http.StatusBadRequest, "authorization_pending", "The authorization request is still pending."}
}

// deviceInterval is the polling interval, in seconds, of a device code now.
func (s *Server) deviceInterval(deviceCode string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.devices[deviceCode]; d != nil {
		return int(d.interval.Seconds())
	}
	return int(defaultDeviceInterval.Seconds())
}

// defaultUserLocked is defaultUser for callers holding s.mu (it reads only
// the immutable seed).
func (s *Server) defaultUserLocked() *User { return s.defaultUser("") }

// ApproveDevice approves the device authorization with userCode for the
// seeded user username, as the verification page does.
func (s *Server) ApproveDevice(userCode, username string) bool {
	return s.decideDevice(userCode, username, true)
}

// ExpireDeviceCodes makes every device code issued so far expired.
func (s *Server) ExpireDeviceCodes() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, d := range s.devices {
		d.expires = past
	}
}

// DenyDevice denies the device authorization with userCode.
func (s *Server) DenyDevice(userCode string) bool {
	return s.decideDevice(userCode, "", false)
}

func (s *Server) decideDevice(code, username string, approve bool) bool {
	user := s.user(username)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.userCodes[strings.ToUpper(strings.TrimSpace(code))]
	if d == nil || d.status != "pending" || s.now().After(d.expires) || (approve && user == nil) {
		return false
	}
	if approve {
		d.status, d.user = "approved", user
	} else {
		d.status = "denied"
	}
	return true
}

// devicePageTemplate is parsed on first use: package-level parsing would cost every authctl start.
var devicePageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("device").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Device activation — authctl sandbox</title></head>
<body><h1>Device activation</h1>
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
<form method="post">
<p><label for="user_code">Enter the code shown on your device</label>
<input id="user_code" name="user_code" value="{{.Code}}" autocomplete="off"></p>
<p><label for="user">Sign in as</label>
<select id="user" name="user">{{range .Users}}<option value="{{.Username}}">{{.Username}} ({{.Name}})</option>{{end}}</select></p>
<button type="submit" id="authorize" name="action" value="approve">Authorize</button>
<button type="submit" id="cancel" name="action" value="cancel">Cancel</button>
</form></body></html>
`))
})

// devicePage is the verification URI: enter the user code, approve or deny.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{"Users": s.seed.Users, "Code": r.URL.Query().Get("user_code")}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		_ = r.ParseForm()
		approve := r.PostForm.Get("action") == "approve"
		switch {
		case !s.decideDevice(r.PostForm.Get("user_code"), r.PostForm.Get("user"), approve):
			status = http.StatusBadRequest
			data["Message"] = "That code is not valid, has expired or was already used."
			data["Code"] = r.PostForm.Get("user_code")
		case approve:
			data["Message"] = "Device authorized. You can return to your device."
		default:
			data["Message"] = "Device authorization denied."
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = devicePageTemplate().Execute(w, data)
}
