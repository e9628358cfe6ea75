package replay

import (
	"sync"
	"time"
)

// seenDeliveries remembers the keys of verified deliveries for a window, so
// that a captured delivery sent again is refused. Only verified deliveries
// enter it: a sender who cannot sign cannot fill it or block an id.
type seenDeliveries struct {
	mu    sync.Mutex
	at    map[string]time.Time
	order []seenEntry // oldest first, for expiry
}

type seenEntry struct {
	key string
	at  time.Time
}

// claim records key at now and reports true, or reports how long ago the
// same key was claimed inside window.
func (s *seenDeliveries) claim(key string, now time.Time, window time.Duration) (ago time.Duration, fresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.order) > 0 && now.Sub(s.order[0].at) > window {
		e := s.order[0]
		s.order = s.order[1:]
		if s.at[e.key].Equal(e.at) {
			delete(s.at, e.key)
		}
	}
	if t, ok := s.at[key]; ok && now.Sub(t) <= window {
		return now.Sub(t), false
	}
	s.at[key] = now
	s.order = append(s.order, seenEntry{key, now})
	return 0, true
}

// release forgets key, when the delivery it names was not taken after all.
func (s *seenDeliveries) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, key)
}
