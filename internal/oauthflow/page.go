package oauthflow

import (
	"html/template"
	"net/http"
	"sync"
)

// page is the small self-contained page the browser shows after the redirect.
// page is parsed on first use: package-level parsing would cost every authctl start.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>authctl: {{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1f2328;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem 2.5rem;max-width:32rem}
h1{font-size:1.3rem;margin:0 0 .75rem;color:{{.Color}}}
p{margin:0;line-height:1.5}
</style>
</head>
<body><main><h1>{{.Title}}</h1><p>{{.Message}}</p></main></body>
</html>
`))
})

func writePage(w http.ResponseWriter, status int, message string) {
	data := struct{ Title, Color, Message string }{"Login failed", "#cf222e", message}
	if status == http.StatusOK {
		data.Title, data.Color = "Logged in", "#1a7f37"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	page().Execute(w, data) //nolint:errcheck // the browser went away; nothing to do
}
