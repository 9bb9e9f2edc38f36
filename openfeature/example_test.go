package experimentprovider_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"sync"
	"time"

	"github.com/inprocess/experiment"
	experimentprovider "github.com/inprocess/experiment/openfeature"
	"github.com/open-feature/go-sdk/openfeature"
)

func Example() {
	rs, err := experiment.Parse([]byte(`
version: 3
experiments:
  newCheckout: true
  killSwitch: false
  buttonColor:
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
    variants:
      red:
        allocation: 0-50%
        payload: {hex: "#cc0000", size: 14}
      green:
        allocation: 50-100%
        payload: {hex: "#00cc66", size: 16}
`))
	if err != nil {
		log.Fatal(err)
	}
	if err := openfeature.SetProviderAndWait(experimentprovider.New(rs)); err != nil {
		log.Fatal(err)
	}
	defer openfeature.Shutdown()

	client := openfeature.NewDefaultClient()
	ctx := context.Background()
	alice := openfeature.NewEvaluationContext("alice", map[string]any{"country": "US"})
	pierre := openfeature.NewEvaluationContext("pierre", map[string]any{"country": "FR"})

	on, _ := client.BooleanValueDetails(ctx, "newCheckout", false, alice)
	fmt.Println("newCheckout:", on.Value, on.Reason)
	off, _ := client.BooleanValueDetails(ctx, "killSwitch", true, alice)
	fmt.Println("killSwitch:", off.Value, off.Reason)

	color, _ := client.StringValueDetails(ctx, "buttonColor", "blue", alice)
	fmt.Println("alice:", color.Value, color.Reason, "version", color.FlagMetadata[experimentprovider.MetadataVersion])
	style, _ := client.ObjectValue(ctx, "buttonColor", nil, alice)
	fmt.Println("alice's style:", style)
	color, _ = client.StringValueDetails(ctx, "buttonColor", "blue", pierre)
	fmt.Println("pierre:", color.Value, color.Reason, color.FlagMetadata[experimentprovider.MetadataReason])

	_, err = client.IntValue(ctx, "buttonColor", 12, alice)
	fmt.Println(err)
	// Output:
	// newCheckout: true STATIC
	// killSwitch: false DISABLED
	// alice: red SPLIT version 3
	// alice's style: map[hex:#cc0000 size:14]
	// pierre: blue DEFAULT targeting
	// error code: TYPE_MISMATCH: experimentprovider: buttonColor: the payload of variant "red" is an object, want an integer
}

// ExampleWatch serves a config from a Source the provider watches, and
// listens for its events.
func ExampleWatch() {
	var (
		mu      sync.Mutex
		version = 1
	)
	src := experiment.SourceFunc(func(ctx context.Context) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Appendf(nil, "version: %d\nexperiments:\n  newCheckout: 50%%\n", version), nil
	})
	provider := experimentprovider.Watch(src, &experiment.WatchOptions{
		Interval: time.Minute,
		Logger:   slog.New(slog.DiscardHandler),
	})
	changed := make(chan openfeature.EventDetails, 1)
	onChange := func(d openfeature.EventDetails) { changed <- d }
	openfeature.AddHandler(openfeature.ProviderConfigChange, &onChange)

	if err := openfeature.SetProviderAndWait(provider); err != nil {
		log.Fatal(err) // the first load failed; polling goes on
	}
	defer openfeature.Shutdown() // closes the provider's Live

	client := openfeature.NewDefaultClient()
	user := openfeature.NewEvaluationContext("alice", nil)
	d, _ := client.BooleanValueDetails(context.Background(), "newCheckout", false, user)
	fmt.Println(d.Value, d.Reason, d.FlagMetadata[experimentprovider.MetadataVersion])

	mu.Lock()
	version = 2
	mu.Unlock()
	_ = provider.Live().Reload(context.Background()) // or wait for the next poll
	fmt.Println((<-changed).Message)
	// Output:
	// true SPLIT 1
	// config version 2 replaced version 1
}
