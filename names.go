package experiment

import "math/bits"

// names is the read-only name lookup of a Ruleset, built once at load
// from index's map: every name VariantFor and friends accept (an
// experiment's, and "exp/variant") and what it resolves to. It is an open
// addressing table, probed linearly from a hash of the name's length and
// its first and last eight bytes, so a lookup reads at most two words of
// the name to hash it, and compares the words, the length and, for names
// longer than 16 bytes, the middle before it reports a match. It answers
// exactly what the map it was built from does, for every string.
//
// Its cost does not grow with a name's length beyond the one final
// compare; many names that share their length and both end words (only a
// config can write them) share a probe sequence, which makes a lookup
// linear in their number, not wrong. The zero names has no entries.
type names struct {
	slots []nameSlot // a power of two, at least 4/3 of the entries (at most 3/4 full); empty: ref.exp nil
	shift uint8      // 64 - log2(len(slots)): the hash's top bits index slots
}

// nameSlot is one entry: the name, its two end words (see nameWords) and
// what it resolves to.
type nameSlot struct {
	head, last uint64
	key        string
	ref        ref
}

// makeNames returns an empty table with room for n entries: the zero
// names for none, which add must then not be given.
func makeNames(n int) names {
	if n == 0 {
		return names{}
	}
	size := 2
	for 3*size < 4*n {
		size *= 2
	}
	return names{slots: make([]nameSlot, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

// add enters name, resolving to f, unless the table has it already (the
// first entry of a name wins); it reports whether it entered it. The
// table must have room for it (see makeNames).
func (t *names) add(name string, f ref) bool {
	head, last := nameWords(name)
	mask := len(t.slots) - 1
	for i := t.start(head, last, len(name)); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.ref.exp == nil {
			*s = nameSlot{head: head, last: last, key: name, ref: f}
			return true
		}
		if s.head == head && s.last == last && s.key == name {
			return false
		}
	}
}

// get returns what name resolves to, and whether it is in the table. A
// name of 8 to 16 bytes, the commonest, is two words and its length, so
// its probe calls nothing (which keeps it out of the stack); others go to
// getAny.
func (t *names) get(name string) (ref, bool) {
	if len(name) < 8 || len(name) > 16 || len(t.slots) == 0 {
		return t.getAny(name)
	}
	head, last := word(name), word(name[len(name)-8:])
	mask := len(t.slots) - 1
	for i := t.start(head, last, len(name)); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.ref.exp == nil {
			return ref{}, false
		}
		if s.head == head && s.last == last && len(s.key) == len(name) {
			return s.ref, true
		}
	}
}

// getAny is get for a name of any length.
func (t *names) getAny(name string) (ref, bool) {
	if len(t.slots) == 0 {
		return ref{}, false
	}
	head, last := nameWords(name)
	mask := len(t.slots) - 1
	for i := t.start(head, last, len(name)); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.ref.exp == nil {
			return ref{}, false
		}
		if s.head == head && s.last == last && len(s.key) == len(name) &&
			(len(name) <= 16 || s.key[8:len(name)-8] == name[8:len(name)-8]) {
			return s.ref, true
		}
	}
}

// start is the first slot probed for a name of n bytes whose end words
// are head and last.
func (t *names) start(head, last uint64, n int) int {
	h := (head*0x9e3779b97f4a7c15 ^ bits.RotateLeft64(last, 32) ^ uint64(n)) * 0xbf58476d1ce4e5b9
	return int(h >> (t.shift & 63))
}

// nameWords returns a name's first eight bytes and its last eight as
// little-endian words; a name shorter than eight bytes is all in head
// (zero-padded) and has last 0. Together with the length they are the
// whole of a name of at most 16 bytes.
func nameWords(s string) (head, last uint64) {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			head |= uint64(s[i]) << (8 * i)
		}
		return head, 0
	}
	return word(s[:8]), word(s[len(s)-8:])
}

// word is the little-endian word of the first eight bytes of s, which has
// at least eight (the compiler makes this one load).
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
