package experiment

import (
	"context"
	"sync"
)

// DefaultMemoryStoreSize is how many assignments the zero MemoryStore
// holds.
const DefaultMemoryStoreSize = 1 << 16

// MemoryStore is a StickyStore in the process's memory, bounded: it holds
// at most its size of (user, experiment) assignments, and when full,
// recording a new one forgets the one recorded longest ago (replacing an
// assignment keeps its place). It suits one process, tests and demos; a
// fleet needs a shared store (see StickyStore). Its Get and Set never
// fail and ignore ctx.
//
// The zero MemoryStore holds DefaultMemoryStoreSize assignments. A
// MemoryStore is safe for concurrent use; it must not be copied after
// first use.
type MemoryStore struct {
	mu   sync.Mutex
	size int
	m    map[stickyKey]stickyValue
	ring []stickyKey // the keys in the order recorded, from next on
	next int         // the slot of ring to reuse when full
}

type stickyKey struct{ user, experiment string }

type stickyValue struct {
	variant string
	version int
}

// NewMemoryStore returns a MemoryStore that holds at most size
// assignments; a size below 1 means DefaultMemoryStoreSize.
func NewMemoryStore(size int) *MemoryStore {
	return &MemoryStore{size: size}
}

// Get returns the variant recorded for the user in the experiment.
func (s *MemoryStore) Get(_ context.Context, user, experiment string) (variant string, version int, ok bool, err error) {
	s.mu.Lock()
	v, ok := s.m[stickyKey{user, experiment}]
	s.mu.Unlock()
	return v.variant, v.version, ok, nil
}

// Set records the variant of the user in the experiment, forgetting the
// oldest assignment if the store is full.
func (s *MemoryStore) Set(_ context.Context, user, experiment, variant string, version int) error {
	k := stickyKey{user, experiment}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		if s.size < 1 {
			s.size = DefaultMemoryStoreSize
		}
		s.m = make(map[stickyKey]stickyValue)
	}
	if _, ok := s.m[k]; !ok {
		if len(s.ring) < s.size {
			s.ring = append(s.ring, k)
		} else {
			delete(s.m, s.ring[s.next])
			s.ring[s.next] = k
			s.next = (s.next + 1) % s.size
		}
	}
	s.m[k] = stickyValue{variant, version}
	return nil
}

// Len returns how many assignments the store holds.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
