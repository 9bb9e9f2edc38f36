// Quickstart evaluates a small config for a handful of users: which variant
// of each experiment they get, the payload of one variant, and Select and
// Protect with a fallback.
//
// Usage:
//
//	go run ./examples/quickstart [-config FILE] [-env NAME] [EXPERIMENT ...]
//
// Without -config it uses the embedded experiments.yaml. Without -env the
// environment is the value of TARGET_ENV (or of the variable the config
// names in DEPLOYMENT_ENV_VARIABLE), if set. The arguments name the
// experiments to show; by default, those of the embedded config.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/inprocess/experiment"
)

//go:embed experiments.yaml
var defaultConfig []byte

// users are the users the table is printed for, with a targeting attribute.
var users = []struct{ id, country string }{
	{"1", "US"}, {"2", "FR"}, {"5", "CA"}, {"alice", "US"}, {"bob", "US"}, {"carol", "FR"}, {"judy", "CA"},
}

func main() {
	log.SetFlags(0)
	configPath := flag.String("config", "", "read the config from `file` instead of the embedded one")
	env := flag.String("env", "", "select the environment `name` (default: $TARGET_ENV)")
	flag.Parse()

	var rs *experiment.Ruleset
	var err error
	if *configPath != "" {
		rs, err = experiment.Load(*configPath, experiment.WithEnv(*env))
	} else {
		rs, err = experiment.Parse(defaultConfig, experiment.WithName("experiments.yaml"), experiment.WithEnv(*env))
	}
	if err != nil {
		log.Fatal(err) // experiment: FILE:LINE:COL: PATH: MSG
	}
	names := flag.Args()
	if len(names) == 0 {
		names = rs.Names() // every experiment, in config order
	}

	fmt.Printf("environment: %q, version %d\n\n", rs.Env(), rs.Version())
	printTable(rs, names)

	// A payload is JSON, nil when the user is off.
	alice := contextFor("alice", "US")
	fmt.Printf("\npayload of checkout-button-color for alice: %s\n",
		orOff(string(rs.Payload("checkout-button-color", alice))))

	// Select returns the callback for the user's variant, else "fallback".
	// Users of variantTwo get the fallback too: it has no callback here.
	fmt.Println("\nSelect featureThree:")
	for _, u := range users {
		c := contextFor(u.id, u.country)
		search := rs.Select("featureThree", c, map[string]func(){
			"variantOne": func() { fmt.Printf("  %-6s new search\n", u.id) },
			"fallback":   func() { fmt.Printf("  %-6s old search\n", u.id) },
		})
		search() // never nil here, since there is a fallback
	}

	// Protect runs the chosen callback itself and reports whether one ran.
	fmt.Println("\nProtect checkout-button-color/treatment:")
	for _, u := range users {
		c := contextFor(u.id, u.country)
		ran := rs.Protect("checkout-button-color/treatment", c, map[string]func(){
			"treatment": func() { fmt.Printf("  %-6s green button\n", u.id) },
		})
		if !ran {
			fmt.Printf("  %-6s (nothing ran)\n", u.id)
		}
	}

	if ws := rs.Warnings(); len(ws) > 0 {
		fmt.Println("\nwarnings:")
		for _, w := range ws {
			fmt.Println(" ", w)
		}
	}
}

// contextFor builds the evaluation context of a user.
func contextFor(id, country string) experiment.Context {
	return experiment.ContextFor(id).With(map[string]any{"country": country})
}

// printTable prints, for each user, the variant of each experiment.
func printTable(rs *experiment.Ruleset, names []string) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "user\tcountry\t%s\n", strings.Join(names, "\t"))
	for _, u := range users {
		c := contextFor(u.id, u.country)
		fmt.Fprintf(tw, "%s\t%s", u.id, u.country)
		for _, name := range names {
			fmt.Fprintf(tw, "\t%s", orOff(rs.Feature(name, c)))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// orOff returns s, or "off" when s is empty.
func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}
