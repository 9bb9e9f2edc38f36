package experiment_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log"
	"os"

	"github.com/inprocess/experiment"
)

// seedConfig is the Node seed's sample configuration, in YAML, with the
// gap between featureThree's variants closed (doc.go's "Percentages and buckets": ranges are half-open).
const seedConfig = `
groups:
  family search: [1, 2, 3, 4]
  phase 1: 20-30%
  phase 2: 20-50%
  phase 3: 20-60%
experiments:
  featureOne: phase 1
  featureTwo: [family search, 3-5%]
  featureThree:
    variantOne: 0-20%
    variantTwo: 20-100%
  featureFour: true
envs:
  prod:
    featureFour: false
`

// The Node seed's sample config end to end: groups, experiments, envs.
func Example() {
	exp, err := experiment.Parse([]byte(seedConfig), experiment.WithEnv("prod"))
	if err != nil {
		log.Fatal(err)
	}
	for _, user := range []string{"1", "2", "7", "42"} {
		ctx := experiment.ContextFor(user)
		fmt.Printf("user %-2s featureOne=%-5v featureTwo=%-5v featureThree=%-10q featureFour=%v\n", user,
			exp.VariantFor("featureOne", ctx), exp.VariantFor("featureTwo", ctx),
			exp.Feature("featureThree", ctx), exp.VariantFor("featureFour", ctx))
	}
	// Output:
	// user 1  featureOne=false featureTwo=true  featureThree="variantTwo" featureFour=false
	// user 2  featureOne=true  featureTwo=true  featureThree="variantTwo" featureFour=false
	// user 7  featureOne=false featureTwo=true  featureThree="variantTwo" featureFour=false
	// user 42 featureOne=false featureTwo=false featureThree="variantOne" featureFour=false
}

func ExampleLoad() {
	exp, err := experiment.Load("testdata/seed.yaml", experiment.WithEnv("prod"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(exp.Env(), exp.VariantFor("featureFour", experiment.ContextFor("1")))
	// Output: prod false
}

func ExampleParse_error() {
	_, err := experiment.Parse([]byte(`
experiments:
  featureTwo: [family search, 3-5%]
`), experiment.WithName("experiments.yaml"))
	fmt.Println(err)
	var cerr *experiment.ConfigError
	if errors.As(err, &cerr) && errors.Is(err, experiment.ErrUnknownGroup) {
		fmt.Println(cerr.Line, cerr.Column, cerr.Path)
	}
	// Output:
	// experiment: experiments.yaml:3:16: experiments.featureTwo[0]: unknown group "family search" (none are defined)
	// 3 16 experiments.featureTwo[0]
}

func ExampleWithEnv() {
	config := []byte(`
experiments:
  newCheckout: true
envs:
  prod:
    newCheckout: 10%
`)
	for _, env := range []string{"dev", "prod"} {
		exp, _ := experiment.Parse(config, experiment.WithEnv(env))
		fmt.Println(env, exp.VariantFor("newCheckout", experiment.ContextFor("user-1")))
	}
	// Output:
	// dev true
	// prod false
}

func ExampleContext_With() {
	exp, _ := experiment.Parse([]byte(`
experiments:
  northAmerica:
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
          - {attribute: app.version, operator: semverGte, value: "2.0"}
    variants:
      on: 100%
`))
	ctx := experiment.ContextFor("user-1").With(map[string]any{
		"country": "CA",
		"app":     map[string]any{"version": "2.1.0"},
	})
	fmt.Println(exp.VariantFor("northAmerica", ctx))
	fmt.Println(exp.VariantFor("northAmerica", ctx.With(map[string]any{"country": "FR"})))
	// Output:
	// true
	// false
}

func ExampleRuleset_VariantFor() {
	exp, _ := experiment.Parse([]byte(seedConfig))
	ctx := experiment.ContextFor("42")
	if exp.VariantFor("featureThree", ctx) {
		fmt.Println("in some variant of featureThree")
	}
	if exp.VariantFor("featureThree/variantOne", ctx) {
		fmt.Println("in variantOne")
	}
	// Output:
	// in some variant of featureThree
	// in variantOne
}

func ExampleRuleset_Feature() {
	exp, _ := experiment.Parse([]byte(`
experiments:
  buttonColor: {red: 0-50%, green: 50-100%}
`))
	for _, user := range []string{"alice", "user-123"} {
		switch exp.Feature("buttonColor", experiment.ContextFor(user)) {
		case "red":
			fmt.Println(user, "sees red")
		case "green":
			fmt.Println(user, "sees green")
		default:
			fmt.Println(user, "sees the default")
		}
	}
	// Output:
	// alice sees red
	// user-123 sees green
}

func ExampleRuleset_Payload() {
	exp, _ := experiment.Parse([]byte(`
experiments:
  checkout-button-color:
    id: exp-42
    variants:
      control: {allocation: 0-50%, payload: {color: "#0066cc"}}
      treatment: {allocation: 50-100%, payload: {color: "#00cc66"}}
`))
	var p struct{ Color string }
	raw := exp.Payload("checkout-button-color", experiment.ContextFor("carol"))
	if err := json.Unmarshal(raw, &p); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(raw), p.Color)
	// Output: {"color":"#0066cc"} #0066cc
}

func ExampleRuleset_Select() {
	exp, _ := experiment.Parse([]byte(seedConfig))
	greet := exp.Select("featureThree", experiment.ContextFor("42"), map[string]func(){
		"variantOne": func() { fmt.Println("hello from variantOne") },
		"fallback":   func() { fmt.Println("hello from the fallback") },
	})
	if greet != nil {
		greet()
	}
	// Output: hello from variantOne
}

func ExampleRuleset_Protect() {
	exp, _ := experiment.Parse([]byte(seedConfig))
	for _, user := range []string{"2", "7"} {
		exp.Protect("featureOne", experiment.ContextFor(user), map[string]func(){
			"default":  func() { fmt.Println(user, "runs the new code") },
			"fallback": func() { fmt.Println(user, "runs the old code") },
		})
	}
	// Output:
	// 2 runs the new code
	// 7 runs the old code
}

func ExampleRuleset_Assignments() {
	exp, _ := experiment.Parse([]byte(`
version: 3
experiments:
  checkout-button-color:
    id: exp-42
    variants:
      control: {id: var-1, allocation: 0-50%, payload: {color: "#0066cc"}}
      treatment: {id: var-2, allocation: 50-100%, payload: {color: "#00cc66"}}
  featureFour: true
`))
	out, _ := json.MarshalIndent(exp.Assignments(experiment.ContextFor("carol")), "", "  ")
	fmt.Println(string(out))
	// Output:
	// [
	//   {
	//     "experiment_key": "checkout-button-color",
	//     "experiment_id": "exp-42",
	//     "variant_key": "control",
	//     "variant_id": "var-1",
	//     "payload": {
	//       "color": "#0066cc"
	//     }
	//   },
	//   {
	//     "experiment_key": "featureFour",
	//     "experiment_id": "featureFour",
	//     "variant_key": "default",
	//     "variant_id": "default",
	//     "payload": null
	//   }
	// ]
}

// The template functions do what the Node seed's EJS views do.
func ExampleFuncMap() {
	exp, _ := experiment.Parse([]byte(`
groups:
  friends: [alice]
experiments:
  inviteFriends: friends
  buttonColor: {redButton: 0-50%, greenButton: 50-100%}
  banner:
    variants:
      on: {allocation: 100%, payload: {text: "Welcome back"}}
`))
	page := template.Must(template.New("page").Funcs(experiment.FuncMap(exp)).Parse(`
{{- $color := feature "buttonColor" . -}}
{{- if eq $color "redButton"}}<a class="button error">Click</a>{{end -}}
{{- if eq $color "greenButton"}}<a class="button go">Click</a>{{end}}
{{with payload "banner" .}}<h1>{{.text}}</h1>{{end}}
{{if variantFor "inviteFriends" .}}<p>Invite your friends!! <a href="#">Get Started</a>.</p>{{end}}
`))
	for _, user := range []string{"alice", "user-123"} {
		if err := page.Execute(os.Stdout, experiment.ContextFor(user)); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// <a class="button error">Click</a>
	// <h1>Welcome back</h1>
	// <p>Invite your friends!! <a href="#">Get Started</a>.</p>
	// <a class="button go">Click</a>
	// <h1>Welcome back</h1>
}

func ExampleRuleset_Warnings() {
	exp, _ := experiment.Parse([]byte(`
experiments:
  featureThree:
    variantOne: 0-20%
    variantTwo: 21-100%
`), experiment.WithName("experiments.yaml"))
	for _, w := range exp.Warnings() {
		fmt.Println(w)
	}
	// Output:
	// experiments.yaml:4:5: experiments.featureThree: variants "variantOne" (0-20%) and "variantTwo" (21-100%) leave 20-21% unassigned; ranges are half-open, so 20-100% would follow 0-20% without a gap
}

func ExampleBucket() {
	fmt.Println(experiment.Bucket("user-1", "salt-1"))
	// Output: 2865
}
