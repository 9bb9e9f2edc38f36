package experiment

import (
	"strings"
	"testing"
)

// TestPackedSalt checks the pre-packed hash against Bucket for every
// alignment a user id can leave and salts of every length up to 3 blocks.
func TestPackedSalt(t *testing.T) {
	for ul := range 10 {
		user := strings.Repeat("u", ul)
		if ul > 0 {
			user = user[:ul-1] + "é"[:1] // a byte >= 0x80 too
		}
		c := ContextFor(user)
		for sl := range 14 {
			salt := "salt-abcdefghij"[:sl]
			if got, want := c.bucketPacked(packSalt(salt), salt), Bucket(user, salt); got != want {
				t.Errorf("user %q, salt %q: packed bucket %d; Bucket %d", user, salt, got, want)
			}
		}
	}
	var zero Context
	if got, want := zero.bucketPacked(packSalt("s"), "s"), Bucket("", "s"); got != want {
		t.Errorf("zero Context: %d; want %d", got, want)
	}
}
