package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authctl/authctl/internal/sandbox"
)

// fuzzRoutes are the endpoints that parse client input.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/api/oauth2/token"},
	{"POST", "/api/oauth2/token/revoke"},
	{"POST", "/login/oauth/access_token"},
	{"POST", "/login/device/code"},
	{"POST", "/api/oauth.v2.access"},
	{"POST", "/api/openid.connect.token"},
	{"POST", "/oauth/token/"},
	{"POST", "/oauth/device/code/"},
	{"POST", "/oidc/token"},
	{"POST", "/oidc/revoke"},
	{"POST", "/api/auth.test"},
	{"DELETE", "/applications/" + sandbox.GitHubClientID + "/token"},
	{"POST", "/app/installations/5150/access_tokens"},
	{"POST", "/api/0/sentry-app-installations/" + sandbox.SentryInstallationUUID + "/authorizations/"},
	{"GET", "/api/v10/users/@me/guilds"},
	{"GET", "/api/v10/guilds/" + sandbox.GuildID + "/members/x"},
}

// FuzzClientInput sends arbitrary bodies, content types, query strings and
// Authorization headers to every parsing endpoint: the sandbox answers each
// with a client error or success in JSON or form encoding, never a panic or 5xx.
func FuzzClientInput(f *testing.F) {
	f.Add(uint8(0), "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", "", "Basic eDp5")
	f.Add(uint8(2), "application/json", `{"client_id":1,"code":[1]}`, "", "")
	f.Add(uint8(13), "application/json", `{"grant_type":"refresh_token","refresh_token":null}`, "", "Bearer a.b.c")
	f.Add(uint8(14), "", "", "limit=-1&before=99999999999999999999999", "Bearer x")
	f.Add(uint8(12), "", "", "", "Bearer eyJhbGciOiJub25lIn0.e30.")
	srv := sandbox.New(sandbox.Options{})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, route uint8, contentType, body, query, authorization string) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		req := httptest.NewRequest(rt.method, "http://127.0.0.1"+rt.path, strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", authorization)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s answered %d: %s", rt.method, rt.path, rec.Code, rec.Body)
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: invalid JSON %q", rt.method, rt.path, rec.Body)
		}
		if rec.Code == http.StatusNoContent && rec.Body.Len() > 0 {
			t.Fatalf("204 with a body")
		}
	})
}
