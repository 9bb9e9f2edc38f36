package experiment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// countingStore wraps a MemoryStore, counting calls, and can fail.
type countingStore struct {
	MemoryStore
	gets, sets     int
	getErr, setErr error
}

func (s *countingStore) Get(ctx context.Context, user, exp string) (string, int, bool, error) {
	s.gets++
	if s.getErr != nil {
		return "", 0, false, s.getErr
	}
	return s.MemoryStore.Get(ctx, user, exp)
}

func (s *countingStore) Set(ctx context.Context, user, exp, variant string, version int) error {
	s.sets++
	if s.setErr != nil {
		return s.setErr
	}
	return s.MemoryStore.Set(ctx, user, exp, variant, version)
}

const stickyConfig = `
experiments:
  e:
    version: 2
    targeting:
      - conditions: [{attribute: blocked, operator: neq, value: true}]
    variants: {control: 0-50%, treatment: 50-100%}
  paused:
    status: paused
    variants: {on: 100%}
  held:
    ramp: {from: 0%, to: 0%, start: 2026-01-01T00:00:00Z, end: 2026-02-01T00:00:00Z}
    variants: {on: 100%}
`

func TestStickyFeature(t *testing.T) {
	ctx := context.Background()
	control, treatment := userIn(t, "e", 100), userIn(t, "e", 9000)
	tests := []struct {
		name      string
		exp       string
		user      string
		attrs     map[string]any
		stored    *stickyValue // recorded before the call
		getErr    error
		setErr    error
		want      string
		wantErr   string
		wantStore *stickyValue // what the store holds after; nil: nothing
		gets      int
	}{
		{name: "first call buckets and records", exp: "e", user: control, want: "control",
			wantStore: &stickyValue{"control", 2}, gets: 1},
		{name: "a current record wins over the bucket", exp: "e", user: control, stored: &stickyValue{"treatment", 2}, want: "treatment",
			wantStore: &stickyValue{"treatment", 2}, gets: 1},
		{name: "a record of another version re-buckets", exp: "e", user: control, stored: &stickyValue{"treatment", 1}, want: "control",
			wantStore: &stickyValue{"control", 2}, gets: 1},
		{name: "a record of a removed variant re-buckets", exp: "e", user: treatment, stored: &stickyValue{"gone", 2}, want: "treatment",
			wantStore: &stickyValue{"treatment", 2}, gets: 1},
		{name: "exp/variant matches the record", exp: "e/treatment", user: control, stored: &stickyValue{"treatment", 2}, want: "treatment",
			wantStore: &stickyValue{"treatment", 2}, gets: 1},
		{name: "exp/variant, another variant recorded", exp: "e/control", user: control, stored: &stickyValue{"treatment", 2}, want: "",
			wantStore: &stickyValue{"treatment", 2}, gets: 1},
		{name: "targeting fails: off, store untouched", exp: "e", user: control, attrs: map[string]any{"blocked": true},
			stored: &stickyValue{"treatment", 2}, want: "", wantStore: &stickyValue{"treatment", 2}, gets: 0},
		{name: "paused: off, store untouched", exp: "paused", user: control, stored: &stickyValue{"on", 0}, want: "",
			wantStore: &stickyValue{"on", 0}, gets: 0},
		{name: "the ramp has not reached the user: the record wins", exp: "held", user: control, stored: &stickyValue{"on", 0}, want: "on",
			wantStore: &stickyValue{"on", 0}, gets: 1},
		{name: "off by the ramp and no record: nothing recorded", exp: "held", user: control, want: "", gets: 1},
		{name: "unknown name", exp: "nope", user: control, want: ""},
		{name: "a Get error: the bucket, no Set", exp: "e", user: control, getErr: errors.New("down"), want: "control",
			wantErr: `experiment: sticky store: reading "e": down`, gets: 1},
		{name: "a Set error: the bucket and the error", exp: "e", user: control, setErr: errors.New("full"), want: "control",
			wantErr: `experiment: sticky store: recording "e": full`, gets: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &countingStore{}
			key := strings.SplitN(tt.exp, "/", 2)[0]
			if tt.stored != nil {
				store.MemoryStore.Set(ctx, tt.user, key, tt.stored.variant, tt.stored.version)
			}
			store.getErr, store.setErr = tt.getErr, tt.setErr
			r := mustParse(t, stickyConfig, WithSticky(store), WithClock(func() time.Time { return mustTime(t, "2026-01-15T00:00:00Z") }))
			got, err := r.StickyFeature(ctx, tt.exp, ContextFor(tt.user).With(tt.attrs))
			if got != tt.want {
				t.Errorf("StickyFeature = %q; want %q", got, tt.want)
			}
			if gotErr := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && gotErr != tt.wantErr) {
				t.Errorf("error = %v; want %q", err, tt.wantErr)
			}
			if store.gets != tt.gets {
				t.Errorf("%d Gets; want %d", store.gets, tt.gets)
			}
			if tt.getErr != nil && store.sets != 0 {
				t.Errorf("Set was called after a Get error")
			}
			v, version, ok, _ := store.MemoryStore.Get(ctx, tt.user, key)
			var have *stickyValue
			if ok {
				have = &stickyValue{v, version}
			}
			if diff := cmp.Diff(tt.wantStore, have, cmp.AllowUnexported(stickyValue{})); diff != "" {
				t.Errorf("store after (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStickyWithoutStore(t *testing.T) {
	r := mustParse(t, stickyConfig)
	ctx := context.Background()
	for _, u := range []string{"a", "b", "c", userIn(t, "e", 100)} {
		c := ContextFor(u)
		if got, err := r.StickyFeature(ctx, "e", c); got != r.Feature("e", c) || err != nil {
			t.Errorf("StickyFeature(%q) = %q, %v; want Feature's %q", u, got, err, r.Feature("e", c))
		}
		if got, _ := r.StickyPayload(ctx, "e", c); string(got) != string(r.Payload("e", c)) {
			t.Errorf("StickyPayload(%q) = %s; want Payload's %s", u, got, r.Payload("e", c))
		}
		if got, _ := r.ExplainSticky(ctx, "e", c); got != r.Explain("e", c) {
			t.Errorf("ExplainSticky(%q) = %+v; want Explain's", u, got)
		}
	}
}

func TestStickyQAOverride(t *testing.T) {
	store := &countingStore{}
	r := mustParse(t, stickyConfig, WithSticky(store))
	c := ContextFor(userIn(t, "e", 100))
	c.req = &request{rules: r, forced: map[string]string{"e": "treatment"}, seen: &seen{}}
	if got, _ := r.StickyFeature(context.Background(), "e", c); got != "treatment" {
		t.Errorf("StickyFeature with a QA override = %q; want treatment", got)
	}
	if store.gets+store.sets != 0 {
		t.Errorf("the store was consulted (%d Gets, %d Sets) for a forced variant", store.gets, store.sets)
	}
}

func TestStickyExposures(t *testing.T) {
	var got []string
	store := NewMemoryStore(10)
	r := mustParse(t, stickyConfig, WithSticky(store), WithExposures(func(e Exposure) { got = append(got, e.Experiment+"/"+e.Variant) }))
	u := userIn(t, "e", 100)
	store.Set(context.Background(), u, "e", "treatment", 2)
	r.StickyFeature(context.Background(), "e", ContextFor(u))
	if diff := cmp.Diff([]string{"e/treatment"}, got); diff != "" {
		t.Errorf("exposures (-want +got):\n%s", diff)
	}
}

func TestExplainSticky(t *testing.T) {
	ctx := context.Background()
	u := userIn(t, "e", 100)
	tests := []struct {
		name   string
		exp    string
		stored *stickyValue
		reason Reason
		detail string
	}{
		{"a current record", "e", &stickyValue{"treatment", 2}, ReasonSticky,
			`the sticky store holds variant "treatment" under bucketing version 2; bucketing alone gives "control" (split: bucket 100 under salt "e" is in 0-50%)`},
		{"no record", "e", nil, ReasonSplit,
			`bucket 100 under salt "e" is in 0-50%; the sticky store holds no variant for the user`},
		{"an old version", "e", &stickyValue{"treatment", 1}, ReasonSplit,
			`bucket 100 under salt "e" is in 0-50%; the sticky store's variant "treatment" is from bucketing version 1, and version 2 re-buckets`},
		{"a removed variant", "e", &stickyValue{"gone", 2}, ReasonSplit,
			`bucket 100 under salt "e" is in 0-50%; the sticky store's variant "gone" is no longer a variant of the experiment`},
		{"exp/variant, another variant recorded", "e/control", &stickyValue{"treatment", 2}, ReasonOtherVariant,
			`the sticky store holds variant "treatment", not "control"`},
		{"off by the ramp, a record", "held", &stickyValue{"on", 0}, ReasonSticky,
			`the sticky store holds variant "on" under bucketing version 0; bucketing alone gives off (ramp: the ramp (0% to 0% from 2026-01-01T00:00:00Z until 2026-02-01T00:00:00Z, linearly) admits 0% of users at 2026-01-15T00:00:00Z: bucket ` +
				fmt.Sprint(Bucket(u, "held:ramp")) + ` under salt "held:ramp" is not below 0)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &countingStore{}
			if tt.stored != nil {
				store.MemoryStore.Set(ctx, u, strings.SplitN(tt.exp, "/", 2)[0], tt.stored.variant, tt.stored.version)
			}
			r := mustParse(t, stickyConfig, WithSticky(store), WithClock(func() time.Time { return mustTime(t, "2026-01-15T00:00:00Z") }))
			ex, err := r.ExplainSticky(ctx, tt.exp, ContextFor(u))
			if err != nil {
				t.Fatal(err)
			}
			if ex.Reason != tt.reason || ex.Detail != tt.detail {
				t.Errorf("ExplainSticky = %s: %s\nwant %s: %s", ex.Reason, ex.Detail, tt.reason, tt.detail)
			}
			if store.sets != 0 {
				t.Errorf("ExplainSticky recorded %d assignments; it must only read", store.sets)
			}
		})
	}
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore(3)
	for _, u := range []string{"a", "b", "c"} {
		s.Set(ctx, u, "e", "v-"+u, 1)
	}
	s.Set(ctx, "a", "e", "again", 2) // a replacement keeps its place
	s.Set(ctx, "d", "e", "v-d", 1)   // full: forgets a, recorded first
	var got []string
	for _, u := range []string{"a", "b", "c", "d"} {
		if v, version, ok, err := s.Get(ctx, u, "e"); ok && err == nil {
			got = append(got, fmt.Sprintf("%s=%s@%d", u, v, version))
		}
	}
	if diff := cmp.Diff([]string{"b=v-b@1", "c=v-c@1", "d=v-d@1"}, got); diff != "" {
		t.Errorf("after an eviction (-want +got):\n%s", diff)
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d; want 3", s.Len())
	}
	var zero MemoryStore
	zero.Set(ctx, "u", "e", "x", 0)
	if v, _, ok, _ := zero.Get(ctx, "u", "e"); !ok || v != "x" {
		t.Errorf("the zero MemoryStore: Get = %q, %v; want x, true", v, ok)
	}
}

// TestMemoryStoreConcurrent runs Sets and Gets from many goroutines (run
// with -race); the bound holds throughout.
func TestMemoryStoreConcurrent(t *testing.T) {
	s := NewMemoryStore(100)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				u := fmt.Sprint(g*1000 + i)
				s.Set(ctx, u, "e", "v", 0)
				s.Get(ctx, u, "e")
			}
		}()
	}
	wg.Wait()
	if s.Len() != 100 {
		t.Errorf("Len = %d after 8000 Sets; want the bound, 100", s.Len())
	}
}
