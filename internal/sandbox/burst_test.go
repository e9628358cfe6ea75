package sandbox_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/sandbox"
)

// A burst of 1,000 concurrent requests loses none and leaves no goroutine
// behind. Not parallel: it counts the process's goroutines.
func TestBurst(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := sandbox.New(sandbox.Options{})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 1000}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	const n = 1000
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := client.Post(srv.URL()+"/_sandbox/webhooks/burst", "text/plain", bytes.NewReader([]byte(fmt.Sprint("delivery ", i))))
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("request failed: %v", err)
	}
	got := srv.Deliveries("burst")
	seen := map[string]bool{}
	for _, d := range got {
		seen[string(d.Body)] = true
	}
	if len(got) != n || len(seen) != n || srv.Count("POST", "/_sandbox/webhooks/burst") != n {
		t.Fatalf("recorded %d deliveries (%d distinct), counted %d; want %d", len(got), len(seen), srv.Count("POST", "/_sandbox/webhooks/burst"), n)
	}

	transport.CloseIdleConnections()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // connection goroutines exit asynchronously after Close
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before, %d after the burst:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

// BenchmarkStart measures New + Start + the first answered request + Close,
// the sandbox's start-up cost (the figure for "starts in under a second").
func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		srv := sandbox.New(sandbox.Options{})
		if err := srv.Start("127.0.0.1:0"); err != nil {
			b.Fatal(err)
		}
		resp, err := http.Get(srv.URL() + "/_sandbox/health")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
	}
}
