package chromium

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestNewRendersAndClicks proves the helper's browser loads a page, runs
// its script and submits a form.
func TestNewRendersAndClicks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.Method == http.MethodPost {
			_, _ = w.Write([]byte(`<p id="done">posted ` + r.FormValue("v") + `</p>`))
			return
		}
		_, _ = w.Write([]byte(`<form method="post"><input name="v" value="42"><button id="go">Go</button></form>`))
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(New(t), 60*time.Second)
	defer cancel()
	var text string
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.Click("#go", chromedp.ByQuery),
		chromedp.Text("#done", &text, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("browse: %v", err)
	}
	if text != "posted 42" {
		t.Fatalf("page says %q, want %q", text, "posted 42")
	}
}
