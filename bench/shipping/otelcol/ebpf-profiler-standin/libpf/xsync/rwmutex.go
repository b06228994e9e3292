// Package xsync is the stand-in's value-guarding read-write mutex (see ../../go.mod).
package xsync

import "sync"

// RWMutex guards one value of type T.
type RWMutex[T any] struct {
	mu    sync.RWMutex
	value T
}

// NewRWMutex guards value.
func NewRWMutex[T any](value T) RWMutex[T] { return RWMutex[T]{value: value} }

// WLock locks for writing and hands out a pointer to the value.
func (m *RWMutex[T]) WLock() *T {
	m.mu.Lock()
	return &m.value
}

// WUnlock unlocks a WLock; the pointer is cleared so it cannot be used after.
func (m *RWMutex[T]) WUnlock(value **T) {
	*value = nil
	m.mu.Unlock()
}

// RLock locks for reading.
func (m *RWMutex[T]) RLock() *T {
	m.mu.RLock()
	return &m.value
}

// RUnlock unlocks an RLock.
func (m *RWMutex[T]) RUnlock(value **T) {
	*value = nil
	m.mu.RUnlock()
}
