package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/authctl/authctl/internal/sandbox"
	"github.com/authctl/authctl/internal/sandbox/sandboxtest"
	"github.com/authctl/authctl/internal/testutil/chromium"
)

// A real headless Chromium signs in as bob on the consent page and clicks
// Authorize; another visit clicks Cancel.
func TestConsentPageInChromium(t *testing.T) {
	browser := chromium.New(t)
	srv := sandboxtest.Start(t) // no auto-approve: the page decides
	callbacks := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<p id="result">back at the app</p>`))
		if r.URL.Path == "/callback" {
			callbacks <- r.URL.Query()
		}
	}))
	defer cb.Close()
	conf := githubConfig(srv.URL(), sandbox.GitHubClientID, sandbox.GitHubClientSecret, cb.URL+"/callback")

	visit := func(button, user, state string, challenge oauth2.AuthCodeOption) url.Values {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 60*time.Second)
		defer cancel()
		var scopes string
		err := chromedp.Run(ctx,
			chromedp.Navigate(conf.AuthCodeURL(state, challenge)),
			chromedp.WaitVisible("#authorize", chromedp.ByQuery),
			chromedp.Text("#scopes", &scopes, chromedp.ByQuery),
			chromedp.SetValue("#user", user, chromedp.ByQuery),
			chromedp.Click(button, chromedp.ByQuery),
			chromedp.WaitVisible("#result", chromedp.ByQuery),
		)
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		if scopes != "read:user" {
			t.Fatalf("consent page lists scopes %q, want read:user", scopes)
		}
		select {
		case q := <-callbacks:
			return q
		case <-ctx.Done():
			t.Fatal("no callback")
		}
		return nil
	}

	verifier, challenge := pkce()
	q := visit("#authorize", sandbox.BobUsername, "approve-state", challenge)
	if q.Get("state") != "approve-state" || q.Get("code") == "" {
		t.Fatalf("approve callback %v", q)
	}
	tok, err := conf.Exchange(clientCtx(t), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	_, _, body := get(t, srv.URL()+"/user", "Bearer "+tok.AccessToken)
	if decode[map[string]any](t, body)["login"] != sandbox.BobUsername {
		t.Fatalf("signed in as %s, want bob", body)
	}

	q = visit("#cancel", sandbox.AliceUsername, "cancel-state", challenge)
	if q.Get("error") != "access_denied" || q.Get("state") != "cancel-state" || q.Get("code") != "" {
		t.Fatalf("cancel callback %v", q)
	}
}
