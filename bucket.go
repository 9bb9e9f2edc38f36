package experiment

import (
	"github.com/twmb/murmur3"
)

// Buckets is the number of buckets users are hashed into. A user's bucket is
// a number in [0, Buckets).
const Buckets = 10000

// Bucket returns the bucket, in [0, 9999], of userID under salt:
//
//	murmur3_x86_32(UTF-8(userID + ":" + salt), seed 0) mod 10000
//
// This is the platform seed's bucket function, so both compute the same
// bucket for the same user and salt. Empty strings are valid inputs.
// Bucket allocates nothing and is safe for concurrent use.
func Bucket(userID, salt string) int {
	return int(hash32(userID, salt) % Buckets)
}

// hashBufSize is the stack buffer in which hash32 builds userID:salt for
// github.com/twmb/murmur3; longer inputs are hashed by the resumable state
// of hash.go instead, which needs no buffer.
const hashBufSize = 64

// hash32 returns MurmurHash3 x86_32 (seed 0) of userID + ":" + salt.
func hash32(userID, salt string) uint32 {
	n := len(userID) + 1 + len(salt)
	if n > hashBufSize {
		m := userHash(userID)
		m.writeString(salt)
		return m.sum()
	}
	var buf [hashBufSize]byte
	i := copy(buf[:], userID)
	buf[i] = ':'
	copy(buf[i+1:], salt)
	return murmur3.Sum32(buf[:n])
}
