package experiment

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRampShare(t *testing.T) {
	start, end := mustTime(t, "2026-03-01T00:00:00Z"), mustTime(t, "2026-03-11T00:00:00Z")
	linear := &ramp{from: 1000, to: 5000, start: start.UnixNano(), end: end.UnixNano()}
	stepped := &ramp{from: 1000, to: 5000, start: start.UnixNano(), end: end.UnixNano(), steps: 4}
	day := 24 * time.Hour
	tests := []struct {
		name string
		r    *ramp
		at   time.Time
		want int
	}{
		{"linear: before the start", linear, start.Add(-time.Hour), 1000},
		{"linear: at the start", linear, start, 1000},
		{"linear: a nanosecond in", linear, start.Add(1), 1000},
		{"linear: a quarter", linear, start.Add(60 * time.Hour), 2000},
		{"linear: halfway", linear, start.Add(5 * day), 3000},
		{"linear: one bucket short of the end", linear, end.Add(-1), 4999},
		{"linear: at the end", linear, end, 5000},
		{"linear: after the end", linear, end.Add(day), 5000},
		{"steps: at the start", stepped, start, 1000},
		{"steps: just before the first step", stepped, start.Add(60*time.Hour - 1), 1000},
		{"steps: the first step", stepped, start.Add(60 * time.Hour), 2000},
		{"steps: halfway", stepped, start.Add(5 * day), 3000},
		{"steps: just before the end", stepped, end.Add(-1), 4000},
		{"steps: at the end", stepped, end, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.share(tt.at.UnixNano()); got != tt.want {
				t.Errorf("share(%s) = %d; want %d", tt.at.Format(time.RFC3339Nano), got, tt.want)
			}
		})
	}
}

// FuzzRampShare checks that a ramp's share is a monotonic function of the
// instant, within [from, to], for any ramp the parser accepts.
func FuzzRampShare(f *testing.F) {
	f.Add(uint16(1000), uint16(5000), int64(0), int64(1e9), 0, int64(5e8), int64(7e8))
	f.Add(uint16(0), uint16(10000), int64(-9e18), int64(9e18), 7, int64(0), int64(1))
	f.Add(uint16(3), uint16(3), int64(5), int64(6), 1, int64(5), int64(6))
	f.Fuzz(func(t *testing.T, from, to uint16, start, end int64, steps int, t1, t2 int64) {
		from, to = from%(Buckets+1), to%(Buckets+1)
		if from > to {
			from, to = to, from
		}
		if start >= end {
			return
		}
		steps = max(steps, -steps) % (Buckets + 1)
		if t1 > t2 {
			t1, t2 = t2, t1
		}
		r := &ramp{from: from, to: to, start: start, end: end, steps: steps}
		s1, s2 := r.share(t1), r.share(t2)
		if s1 > s2 || s1 < int(from) || s2 > int(to) {
			t.Fatalf("ramp %+v: share(%d) = %d, share(%d) = %d: not monotonic within [from, to]", r, t1, s1, t2, s2)
		}
	})
}

const scheduledConfig = `
experiments:
  launch:
    start: 2026-03-01T09:00:00Z
    end: 2026-03-08T09:00:00+00:00
    variants: {on: 100%}
  from-only:
    start: 2026-03-01T09:00:00Z
    variants: {on: 100%}
  until-only:
    end: "2026-03-01T10:00:00+01:00"
    variants: {on: 100%}
  rollout:
    ramp: {from: 10%, to: 50%, start: 2026-03-01T00:00:00Z, end: 2026-03-11T00:00:00Z}
    variants: {on: 100%}
`

func TestSchedule(t *testing.T) {
	fixed := mustTime(t, "2026-03-05T00:00:00Z")
	r := mustParse(t, scheduledConfig, WithClock(func() time.Time { return fixed }))
	u := ContextFor("u")
	tests := []struct {
		name string
		exp  string
		c    Context
		want bool
	}{
		{"inside the window, by the clock", "launch", u, true},
		{"before the start, by At", "launch", u.At(mustTime(t, "2026-03-01T08:59:59Z")), false},
		{"at the start", "launch", u.At(mustTime(t, "2026-03-01T09:00:00Z")), true},
		{"a nanosecond before the end", "launch", u.At(mustTime(t, "2026-03-08T09:00:00Z").Add(-1)), true},
		{"at the end: the window is half-open", "launch", u.At(mustTime(t, "2026-03-08T09:00:00Z")), false},
		{"At's zero time restores the clock", "launch", u.At(mustTime(t, "2020-01-01T00:00:00Z")).At(time.Time{}), true},
		{"start only, after it", "from-only", u.At(mustTime(t, "2030-01-01T00:00:00Z")), true},
		{"end only, before it (a zone offset)", "until-only", u.At(mustTime(t, "2026-03-01T08:59:00Z")), true},
		{"end only, at it", "until-only", u.At(mustTime(t, "2026-03-01T09:00:00Z")), false},
		{"far outside int64 nanoseconds", "from-only", u.At(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.VariantFor(tt.exp, tt.c); got != tt.want {
				t.Errorf("VariantFor(%q) = %v; want %v", tt.exp, got, tt.want)
			}
			if ex := r.Explain(tt.exp, tt.c); !tt.want && ex.Reason != ReasonSchedule {
				t.Errorf("Explain reason = %s (%s); want %s", ex.Reason, ex.Detail, ReasonSchedule)
			}
		})
	}
}

func TestScheduleDefaultClock(t *testing.T) {
	r := mustParse(t, "experiments:\n  a: {start: 2000-01-01T00:00:00Z, end: 2200-01-01T00:00:00Z, variants: {on: 100%}}\n  b: {start: 2200-01-01T00:00:00Z, variants: {on: 100%}}\n")
	if !r.VariantFor("a", ContextFor("u")) || r.VariantFor("b", ContextFor("u")) {
		t.Errorf("without WithClock or At, evaluation must read time.Now: a (2000-2200) on, b (from 2200) off")
	}
}

func TestScheduleExplain(t *testing.T) {
	r := mustParse(t, scheduledConfig)
	at := mustTime(t, "2026-03-06T00:00:00Z")
	u := userIn(t, "rollout:ramp", 4000)
	tests := []struct {
		name, exp string
		c         Context
		reason    Reason
		detail    string
	}{
		{"before the window", "launch", ContextFor("u").At(mustTime(t, "2026-02-01T00:00:00Z")), ReasonSchedule,
			"the experiment runs from 2026-03-01T09:00:00Z until 2026-03-08T09:00:00Z; the evaluation time is 2026-02-01T00:00:00Z"},
		{"the ramp has not reached the user", "rollout", ContextFor(u).At(at), ReasonRamp,
			`the ramp (10% to 50% from 2026-03-01T00:00:00Z until 2026-03-11T00:00:00Z, linearly) admits 30% of users at 2026-03-06T00:00:00Z: bucket 4000 under salt "rollout:ramp" is not below 3000`},
		{"the ramp has reached the user", "rollout", ContextFor(u).At(mustTime(t, "2026-03-09T00:00:00Z")), ReasonEveryone, "the variant is for everyone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := r.Explain(tt.exp, tt.c)
			if ex.Reason != tt.reason || ex.Detail != tt.detail {
				t.Errorf("Explain = %s: %s\nwant %s: %s", ex.Reason, ex.Detail, tt.reason, tt.detail)
			}
		})
	}
}

func TestScheduleErrors(t *testing.T) {
	exp := func(body string) string { return "experiments:\n  a:\n" + body + "    variants: {on: 100%}\n" }
	ramp := func(fields string) string { return exp("    ramp: {" + fields + "}\n") }
	const times = "start: 2026-03-01T00:00:00Z, end: 2026-03-11T00:00:00Z"
	tests := []struct {
		name   string
		config string
		kind   error
		want   string
	}{
		{"a date without a time", exp("    start: 2026-03-01\n"), ErrSchedule,
			`3:12: experiments.a.start: expected an RFC 3339 time with a zone, such as 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00, found "2026-03-01"`},
		{"a time without a zone", exp("    end: 2026-03-01T10:00:00\n"), ErrSchedule,
			`3:10: experiments.a.end: expected an RFC 3339 time with a zone, such as 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00, found "2026-03-01T10:00:00"`},
		{"a number", exp("    start: 1700000000\n"), ErrSchedule,
			`3:12: experiments.a.start: expected an RFC 3339 time with a zone, such as 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00, found the number 1700000000`},
		{"out of range", exp("    start: 3000-01-01T00:00:00Z\n"), ErrSchedule,
			`3:12: experiments.a.start: the time "3000-01-01T00:00:00Z" is out of range; expected a year from 1678 to 2261`},
		{"end before start", exp("    start: 2026-03-02T00:00:00Z\n    end: 2026-03-01T00:00:00Z\n"), ErrSchedule,
			`4:10: experiments.a.end: the end 2026-03-01T00:00:00Z is not after the start 2026-03-02T00:00:00Z`},
		{"a ramp down", ramp("from: 50%, to: 10%, " + times), ErrSchedule,
			`3:27: experiments.a.ramp.to: the ramp goes down from 50% to 10%; a ramp only adds users (to end an experiment, set its end)`},
		{"a ramp ending at its start", ramp("from: 1%, to: 2%, start: 2026-03-01T00:00:00Z, end: 2026-03-01T00:00:00Z"), ErrSchedule,
			`3:64: experiments.a.ramp.end: the ramp's end 2026-03-01T00:00:00Z is not after its start 2026-03-01T00:00:00Z`},
		{"a ramp without to", ramp("from: 1%, " + times), ErrMissingKey,
			`3:11: experiments.a.ramp: a ramp needs from, to, start and end; to is missing`},
		{"a range as a share", ramp("from: 0-10%, to: 50%, " + times), ErrPercentage,
			`3:18: experiments.a.ramp.from: expected a share of users such as "10%" (0 to 100, at most two decimals), found "0-10%"`},
		{"a bad share", ramp("from: 10.001%, to: 50%, " + times), ErrPercentage,
			`3:18: experiments.a.ramp.from: "10.001%": expected "N%" or "A-B%" with numbers from 0 to 100, at most two decimals, A <= B`},
		{"zero steps", ramp("from: 1%, to: 2%, steps: 0, " + times), ErrInvalidValue,
			`3:37: experiments.a.ramp.steps: expected a number of steps from 1 to 10000, found the number 0`},
		{"an unknown ramp key", ramp("from: 1%, to: 2%, step: 3, " + times), ErrUnknownKey,
			`3:30: experiments.a.ramp.step: unknown key "step" in a ramp; expected from, to, start, end, steps or salt`},
		{"a negative version", exp("    version: -1\n"), ErrInvalidValue,
			`3:14: experiments.a.version: expected a bucketing version, an integer from 0 to 2147483647, found the number -1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.config))
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Parse error = %v; want %v\n%s", err, tt.kind, tt.config)
			}
			if got := strings.TrimPrefix(err.Error(), "experiment: "); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
