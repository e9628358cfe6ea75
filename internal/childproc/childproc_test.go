package childproc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestRunExitStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		script string
		want   int
	}{
		{"success", "exit 0", 0},
		{"exit code", "exit 7", 7},
		{"killed by a signal", "kill -KILL $$", 128 + 9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, err := Run(Command{Name: "sh", Args: []string{"-c", tt.script}, Env: os.Environ()})
			if err != nil || code != tt.want {
				t.Errorf("Run = %d, %v; want %d", code, err, tt.want)
			}
		})
	}
}

func TestRunEnvironmentAndStreams(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code, err := Run(Command{Name: "sh", Args: []string{"-c", `read line; echo "$line $ONLY_THIS"; echo err >&2; test -z "$HOME"`},
		Env: []string{"ONLY_THIS=set", "PATH=" + os.Getenv("PATH")}, Stdin: strings.NewReader("in\n"), Stdout: &out, Stderr: &errOut})
	if err != nil || code != 0 || out.String() != "in set\n" || errOut.String() != "err\n" {
		t.Errorf("Run = %d, %v; stdout %q, stderr %q", code, err, out.String(), errOut.String())
	}
}

// Set replaces a variable of Env by its exact name (once, never a namesake's prefix) and adds
// the others; a value may hold '='.
func TestRunSetReplacesAndAdds(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	code, err := Run(Command{Name: "sh", Args: []string{"-c", `printf '%s\n' "$TOKEN" "$TOKEN_X" "$ADDED" "$(env | grep -c '^TOKEN=')"`},
		Env: []string{"TOKEN=old", "TOKEN_X=kept", "PATH=" + os.Getenv("PATH")}, Set: map[string]string{"TOKEN": "new=1", "ADDED": "a"}, Stdout: &out})
	if want := "new=1\nkept\na\n1\n"; err != nil || code != 0 || out.String() != want {
		t.Errorf("Run = %d, %v; stdout %q, want %q", code, err, out.String(), want)
	}
}

func TestRunStartErrors(t *testing.T) {
	t.Parallel()
	notExec := t.TempDir() + "/script"
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want int
	}{
		{"authctl-no-such-program", 127},
		{t.TempDir() + "/absent", 127},
		{notExec, 126},
	} {
		_, err := Run(Command{Name: tt.name, Env: os.Environ()})
		var start *StartError
		if !errors.As(err, &start) || start.ExitCode() != tt.want {
			t.Errorf("Run(%s) = %v, want a start error with exit code %d", tt.name, err, tt.want)
		}
	}
}

// A SIGTERM to this process while the child runs reaches the child, and Run
// returns the exit code the child chose.
func TestRunForwardsSIGTERM(t *testing.T) {
	pr, pw := io.Pipe()
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := Run(Command{Name: "sh", Args: []string{"-c", `trap 'kill $! 2>/dev/null; echo got TERM; exit 5' TERM; echo ready; sleep 60 & wait`},
			Env: os.Environ(), Stdout: pw})
		pw.Close()
		done <- result{code, err}
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("child did not start: %q", lines.Text())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !lines.Scan() || lines.Text() != "got TERM" {
		t.Errorf("child said %q, want got TERM", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if r := <-done; r.err != nil || r.code != 5 {
		t.Errorf("Run = %d, %v; want the child's 5", r.code, r.err)
	}
}
