package gitcred

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the `git` section of authctl's configuration file, by the host
// git asks about (with ":PORT" when its URL has one):
//
//	git:
//	  github.com:
//	    provider: github-work        # whose user token serves the host (default: see Resolver)
//	    installations:
//	      - owner: sandbox-org       # this owner's repositories (git sends the path only with
//	        repo: widgets            #   credential.useHttpPath); repo narrows to one repository,
//	        app_id: "424242"         #   and no owner means every request for the host
//	        private_key_file: app.pem  # or private_key_env: NAME (never the key itself)
//	        installation: 5150       # optional when owner is set: found from the owner or repo
//	        provider: github         # config entry (kind github) whose API mints; default github
type Config struct {
	Hosts map[string]Host
}

// Host is how git's requests for one host are served.
type Host struct {
	Provider      string         `yaml:"provider"`
	Installations []Installation `yaml:"installations"`
}

// Installation maps repositories of a host to a GitHub App installation.
type Installation struct {
	Owner          string `yaml:"owner"`
	Repo           string `yaml:"repo"`
	AppID          string `yaml:"app_id"`
	PrivateKeyFile string `yaml:"private_key_file"`
	PrivateKeyEnv  string `yaml:"private_key_env"`
	Installation   int64  `yaml:"installation"`
	Provider       string `yaml:"provider"`
}

// NeedsPath tells whether git must send the path (credential.useHttpPath) for this mapping.
func (in *Installation) NeedsPath() bool { return in.Owner != "" }

// LoadConfig reads the git section of the configuration file at path. An
// empty path or a missing file is an empty configuration; any error is a UsageError.
func LoadConfig(path string) (*Config, error) {
	cfg, err := loadConfig(path)
	return cfg, usageError(err)
}

func loadConfig(path string) (*Config, error) {
	cfg := &Config{Hosts: map[string]Host{}}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var file struct {
		Git map[string]Host `yaml:"git"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("config %s: git: %s", path, strings.Join(strings.Fields(err.Error()), " "))
	}
	for host, h := range file.Git {
		if err := h.validate(); err != nil {
			return nil, fmt.Errorf("config %s: git: %s: %w", path, host, err)
		}
		cfg.Hosts[strings.ToLower(host)] = h
	}
	return cfg, nil
}

func (h *Host) validate() error {
	for i, in := range h.Installations {
		where := "installations[" + strconv.Itoa(i) + "]"
		switch {
		case in.Repo != "" && in.Owner == "":
			return fmt.Errorf("%s: repo needs owner", where)
		case strings.Contains(in.Owner, "/") || strings.Contains(in.Repo, "/"):
			return fmt.Errorf("%s: owner and repo are single names, without '/'", where)
		case in.Owner == "" && in.Installation == 0:
			return fmt.Errorf("%s: without owner, installation (the id) is needed", where)
		case in.Installation < 0:
			return fmt.Errorf("%s: installation must be a positive number", where)
		case in.AppID == "":
			return fmt.Errorf("%s: app_id is needed", where)
		case (in.PrivateKeyFile == "") == (in.PrivateKeyEnv == ""):
			return fmt.Errorf("%s: give private_key_file or private_key_env", where)
		}
		if _, err := strconv.ParseInt(in.AppID, 10, 64); err != nil {
			return fmt.Errorf("%s: app_id %q is not a number", where, in.AppID)
		}
	}
	return nil
}

// Installation returns the mapping that serves path (OWNER/REPO[.git], possibly
// empty) on host: a repo mapping before an owner mapping before a host-wide one.
func (c *Config) Installation(host, path string) (*Installation, bool) {
	h, ok := c.Hosts[strings.ToLower(host)]
	if !ok {
		return nil, false
	}
	owner, repo, _ := strings.Cut(strings.Trim(path, "/"), "/")
	repo, _, _ = strings.Cut(strings.TrimSuffix(repo, ".git"), "/")
	var best *Installation
	bestRank := 0
	for i := range h.Installations {
		in := &h.Installations[i]
		rank := 0
		switch {
		case in.Owner == "":
			rank = 1
		case !strings.EqualFold(in.Owner, owner):
			continue
		case in.Repo == "":
			rank = 2
		case strings.EqualFold(in.Repo, repo):
			rank = 3
		default:
			continue
		}
		if rank > bestRank {
			best, bestRank = in, rank
		}
	}
	return best, best != nil
}
