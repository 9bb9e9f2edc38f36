package experiment_test

import (
	"fmt"
	"os"
	"time"

	"github.com/inprocess/experiment"
)

// A service writes its exposures and conversions to one JSON Lines file
// (here standard output) for the analysis to read.
func ExampleJSONLines() {
	sink := experiment.NewJSONLines(os.Stdout)
	rules, err := experiment.Parse([]byte(`
version: 7
experiments:
  checkout:
    blue: 0-50%
    green: 50-100%
`), experiment.WithExposures(func(e experiment.Exposure) {
		e.Time = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // fixed, for the example's output
		sink.Exposure(e)
	}))
	if err != nil {
		panic(err)
	}
	track := experiment.NewTracker(sink.Event)

	user := experiment.ContextFor("user-1")
	fmt.Println("variant:", rules.Feature("checkout", user))
	track.Record(experiment.Event{UserID: "user-1", Name: "purchase", Value: 19.99, HasValue: true,
		Time: time.Date(2026, 3, 1, 12, 5, 0, 0, time.UTC)})
	if err := sink.Close(); err != nil {
		panic(err)
	}
	// Output:
	// variant: green
	// {"type":"exposure","user_key":"user-1","experiment_key":"checkout","variant_key":"green","config_version":7,"timestamp":"2026-03-01T12:00:00Z"}
	// {"type":"event","user_key":"user-1","event":"purchase","value":19.99,"timestamp":"2026-03-01T12:05:00Z"}
}
