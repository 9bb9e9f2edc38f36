package experiment

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nameKeys are names built to meet every branch of names.get: empty, each
// length around the 8- and 16-byte word boundaries, names that differ
// only in their middle, only in their last byte, only in their length (a
// trailing NUL), and a name of MaxNameLength bytes.
func nameKeys() []string {
	keys := []string{"", "a", "\x00", "a\x00", "flag", "flag-0042", "flag-0042/red"}
	for n := 1; n <= 40; n++ {
		keys = append(keys, strings.Repeat("x", n), strings.Repeat("x", n-1)+"y", "y"+strings.Repeat("x", n-1))
	}
	for i := range 30 {
		keys = append(keys, "prefix--"+fmt.Sprintf("%03d", i)+"--suffix") // same end words, middle differs
	}
	long := strings.Repeat("n", MaxNameLength)
	return append(keys, long, long[:MaxNameLength-1]+"m")
}

// nameQueries are the keys and strings near each: one byte changed at each
// position, one byte longer, one shorter.
func nameQueries(keys []string) []string {
	q := append([]string{"nope", strings.Repeat("z", 5000)}, keys...)
	for _, k := range keys {
		q = append(q, k+"\x00", k+"x")
		if k != "" {
			q = append(q, k[:len(k)-1])
		}
		for i := 0; i < len(k) && i < 40; i++ {
			q = append(q, k[:i]+string(k[i]^1)+k[i+1:])
		}
	}
	return q
}

// refMap gives each key a distinct ref.
func refMap(keys []string) map[string]ref {
	m := make(map[string]ref, len(keys))
	for i, k := range keys {
		m[k] = ref{exp: &experiment{key: k}, variant: i}
	}
	return m
}

func TestNamesMatchMap(t *testing.T) {
	all := nameKeys()
	tests := []struct {
		name string
		keys []string
	}{
		{"none", nil},
		{"one", []string{"only"}},
		{"empty name only", []string{""}},
		{"boundary names", all},
		{"every other boundary name", everyOther(all)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := refMap(tt.keys)
			tab := newNames(m)
			for _, q := range nameQueries(all) {
				wantRef, wantOK := m[q]
				gotRef, gotOK := tab.get(q)
				if diff := cmp.Diff(describeRef(wantRef, wantOK), describeRef(gotRef, gotOK)); diff != "" {
					t.Fatalf("get(%.40q) (-map +names):\n%s", q, diff)
				}
			}
		})
	}
}

// describeRef is what a test compares of a lookup's answer.
func describeRef(f ref, ok bool) string {
	if !ok {
		return "not found"
	}
	return fmt.Sprintf("%q variant %d", f.exp.key, f.variant)
}

func everyOther(s []string) []string {
	var out []string
	for i := 0; i < len(s); i += 2 {
		out = append(out, s[i])
	}
	return out
}

// TestLookupNames checks a parsed Ruleset's lookup for every experiment
// and "exp/variant" name, and for names it must not know.
func TestLookupNames(t *testing.T) {
	r := mustParse(t, genConfig(100))
	for i := range 100 {
		name := fmt.Sprintf("flag-%04d", i)
		f, ok := r.lookup(name)
		if !ok || f.exp.key != name || f.variant != -1 {
			t.Fatalf("lookup(%q) = %v, %v; want the experiment %q", name, f, ok, name)
		}
	}
	tests := []struct {
		name    string
		exp     string // "" when not found
		variant int
	}{
		{"flag-0043/green", "flag-0043", 1},
		{"flag-0043/blue", "flag-0043", 2},
		{"flag-0042/default", "flag-0042", 0},
		{"flag-0043/purple", "", 0},
		{"flag-0043/", "", 0},
		{"flag-0100", "", 0},
		{"flag-004", "", 0},
		{"flag-00420", "", 0},
		{"", "", 0},
		{"/", "", 0},
		{strings.Repeat("flag-0042", 500), "", 0},
	}
	for _, tt := range tests {
		f, ok := r.lookup(tt.name)
		got := ""
		if ok {
			got = f.exp.key
		}
		if got != tt.exp || (ok && f.variant != tt.variant) {
			t.Errorf("lookup(%.40q) = %q variant %d; want %q variant %d", tt.name, got, f.variant, tt.exp, tt.variant)
		}
	}
	if _, ok := (*Ruleset)(nil).lookup("flag-0042"); ok {
		t.Error("a nil Ruleset found a name")
	}
}

func FuzzNames(f *testing.F) {
	f.Add("a\nb\nflag-0042", "flag-0042")
	f.Add("prefix--001--suffix\nprefix--002--suffix", "prefix--003--suffix")
	f.Add("\n\n", "")
	f.Fuzz(func(t *testing.T, keys, query string) {
		m := refMap(strings.Split(keys, "\n"))
		tab := newNames(m)
		for _, q := range []string{query, query + "x", strings.TrimSuffix(keys, query)} {
			wantRef, wantOK := m[q]
			gotRef, gotOK := tab.get(q)
			if wantOK != gotOK || wantRef != gotRef {
				t.Fatalf("get(%q): map %v %v, names %v %v", q, wantRef, wantOK, gotRef, gotOK)
			}
		}
		for k, want := range m {
			if got, ok := tab.get(k); !ok || got != want {
				t.Fatalf("get(%q) of a key: %v %v", k, got, ok)
			}
		}
	})
}

// newNames builds the table of the entries of m.
func newNames(m map[string]ref) names {
	t := makeNames(len(m))
	for k, f := range m {
		t.add(k, f)
	}
	return t
}
