// Package basehash is the stand-in's 128-bit hash value (see ../../go.mod for why it exists).
package basehash

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Hash128 is a 128-bit value in two halves.
type Hash128 struct{ hi, lo uint64 }

// New128 builds a Hash128 from its halves.
func New128(hi, lo uint64) Hash128 { return Hash128{hi, lo} }

// New128FromBytes reads a Hash128 from 16 big-endian bytes.
func New128FromBytes(b []byte) (Hash128, error) {
	if len(b) != 16 {
		return Hash128{}, fmt.Errorf("basehash: need 16 bytes, got %d", len(b))
	}
	return Hash128{binary.BigEndian.Uint64(b[0:8]), binary.BigEndian.Uint64(b[8:16])}, nil
}

// Hi is the high half.
func (h Hash128) Hi() uint64 { return h.hi }

// Lo is the low half.
func (h Hash128) Lo() uint64 { return h.lo }

// Bytes is the big-endian encoding.
func (h Hash128) Bytes() []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[0:8], h.hi)
	binary.BigEndian.PutUint64(b[8:16], h.lo)
	return b
}

// Base64 is the URL-safe unpadded base64 of the bytes.
func (h Hash128) Base64() string { return base64.RawURLEncoding.EncodeToString(h.Bytes()) }
