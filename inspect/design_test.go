package inspect_test

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/inspect"
)

// TestDesign checks that each experiment's card describes its design, and
// that the answer for a user says why the design kept them out, with the
// reason Explain gives, at the instant the query asks for.
func TestDesign(t *testing.T) {
	data, err := os.ReadFile("../testdata/design/design.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs := parse(t, string(data))
	now := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	h := inspect.Handler(inspect.ForRuleset(rs), &inspect.Options{Now: func() time.Time { return now }})
	code, body := get(t, h, "GET", "/")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	cards := []struct{ exp, line string }{
		{"upsell", `requires variant &#34;new&#34; of &#34;new-checkout&#34;`},
		{"pro-banner", `requires &#34;new-checkout&#34;: the user must be on in it`},
		{"spring-sale", `runs from 2026-03-01 00:00:00 UTC until 2026-03-21 00:00:00 UTC: inside it now`},
		{"search-v2", `ramp from 10% to 50%, from 2026-03-01 00:00:00 UTC until 2026-03-11 00:00:00 UTC, in 4 steps: 30% of users now, by their bucket under salt &#34;search-v2:ramp&#34;`},
		{"checkout-copy", `layer &#34;checkout&#34;: 30-50% of the layer&#39;s buckets under salt &#34;layer:checkout&#34;; its other experiments have the rest`},
		{"checkout-copy", `layer &#34;checkout&#34;&#39;s holdout keeps 10% of users out, by their bucket under salt &#34;holdout:checkout&#34;`},
		{"new-checkout", `the config&#39;s holdout keeps 5% of users out, by their bucket under salt &#34;global-holdout-2026&#34;`},
		{"button-color", `bucketing version 2: sticky assignments recorded under another version are ignored`},
	}
	for _, c := range cards {
		if s := section(t, body, c.exp); !strings.Contains(s, "<li>"+c.line+"</li>") {
			t.Errorf("%s's card lacks %q", c.exp, c.line)
		}
	}
	// Users who reach each reason the design adds, at an instant before
	// the schedules.
	at := "2026-02-15T00:00:00Z"
	c := experiment.ContextFor("4").At(time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC))
	_, body = get(t, h, "GET", "/?"+url.Values{"user": {"4"}, "at": {at}}.Encode())
	for _, exp := range []string{"upsell", "spring-sale", "search-v2", "checkout-copy"} {
		ex := rs.Explain(exp, c)
		want := `<span class="reason off">` + string(ex.Reason) + `</span> ` + template.HTMLEscapeString(ex.Detail)
		if !strings.Contains(section(t, body, exp), want) {
			t.Errorf("%s: the card lacks %q", exp, want)
		}
	}
	_, body = get(t, h, "GET", "/?"+url.Values{"user": {"0"}}.Encode())
	if s := section(t, body, "express-pay"); !strings.Contains(s, `<span class="reason off">holdout</span> held out by the config&#39;s holdout`) {
		t.Errorf("user 0 is in the config's holdout, and express-pay's card does not say so")
	}
	if code, body := get(t, h, "GET", "/?user=1&at=yesterday"); code != http.StatusBadRequest || !strings.Contains(body, "at must be an RFC 3339 time") {
		t.Errorf("a malformed at: status %d; want 400 with the error", code)
	}
}

// TestDesignSticky checks that with a sticky store the answer is
// ExplainSticky's, and that drawing the page records nothing.
func TestDesignSticky(t *testing.T) {
	store := experiment.NewMemoryStore(10)
	store.Set(context.Background(), "u", "e", "b", 0)
	rs := parse(t, "experiments:\n  e: {variants: {a: 0-50%, b: 50-100%}}\n  f: {variants: {a: 100%}}\n", experiment.WithSticky(store))
	_, body := get(t, inspect.Handler(inspect.ForRuleset(rs), nil), "GET", "/?user=u")
	ex, _ := rs.ExplainSticky(context.Background(), "e", experiment.ContextFor("u"))
	if ex.Reason != experiment.ReasonSticky {
		t.Fatalf("ExplainSticky reason %s; want sticky", ex.Reason)
	}
	want := `<span class="reason on">sticky</span> ` + template.HTMLEscapeString(ex.Detail)
	if !strings.Contains(section(t, body, "e"), want) {
		t.Errorf("e's card lacks %q", want)
	}
	if store.Len() != 1 {
		t.Errorf("the store holds %d assignments after the page; want 1: the inspector must not record", store.Len())
	}
}
