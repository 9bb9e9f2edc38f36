package experiment

import "math/bits"

// This file holds MurmurHash3 x86_32 as a resumable state, for one reason:
// every experiment hashes userID + ":" + salt, and the user's part is the
// same for all of them. A Context hashes "userID:" once (ContextFor) and
// each evaluation continues from that state with the salt's bytes only,
// which halves the hashing of a typical evaluation (BENCHMARKS.md).
// github.com/twmb/murmur3 computes the same function but cannot resume
// without an allocation (its digest is returned as a hash.Hash32); tests
// check this code against it for every length split.

const (
	murmurC1 = 0xcc9e2d51
	murmurC2 = 0x1b873593
)

// murmur is MurmurHash3 x86_32 (seed 0) part way through its input: the
// state after the whole 4-byte blocks, the bytes of a block not yet full,
// and the length so far. The zero value is the state before any input.
type murmur struct {
	h1   uint32
	tail uint32 // up to 3 pending bytes, little-endian
	nt   uint8  // how many bytes tail holds
	n    uint32 // bytes written
}

// mixBlock folds one 4-byte block into h1.
func mixBlock(h1, k1 uint32) uint32 {
	k1 *= murmurC1
	k1 = bits.RotateLeft32(k1, 15)
	k1 *= murmurC2
	h1 ^= k1
	h1 = bits.RotateLeft32(h1, 13)
	return h1*5 + 0xe6546b64
}

// writeString continues the hash with s.
func (m *murmur) writeString(s string) {
	m.n += uint32(len(s))
	i := 0
	// Complete a pending block first.
	for m.nt > 0 && i < len(s) {
		m.tail |= uint32(s[i]) << (8 * m.nt)
		m.nt++
		i++
		if m.nt == 4 {
			m.h1 = mixBlock(m.h1, m.tail)
			m.tail, m.nt = 0, 0
		}
	}
	for ; i+4 <= len(s); i += 4 {
		m.h1 = mixBlock(m.h1, uint32(s[i])|uint32(s[i+1])<<8|uint32(s[i+2])<<16|uint32(s[i+3])<<24)
	}
	for ; i < len(s); i++ {
		m.tail |= uint32(s[i]) << (8 * m.nt)
		m.nt++
	}
}

// sum finishes the hash; m is unchanged.
func (m murmur) sum() uint32 {
	h1 := m.h1
	if m.nt > 0 {
		k1 := m.tail * murmurC1
		k1 = bits.RotateLeft32(k1, 15)
		k1 *= murmurC2
		h1 ^= k1
	}
	h1 ^= m.n
	h1 ^= h1 >> 16
	h1 *= 0x85ebca6b
	h1 ^= h1 >> 13
	h1 *= 0xc2b2ae35
	h1 ^= h1 >> 16
	return h1
}

// userHash is the state after "userID:", written out for speed: it runs
// on every ContextFor.
func userHash(userID string) murmur {
	var m murmur
	n := len(userID)
	i := 0
	for ; i+4 <= n; i += 4 {
		m.h1 = mixBlock(m.h1, uint32(userID[i])|uint32(userID[i+1])<<8|uint32(userID[i+2])<<16|uint32(userID[i+3])<<24)
	}
	var t uint32
	k := uint8(0)
	for ; i < n; i++ {
		t |= uint32(userID[i]) << (8 * k)
		k++
	}
	t |= uint32(':') << (8 * k)
	k++
	if k == 4 {
		m.h1 = mixBlock(m.h1, t)
		t, k = 0, 0
	}
	m.tail, m.nt, m.n = t, k, uint32(n+1)
	return m
}

// bucket is the user's bucket under salt: from the Context's hashed
// prefix when it has one, else hashed in full.
func (c *Context) bucket(salt string) int {
	if !c.hashed {
		return Bucket(c.userID, salt)
	}
	m := c.prefix
	m.writeString(salt)
	return int(m.sum() % Buckets)
}
