// Command benchhandler is the trivial webhook handler that
// scripts/bench-replay.sh measures replay and wrk against: it reads each
// body, answers 204 and counts requests. It prints its address on stdout and
// the count on stderr when it gets SIGINT or SIGTERM.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchhandler:", err)
		os.Exit(1)
	}
	var served atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		served.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})}
	fmt.Println("http://" + ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Shutdown(context.Background()) }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "benchhandler:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "benchhandler: served %d requests\n", served.Load())
}
