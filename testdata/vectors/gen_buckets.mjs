// gen_buckets.mjs writes buckets.json: bucket vectors for the bucket rule of doc.go (Percentages and buckets),
//
//	hash   = MurmurHash3 x86_32 (seed 0, unsigned) of the UTF-8 bytes of user + ":" + salt
//	bucket = hash % 10000
//
// computed without the Go library: with the npm package murmurhash (the
// platform seed's dependency; v2.0.1, whose v3() hashes the UTF-8 bytes of
// a string), cross-checked against a second, independent implementation
// written out below from the reference algorithm with Math.imul. Any
// disagreement, or a miss on the platform's five public vectors, aborts.
//
// It rewrites buckets.json beside itself. murmurhash must be where Node's
// require finds it (a node_modules beside the script or above, or
// NODE_PATH); to keep node_modules out of the repository:
//
//	npm install --prefix /tmp/mm murmurhash@2.0.1
//	NODE_PATH=/tmp/mm/node_modules node testdata/vectors/gen_buckets.mjs
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const murmurhash = require("murmurhash");
const mmVersion = require("murmurhash/package.json").version;
if (!/^2\./.test(mmVersion)) {
  throw new Error(`murmurhash ${mmVersion}: want 2.x (1.x hashes UTF-16 code units, not UTF-8 bytes)`);
}

// murmur3 is MurmurHash3 x86_32 over bytes, from Appleby's reference
// (MurmurHash3.cpp), as a cross-check of the npm package.
function murmur3(bytes, seed = 0) {
  const c1 = 0xcc9e2d51, c2 = 0x1b873593;
  const rotl = (x, r) => (x << r) | (x >>> (32 - r));
  let h = seed | 0;
  const nblocks = bytes.length >>> 2;
  for (let i = 0; i < nblocks; i++) {
    const j = i * 4;
    let k = bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16) | (bytes[j + 3] << 24);
    k = Math.imul(k, c1);
    k = rotl(k, 15);
    k = Math.imul(k, c2);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = nblocks * 4;
  let k = 0;
  switch (bytes.length & 3) {
    case 3: k ^= bytes[tail + 2] << 16; // fallthrough
    case 2: k ^= bytes[tail + 1] << 8; // fallthrough
    case 1:
      k ^= bytes[tail];
      k = Math.imul(k, c1);
      k = rotl(k, 15);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const utf8 = (s) => new TextEncoder().encode(s);
const repeatTo = (unit, nbytes) => {
  let s = "";
  while (utf8(s + unit).length <= nbytes) s += unit;
  return s;
};

// The cases: [name, user, salt].
const cases = [
  // The platform seed's five public vectors.
  ["public: user-1 / salt-1", "user-1", "salt-1"],
  ["public: alice / exp-abc", "alice", "exp-abc"],
  ["public: empty / empty", "", ""],
  ["public: colons in both", "user:with:colon", "salt:with:colon"],
  ["public: A / B", "A", "B"],
  // Empty strings.
  ["empty user", "", "checkout-button-color"],
  ["empty salt", "user-42", ""],
  // Key lengths 4 to 7 bytes: every MurmurHash3 tail length (0 to 3).
  ["4-byte key", "ab", "c"],
  ["5-byte key", "abc", "d"],
  ["6-byte key", "abc", "de"],
  ["7-byte key", "abc", "def"],
  // Integer-like ids: 22 and "22" are the same user (doc.go, Config).
  ["numeric user id", "22", "featureTwo"],
  ["negative-looking user id", "-1", "featureTwo"],
  // Colons: the key is ambiguous, so these two pairs hash the same "a:b:".
  ["colon in user", "a:b", ""],
  ["colon in salt", "a", "b:"],
  ["only colons", ":", ":"],
  ["colon at both ends", ":user", "salt:"],
  // Accents: NFC and NFD spell é differently; no normalisation is done.
  ["accent NFC", "Jos\u00e9", "caf\u00e9"],
  ["accent NFD", "Jose\u0301", "cafe\u0301"],
  ["latin-1 range", "\u00fc\u00f1\u00ed", "salt-\u00e5\u00df"],
  // CJK and other scripts.
  ["CJK Chinese", "\u7528\u6237-42", "\u5b9e\u9a8c"],
  ["CJK Japanese", "\u30e6\u30fc\u30b6\u30fc", "\u5b9f\u9a13-1"],
  ["Korean", "\uc0ac\uc6a9\uc790", "\uc2e4\ud5d8"],
  ["Arabic (right to left)", "\u0645\u0633\u062a\u062e\u062f\u0645", "\u062a\u062c\u0631\u0628\u0629"],
  // Emoji: 4-byte UTF-8, a ZWJ sequence, a flag.
  ["emoji", "\u{1F600}", "\u{1F9EA}"],
  ["emoji ZWJ sequence", "\u{1F469}\u200d\u{1F4BB}", "salt"],
  ["emoji flag", "\u{1F1EB}\u{1F1F7}", "\u{1F1FA}\u{1F1F8}"],
  // Control characters and spaces.
  ["NUL byte", "a\u0000b", "s"],
  ["tab and newline", "tab\there", "line\nfeed"],
  ["spaces and percent", "family search", "20-30%"],
  // Around 256 bytes, the Go library's stack buffer (key of 255, 256, 257 bytes).
  ["255-byte key", "u".repeat(253), "s"],
  ["256-byte key", "u".repeat(254), "s"],
  ["257-byte key", "u".repeat(255), "s"],
  // Long keys (1 KB).
  ["1 KB ASCII user", repeatTo("user-0123456789abcdef-", 1024), "salt"],
  ["1 KB ASCII salt", "user-1", repeatTo("salt-", 1024)],
  ["1 KB CJK user", repeatTo("\u7528", 1024), "\u5b9e\u9a8c"],
  ["1 KB emoji user and salt", repeatTo("\u{1F600}", 1024), repeatTo("\u{1F9EA}", 1024)],
];

// Users of the hand-checked assignment vectors (assignments.json), under
// every salt those configs use.
const salts = [
  ["testdata/seed.yaml group salt (empty)", ""],
  ["testdata/seed.yaml featureTwo", "featureTwo"],
  ["testdata/seed.yaml featureThree", "featureThree"],
  ["testdata/assign/longform.yaml group salt", "rollout-2026"],
  ["testdata/assign/longform.yaml checkout-button-color", "6f1c0e1a"],
  ["testdata/assign/longform.yaml pro-banner", "pro-banner"],
];
const users = ["1", "5", "7", "8", "9", "10", "11", "12", "13", "16", "17", "20", "25", "28", "34", "39", "user-123", "alice"];
for (const [what, salt] of salts) {
  for (const u of users) cases.push([`${what}: user ${u}`, u, salt]);
}

const names = new Set();
const vectors = cases.map(([name, user, salt]) => {
  if (names.has(name)) throw new Error(`duplicate name ${name}`);
  names.add(name);
  const key = `${user}:${salt}`;
  const hash = murmurhash.v3(key);
  const mine = murmur3(utf8(key));
  if (hash !== mine) throw new Error(`${name}: murmurhash.v3 = ${hash}, reference = ${mine}`);
  return { name, user, salt, hash, bucket: hash % 10000 };
});

const publicVectors = { "user-1:salt-1": 2865, "alice:exp-abc": 663, ":": 7430, "user:with:colon:salt:with:colon": 6663, "A:B": 3590 };
for (const [key, want] of Object.entries(publicVectors)) {
  const got = murmurhash.v3(key) % 10000;
  if (got !== want) throw new Error(`public vector ${JSON.stringify(key)}: bucket ${got}, want ${want}`);
}

const out = {
  comment: "Bucket vectors (doc.go, Percentages and buckets): hash = MurmurHash3 x86_32, seed 0, unsigned, of the UTF-8 bytes of user + \":\" + salt; bucket = hash % 10000. Written by gen_buckets.mjs; see README.md.",
  generator: `gen_buckets.mjs with npm murmurhash ${mmVersion} (v3), cross-checked with an independent Math.imul implementation, Node ${process.version}`,
  vectors,
};
fs.writeFileSync(new URL("buckets.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${vectors.length} vectors`);
