package replay

import (
	"errors"
	"fmt"
	"time"

	"github.com/authctl/authctl/internal/webhook"
)

// Verify checks the one delivery in src.RequestFile, or in src.BodyFile with
// the headers given as -H lines, for s with key at now: `webhook verify`. The
// body streams through the check, so any size works.
func Verify(s webhook.Scheme, key []byte, src Source, headerLines []string, now time.Time, tolerance time.Duration) (webhook.Result, error) {
	in, err := openStream(src, headerLines)
	if err != nil {
		return webhook.Result{}, err
	}
	defer in.Close()
	res, err := s.Verify(webhook.Input{Header: in.Header, Body: in.Body, Secret: key, Now: now, Tolerance: tolerance})
	if err != nil {
		return webhook.Result{}, fmt.Errorf("verify %s: %w", s.Name(), err)
	}
	return res, nil
}

// Sign returns the headers s's provider would send with the body in
// src.BodyFile ("-" reads src.Stdin; the other fields are not used), signed
// with key at ts under id, or under a fresh id in the provider's shape when
// id is "": `webhook sign`.
func Sign(s webhook.Scheme, key []byte, src Source, ts time.Time, id string) (webhook.Headers, error) {
	if src.BodyFile == "" {
		return nil, errors.New("give the body with --body FILE or --body -")
	}
	body, err := readFileOr(src.Stdin, src.BodyFile)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if id == "" {
		id = webhook.NewDeliveryID(s)
	}
	headers, err := s.Sign(body, key, ts, id)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", s.Name(), err)
	}
	return headers, nil
}
