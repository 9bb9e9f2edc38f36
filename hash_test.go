package experiment

import (
	"strings"
	"testing"

	"github.com/twmb/murmur3"
)

// TestMurmurResumable checks the resumable MurmurHash3 of hash.go against
// github.com/twmb/murmur3 for every split of inputs of every length up to
// 70 bytes, including multi-byte UTF-8, and against Bucket.
func TestMurmurResumable(t *testing.T) {
	base := "ab:c😀é-0123456789" + strings.Repeat("xyz", 20)
	for n := 0; n <= 70 && n <= len(base); n++ {
		s := base[:n]
		want := murmur3.Sum32([]byte(s))
		for split := 0; split <= n; split++ {
			var m murmur
			m.writeString(s[:split])
			m.writeString(s[split:])
			if got := m.sum(); got != want {
				t.Fatalf("%q split at %d: %d; want %d", s, split, got, want)
			}
		}
	}
	for _, tc := range [][2]string{{"user-1", "salt-1"}, {"", ""}, {"user:with:colon", "salt:with:colon"}, {"😀", "s"}, {strings.Repeat("u", 300), "salt"}} {
		c := ContextFor(tc[0])
		if got, want := c.bucket(tc[1]), int(murmur3.Sum32([]byte(tc[0]+":"+tc[1]))%Buckets); got != want || Bucket(tc[0], tc[1]) != want {
			t.Errorf("bucket(%q, %q) = %d, Bucket = %d; want %d", tc[0], tc[1], got, Bucket(tc[0], tc[1]), want)
		}
		var zero Context // not from ContextFor: hashed in full
		zero.userID = tc[0]
		if got := zero.bucket(tc[1]); got != Bucket(tc[0], tc[1]) {
			t.Errorf("unhashed Context: %d", got)
		}
	}
}
