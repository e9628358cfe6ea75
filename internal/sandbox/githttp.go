package sandbox

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Repository is a Git repository the sandbox serves over Git's smart HTTP
// protocol at /OWNER/NAME.git (and /OWNER/NAME), as github.com does.
type Repository struct {
	// FullName is OWNER/NAME.
	FullName string `yaml:"full_name"`
	// Private repositories need HTTP Basic auth with a live token for every
	// request; public ones only for a push.
	Private bool `yaml:"private,omitempty"`
	// Collaborators are usernames whose user tokens may read and push (the
	// owner, when a seeded user, always may).
	Collaborators []string `yaml:"collaborators,omitempty"`
	// Files are the initial commit's files on branch main, by path; empty
	// means a README.md naming the repository.
	Files map[string]string `yaml:"files,omitempty"`
}

// gitRealm is the Basic realm github.com names in its 401 to git.
const gitRealm = `Basic realm="GitHub"`

// GitHub's messages to git, shown by git as "remote: …" lines (text/plain bodies).
const (
	gitBadCredentials = "Invalid username or token. Password authentication is not supported for Git operations."
	gitNotFound       = "Repository not found."
	gitNoWriteApp     = "Write access to repository not granted."
)

// installationGrant is what an installation token may reach: its installation and, when the
// token was narrowed, the repositories and permissions asked for.
type installationGrant struct {
	installation *Installation
	repositories []string
	permissions  map[string]string
}

// gitRepos holds the seeded repositories on disk, created on first use.
type gitRepos struct {
	root    string // GIT_PROJECT_ROOT; empty: a temporary directory removed by cleanup
	repos   []Repository
	once    sync.Once
	err     error
	temp    bool
	backend string // path of git-http-backend
}

func newGitRepos(root string, repos []Repository) *gitRepos {
	return &gitRepos{root: root, repos: repos}
}

// ready creates the bare repositories once and finds git-http-backend.
func (g *gitRepos) ready() error {
	g.once.Do(func() {
		out, err := exec.Command("git", "--exec-path").Output()
		if err != nil {
			g.err = fmt.Errorf("sandbox: git is needed to serve repositories: %w", err)
			return
		}
		g.backend = filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
		if g.root == "" {
			if g.root, err = os.MkdirTemp("", "authctl-sandbox-git-"); err != nil {
				g.err = err
				return
			}
			g.temp = true
		}
		for _, r := range g.repos {
			if err := createRepository(filepath.Join(g.root, r.FullName+".git"), r); err != nil {
				g.err = fmt.Errorf("sandbox: repository %s: %w", r.FullName, err)
				return
			}
		}
	})
	return g.err
}

// cleanup removes the temporary directory the repositories were created in, if any.
func (g *gitRepos) cleanup() {
	if g.temp {
		_ = os.RemoveAll(g.root)
	}
}

// gitEnv isolates every git the sandbox runs from the user's and the system's configuration.
func gitEnv(gitDir string) []string {
	return []string{
		"GIT_DIR=" + gitDir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + gitDir,
		"PATH=" + os.Getenv("PATH"), "LC_ALL=C",
		"GIT_AUTHOR_NAME=Sandbox", "GIT_AUTHOR_EMAIL=sandbox@example.test", "GIT_AUTHOR_DATE=2021-03-04T05:06:07Z",
		"GIT_COMMITTER_NAME=Sandbox", "GIT_COMMITTER_EMAIL=sandbox@example.test", "GIT_COMMITTER_DATE=2021-03-04T05:06:07Z",
	}
}

// createRepository makes a bare repository at dir whose main branch has one commit with the
// repository's files, by git plumbing (no work tree).
func createRepository(dir string, r Repository) error {
	if _, err := os.Stat(dir); err == nil {
		return nil // created by an earlier sandbox on the same root
	}
	env := gitEnv(dir)
	run := func(stdin []byte, args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Env = env
		cmd.Stdin = bytes.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
		}
		return strings.TrimSpace(string(out)), nil
	}
	if _, err := run(nil, "init", "--quiet", "--bare", "--initial-branch=main", dir); err != nil {
		return err
	}
	files := r.Files
	if len(files) == 0 {
		files = map[string]string{"README.md": "# " + r.FullName + "\n"}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	env = append(env, "GIT_INDEX_FILE="+filepath.Join(dir, "seed-index"))
	for _, name := range names {
		blob, err := run([]byte(files[name]), "hash-object", "-w", "--stdin")
		if err != nil {
			return err
		}
		if _, err := run(nil, "update-index", "--add", "--cacheinfo", "100644,"+blob+","+name); err != nil {
			return err
		}
	}
	tree, err := run(nil, "write-tree")
	if err != nil {
		return err
	}
	commit, err := run([]byte("Initial commit\n"), "commit-tree", tree)
	if err != nil {
		return err
	}
	if _, err := run(nil, "update-ref", "refs/heads/main", commit); err != nil {
		return err
	}
	return os.Remove(filepath.Join(dir, "seed-index"))
}

// validateRepository rejects a repository the server could not create or serve.
func validateRepository(r Repository) error {
	owner, name, ok := strings.Cut(r.FullName, "/")
	if !ok || !validRepoPart(owner) || !validRepoPart(name) {
		return fmt.Errorf("repository %q: full_name must be OWNER/NAME (letters, digits, '-', '_', '.')", r.FullName)
	}
	for p := range r.Files {
		if !fs.ValidPath(p) || strings.HasPrefix(p, ".git/") || p == ".git" {
			return fmt.Errorf("repository %q: file path %q must be relative and clean", r.FullName, p)
		}
	}
	return nil
}

func validRepoPart(s string) bool {
	if s == "" || s == "." || s == ".." || strings.HasSuffix(s, ".git") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// withGit serves Git's smart HTTP routes ahead of next, whose catch-all
// routes (Discord's /api/) would conflict with them in one ServeMux.
func (s *Server) withGit(next http.Handler) http.Handler {
	git := http.NewServeMux()
	git.HandleFunc("GET /{owner}/{repo}/info/refs", s.gitSmartHTTP)
	git.HandleFunc("POST /{owner}/{repo}/git-upload-pack", s.gitSmartHTTP)
	git.HandleFunc("POST /{owner}/{repo}/git-receive-pack", s.gitSmartHTTP)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := git.Handler(r); pattern != "" {
			git.ServeHTTP(w, r) // sets the path values Handler does not
			return
		}
		next.ServeHTTP(w, r)
	})
}

// repository finds a seeded repository by OWNER/NAME, case-insensitively as GitHub does.
func (s *Server) repository(owner, name string) *Repository {
	for i := range s.seed.Repositories {
		r := &s.seed.Repositories[i]
		if strings.EqualFold(r.FullName, owner+"/"+name) {
			return r
		}
	}
	return nil
}

// gitSmartHTTP serves git's smart HTTP protocol through git-http-backend
// (CGI) after GitHub's checks: HTTP Basic with any username and a live token
// as the password; without credentials a private repository, or any push, is
// a 401 with WWW-Authenticate: Basic realm="GitHub"; a token that does not
// reach the repository gets GitHub's 404, and a read-only one a 403 on push.
func (s *Server) gitSmartHTTP(w http.ResponseWriter, r *http.Request) {
	owner, name := r.PathValue("owner"), strings.TrimSuffix(r.PathValue("repo"), ".git")
	repo := s.repository(owner, name)
	push := strings.HasSuffix(r.URL.Path, "/git-receive-pack") || r.URL.Query().Get("service") == "git-receive-pack"
	user, token, hasAuth := r.BasicAuth()
	if !hasAuth || token == "" {
		if repo == nil || repo.Private || push {
			gitUnauthorized(w, "")
			return
		}
		s.gitBackend(w, r, repo, "")
		return
	}
	t, state := s.lookupAccess(token)
	if state != tokenValid || user == "" || t.grant.app == nil || t.grant.app.Kind != KindGitHub {
		gitUnauthorized(w, gitBadCredentials)
		return
	}
	read, write, who := s.gitAccess(t.grant, repo)
	switch {
	case repo == nil || !read:
		gitMessage(w, http.StatusNotFound, gitNotFound)
	case push && !write && t.grant.installation != nil:
		gitMessage(w, http.StatusForbidden, gitNoWriteApp)
	case push && !write:
		gitMessage(w, http.StatusForbidden, fmt.Sprintf("Permission to %s.git denied to %s.", repo.FullName, who))
	default:
		s.gitBackend(w, r, repo, who)
	}
}

// gitAccess tells what a GitHub grant may do with repo (nil: none), and whom GitHub would name.
func (s *Server) gitAccess(g *grant, repo *Repository) (read, write bool, who string) {
	if repo == nil {
		return false, false, ""
	}
	owner, name, _ := strings.Cut(repo.FullName, "/")
	if in := g.installation; in != nil {
		account, onlyRepo, _ := strings.Cut(in.installation.Account, "/")
		covered := strings.EqualFold(account, owner) && coversRepository(in.installation, name) &&
			(onlyRepo == "" || strings.EqualFold(onlyRepo, name)) &&
			(len(in.repositories) == 0 || slices.ContainsFunc(in.repositories, func(n string) bool { return strings.EqualFold(n, name) }))
		if !covered {
			return false, false, ""
		}
		return true, permissionLevels[in.permissions["contents"]] >= permissionLevels["write"], g.app.ClientID + "[bot]"
	}
	if g.user == nil {
		return false, false, ""
	}
	member := strings.EqualFold(g.user.Username, owner) ||
		slices.ContainsFunc(repo.Collaborators, func(c string) bool { return strings.EqualFold(c, g.user.Username) })
	// OAuth App tokens reach repositories only through the repo (or, to push to a public one,
	// public_repo) scope; GitHub App user tokens carry no scopes.
	scoped := g.app.ExpiringTokens || hasScope(g, "repo")
	read = !repo.Private || member && scoped
	write = member && (scoped || !repo.Private && hasScope(g, "public_repo"))
	return read, write, g.user.Username
}

// gitBackend hands the request to git-http-backend for repo; who, when set, is REMOTE_USER,
// which git-http-backend requires before it accepts a push.
func (s *Server) gitBackend(w http.ResponseWriter, r *http.Request, repo *Repository, who string) {
	if err := s.git.ready(); err != nil {
		gitMessage(w, http.StatusInternalServerError, err.Error())
		return
	}
	rest := r.URL.Path[strings.Index(r.URL.Path[1:], "/")+2:] // REPO[.git]/SERVICE
	_, service, _ := strings.Cut(rest, "/")
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + repo.FullName + ".git/" + service
	env := []string{"GIT_PROJECT_ROOT=" + s.git.root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + s.git.root}
	if who != "" {
		env = append(env, "REMOTE_USER="+who)
	}
	h := &cgi.Handler{Path: s.git.backend, Root: "/", Env: env, Stderr: os.Stderr}
	h.ServeHTTP(w, r2)
}

// gitUnauthorized is GitHub's 401 to git: git asks its credential helpers and retries.
func gitUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", gitRealm)
	gitMessage(w, http.StatusUnauthorized, message)
}

// gitMessage answers status with a text/plain message, which git prints as "remote: …".
func gitMessage(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	if message != "" {
		_, _ = fmt.Fprintln(w, message)
	}
}
