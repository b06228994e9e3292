// Package libpf is the stand-in's file ids and frame types (see ../go.mod for why it exists).
package libpf

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// FileID names an executable by a 128-bit hash.
type FileID struct{ hi, lo uint64 }

// NewFileID builds a FileID from its halves.
func NewFileID(hi, lo uint64) FileID { return FileID{hi, lo} }

// FileIDFromBytes reads 16 big-endian bytes.
func FileIDFromBytes(b []byte) (FileID, error) {
	if len(b) != 16 {
		return FileID{}, fmt.Errorf("libpf: a file id has 16 bytes, got %d", len(b))
	}
	return FileID{binary.BigEndian.Uint64(b[0:8]), binary.BigEndian.Uint64(b[8:16])}, nil
}

// FileIDFromString parses 32 hex digits.
func FileIDFromString(s string) (FileID, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return FileID{}, err
	}
	return FileIDFromBytes(b)
}

// Bytes is the big-endian encoding.
func (f FileID) Bytes() []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[0:8], f.hi)
	binary.BigEndian.PutUint64(b[8:16], f.lo)
	return b
}

// Base64 is the URL-safe unpadded base64 of the bytes.
func (f FileID) Base64() string { return base64.RawURLEncoding.EncodeToString(f.Bytes()) }

// StringNoQuotes is the hex form.
func (f FileID) StringNoQuotes() string { return hex.EncodeToString(f.Bytes()) }

// String is the hex form.
func (f FileID) String() string { return f.StringNoQuotes() }

// AddressOrLineno is an address in an executable or a line number.
type AddressOrLineno uint64

// FrameType says what kind of code a stack frame is in.
type FrameType int

// The frame types the exporter names.
const (
	UnknownFrame FrameType = iota
	NativeFrame
	KernelFrame
	DotnetFrame
)

var frameTypeNames = map[FrameType]string{UnknownFrame: "unknown", NativeFrame: "native", KernelFrame: "kernel", DotnetFrame: "dotnet"}

// String is the frame type's name.
func (t FrameType) String() string { return frameTypeNames[t] }

// FrameTypeFromString is the frame type of a name (unknown for names it does not know).
func FrameTypeFromString(name string) FrameType {
	for t, n := range frameTypeNames {
		if n == name {
			return t
		}
	}
	return UnknownFrame
}

// IsZero says whether the id is unset.
func (f FileID) IsZero() bool { return f.hi == 0 && f.lo == 0 }

// IsError says whether the frame type marks an error frame (the stand-in has none).
func (t FrameType) IsError() bool { return false }
