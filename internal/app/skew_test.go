package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/internal/exitcode"
)

func TestJWTRejectionNamesClockSkew(t *testing.T) {
	t.Parallel()
	server := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	date := http.Header{"Date": {server.Format(http.TimeFormat)}}
	const iatMsg = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	const expMsg = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	tests := []struct {
		name   string
		msg    string
		header http.Header
		now    time.Time
		want   string
	}{
		{"ahead 5m", iatMsg, date, server.Add(5 * time.Minute), "your clock may be off by 5m0s (ahead of GitHub's)"},
		{"behind 5m", expMsg, date, server.Add(-5 * time.Minute), "your clock may be off by 5m0s (behind GitHub's)"},
		{"no date header", iatMsg, http.Header{}, server, "check this machine's clock"},
		{"wrong key", "A JSON web token could not be decoded", date, server, "GitHub rejected the app JWT: A JSON web token could not be decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := JWTRejection(tt.msg, tt.header, tt.now)
			if exitcode.Of(err) != exitcode.Auth {
				t.Errorf("exit code = %d, want %d", exitcode.Of(err), exitcode.Auth)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
