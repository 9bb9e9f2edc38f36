package experiment

// A salt pre-packed at load for the hash of hash.go: the Context holds
// MurmurHash3's state after "userID:", which leaves 0 to 3 bytes pending
// in a block, so each salt is laid out once for each of the four ways its
// bytes fall into blocks after that prefix. Continuing the hash is then
// whole 32-bit words, with no byte loop.

// packedSalt is a salt laid out for one alignment (the prefix's pending
// byte count).
type packedSalt struct {
	words   []uint32 // the whole blocks after head
	head    uint32   // the salt's first bytes, shifted past the pending ones
	tail    uint32   // the bytes after the last whole block
	n       uint32   // len(salt)
	mixHead bool     // head completes the prefix's pending block
	headN   uint8    // how many bytes head holds
	tailN   uint8
}

// saltPack is a salt laid out for every alignment.
type saltPack [4]packedSalt

// packSalt lays out salt for each alignment.
func packSalt(salt string) *saltPack {
	p := new(saltPack)
	p.fill(salt, make([]uint32, 0, 4*(len(salt)/4)))
	return p
}

// packSalt is packSalt with the pack and its words from the parser's
// slabs.
func (p *parser) packSalt(salt string) *saltPack {
	sp := &p.slabs.packs.take(1)[:1][0]
	sp.fill(salt, p.slabs.words.take(4*(len(salt)/4)))
	return sp
}

// fill lays out salt for each alignment into the zero pack p. The four
// alignments' words share words, an empty slice with room for at most
// len(salt)/4 whole blocks each.
func (p *saltPack) fill(salt string, words []uint32) {
	for a := range p {
		ps := &p[a]
		ps.n = uint32(len(salt))
		rest := salt
		if a > 0 {
			k := min(4-a, len(salt))
			for i := range k {
				ps.head |= uint32(salt[i]) << (8 * (a + i))
			}
			ps.headN, ps.mixHead = uint8(k), a+k == 4
			rest = salt[k:]
			if !ps.mixHead {
				continue // the whole salt fits in the pending block
			}
		}
		at := len(words)
		for len(rest) >= 4 {
			words = append(words, uint32(rest[0])|uint32(rest[1])<<8|uint32(rest[2])<<16|uint32(rest[3])<<24)
			rest = rest[4:]
		}
		if len(words) > at {
			ps.words = words[at:len(words):len(words)]
		}
		for i := range len(rest) {
			ps.tail |= uint32(rest[i]) << (8 * i)
		}
		ps.tailN = uint8(len(rest))
	}
}

// resume returns the hash of the prefix m followed by the salt p packs.
// It calls nothing, so it needs no stack frame: the evaluation paths call
// it directly when the Context is hashed (chooseSplit, chooseFlat).
func (m murmur) resume(p *saltPack) uint32 {
	ps := &p[m.nt&3]
	h1, tail, nt := m.h1, m.tail, m.nt
	if ps.mixHead {
		h1 = mixBlock(h1, tail|ps.head)
		tail, nt = 0, 0
	} else {
		tail |= ps.head
		nt += ps.headN
	}
	for _, w := range ps.words {
		h1 = mixBlock(h1, w)
	}
	if ps.tailN > 0 {
		tail |= ps.tail << (8 * nt)
		nt += ps.tailN
	}
	return murmur{h1: h1, tail: tail, nt: nt, n: m.n + ps.n}.sum()
}

// bucketPacked is the user's bucket under the salt p packs (salt is the
// same salt, for a Context without a hashed prefix).
func (c *Context) bucketPacked(p *saltPack, salt string) int {
	if !c.hashed || p == nil {
		return Bucket(c.userID, salt)
	}
	return int(c.prefix.resume(p) % Buckets)
}
