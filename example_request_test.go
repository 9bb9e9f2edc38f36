package experiment_test

import (
	"fmt"

	"github.com/inprocess/experiment"
)

// Example_perRequest builds a user's Context per request the fast way: the
// typed setters hold up to two attributes inside the Context, so building
// it and evaluating allocate nothing, whatever the values are.
func Example_perRequest() {
	rules, err := experiment.Parse([]byte(`
experiments:
  new-checkout:
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
          - {attribute: plan, operator: eq, value: pro}
    variants:
      control: 0-50%
      treatment: 50-100%
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Values read from the request, not known at compile time.
	userID, country, plan := "user-42", "CA", "pro"

	c := experiment.ContextFor(userID).WithString("country", country).WithString("plan", plan)
	fmt.Println(rules.Feature("new-checkout", c) != "")

	// The same with a map literal: it stays on the stack, and only its two
	// string values are boxed (two small allocations).
	m := experiment.ContextFor(userID).With(map[string]any{"country": country, "plan": plan})
	fmt.Println(rules.Feature("new-checkout", m) == rules.Feature("new-checkout", c))
	// Output:
	// true
	// true
}
