package experiment_test

import (
	"context"
	"fmt"
	"time"

	"github.com/inprocess/experiment"
)

// A ramp's share is a function of the clock: Context.At evaluates at a
// given instant, and a user once admitted stays admitted.
func ExampleContext_At() {
	rs, err := experiment.Parse([]byte(`
experiments:
  search-v2:
    ramp: {from: 10%, to: 50%, start: 2026-03-01T00:00:00Z, end: 2026-03-11T00:00:00Z}
    variants: {on: 100%}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for day := 0; day <= 10; day += 5 {
		at := time.Date(2026, 3, 1+day, 0, 0, 0, 0, time.UTC)
		in := 0
		for i := range 10000 {
			if rs.VariantFor("search-v2", experiment.ContextFor(fmt.Sprint("user-", i)).At(at)) {
				in++
			}
		}
		fmt.Printf("%s: %.1f%% of users\n", at.Format("Jan 2"), float64(in)/100)
	}
	// Output:
	// Mar 1: 10.1% of users
	// Mar 6: 30.0% of users
	// Mar 11: 49.7% of users
}

// A prerequisite: upsell is only for users in new-checkout's new variant,
// and Explain says so.
func ExampleRuleset_Explain_prerequisite() {
	rs, err := experiment.Parse([]byte(`
experiments:
  new-checkout: {variants: {old: 0-50%, new: 50-100%}}
  upsell:
    requires: {experiment: new-checkout, variant: new}
    variants: {on: 100%}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, user := range []string{"user-0", "user-1"} {
		c := experiment.ContextFor(user)
		ex := rs.Explain("upsell", c)
		fmt.Printf("%s: new-checkout %s, upsell %q (%s)\n", user, rs.Feature("new-checkout", c), ex.Variant, ex.Reason)
	}
	// Output:
	// user-0: new-checkout old, upsell "" (prerequisite)
	// user-1: new-checkout new, upsell "on" (everyone)
}

// Sticky assignment keeps a user's variant through an edit of the
// allocations; a new version re-buckets on purpose.
func ExampleRuleset_StickyFeature() {
	store := experiment.NewMemoryStore(1000)
	ctx := context.Background()
	user := experiment.ContextFor("user-0")
	for _, config := range []string{
		"experiments:\n  e: {variants: {control: 0-50%, treatment: 50-100%}}\n",
		"experiments:\n  e: {variants: {control: 0-10%, treatment: 10-100%}}\n",
		"experiments:\n  e: {version: 1, variants: {control: 0-10%, treatment: 10-100%}}\n",
	} {
		rs, err := experiment.Parse([]byte(config), experiment.WithSticky(store))
		if err != nil {
			fmt.Println(err)
			return
		}
		sticky, err := rs.StickyFeature(ctx, "e", user)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("bucketing: %s, sticky: %s\n", rs.Feature("e", user), sticky)
	}
	// Output:
	// bucketing: control, sticky: control
	// bucketing: treatment, sticky: control
	// bucketing: treatment, sticky: treatment
}
