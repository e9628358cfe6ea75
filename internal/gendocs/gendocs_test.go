package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const repoRoot = "../.."

// TestGeneratedFilesAreFresh fails when completions/ or man/ differ from what
// the current command tree generates.
func TestGeneratedFilesAreFresh(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	if err := generate(tmp); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"completions", "man"} {
		want := readTree(t, filepath.Join(tmp, sub))
		got := readTree(t, filepath.Join(repoRoot, sub))
		for name, w := range want {
			g, ok := got[name]
			switch {
			case !ok:
				t.Errorf("%s/%s is missing: run go generate ./...", sub, name)
			case !bytes.Equal(g, w):
				t.Errorf("%s/%s is stale: run go generate ./...", sub, name)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%s/%s is no longer generated: run go generate ./...", sub, name)
			}
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v (run go generate ./...)", dir, err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// buildAuthctl builds the real binary into a temp dir and returns that dir.
func buildAuthctl(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "authctl"), "github.com/authctl/authctl/cmd/authctl").CombinedOutput()
	if err != nil {
		t.Fatalf("build authctl: %v\n%s", err, out)
	}
	return bin
}

// TestBashCompletion loads completions/authctl.bash in a real bash with
// bash-completion and completes command words and webhook provider names.
func TestBashCompletion(t *testing.T) {
	t.Parallel()
	const framework = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(framework); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bash-completion is not installed (%v); scripts/setup.sh installs it", err)
		}
		t.Skipf("bash-completion is not installed (%v)", err)
	}
	bin := buildAuthctl(t)
	script, err := filepath.Abs(filepath.Join(repoRoot, "completions", "authctl.bash"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		want []string
	}{
		{"authctl we", []string{"webhook"}},
		{"authctl webhook verify ", []string{"discord", "github", "sentry", "shopify", "slack", "standard", "stripe"}},
		{"authctl webhook replay github --event ", []string{"push"}},
		{"authctl token ", []string{"discord", "github", "sentry", "slack"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			got := completeInBash(t, bin, framework, script, tt.line)
			for _, w := range tt.want {
				if !contains(got, w) {
					t.Errorf("completing %q gave %q, want it to contain %q", tt.line, got, w)
				}
			}
		})
	}
}

func completeInBash(t *testing.T, bin, framework, script, line string) []string {
	t.Helper()
	prog := `source "$FRAMEWORK"; source "$SCRIPT"
read -ra COMP_WORDS <<<"$LINE"
[[ $LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$LINE; COMP_POINT=${#LINE}
__start_authctl authctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", prog)
	cmd.Env = []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"XDG_CONFIG_HOME=" + t.TempDir(),
		"FRAMEWORK=" + framework, "SCRIPT=" + script, "LINE=" + line,
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash completion for %q: %v\n%s", line, err, stderr.String())
	}
	var words []string
	for _, w := range strings.Split(string(out), "\n") {
		if w = strings.TrimSpace(w); w != "" {
			words = append(words, strings.Fields(w)[0])
		}
	}
	return words
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestManPagesRender renders every committed page with man's warnings on.
func TestManPagesRender(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("man"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("man is not installed; scripts/setup.sh installs man-db")
		}
		t.Skip("man is not installed")
	}
	pages, err := filepath.Glob(filepath.Join(repoRoot, "man", "*.1"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no man pages under man/ (%v): run go generate ./...", err)
	}
	for _, page := range pages {
		t.Run(filepath.Base(page), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("man", "--warnings", "-l", page)
			cmd.Env = append(os.Environ(), "MANWIDTH=80", "MAN_KEEP_FORMATTING=", "MANPAGER=cat", "PAGER=cat")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("man -l %s: %v\n%s", page, err, stderr.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("man -l %s warned:\n%s", page, stderr.String())
			}
			if !strings.Contains(stdout.String(), "NAME") {
				t.Errorf("man -l %s rendered no NAME section", page)
			}
		})
	}
}
