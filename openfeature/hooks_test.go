package experimentprovider

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
)

// recordingHook records each stage it runs in, with the flag and, after
// the evaluation, its variant and version metadata.
type recordingHook struct {
	name string
	mu   sync.Mutex
	got  []string
}

func (h *recordingHook) add(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, h.name+" "+s)
}

func (h *recordingHook) Before(_ context.Context, hc openfeature.HookContext, _ openfeature.HookHints) (*openfeature.EvaluationContext, error) {
	h.add("before " + hc.FlagKey())
	return nil, nil
}

func (h *recordingHook) After(_ context.Context, hc openfeature.HookContext, d openfeature.InterfaceEvaluationDetails, _ openfeature.HookHints) error {
	v, _ := d.FlagMetadata.GetString(MetadataVersion)
	h.add("after " + hc.FlagKey() + " " + d.Variant + " version " + v)
	return nil
}

func (h *recordingHook) Error(_ context.Context, hc openfeature.HookContext, err error, _ openfeature.HookHints) {
	h.add("error " + hc.FlagKey())
}

func (h *recordingHook) Finally(_ context.Context, hc openfeature.HookContext, d openfeature.InterfaceEvaluationDetails, _ openfeature.HookHints) {
	h.add("finally " + hc.FlagKey())
}

// TestHooks checks that the SDK runs the hooks given to WithHooks, in
// order, around evaluations through the provider.
func TestHooks(t *testing.T) {
	rs, err := experiment.Parse([]byte("version: 5\nexperiments: {on: true}"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		hooks []*recordingHook
		want  []string
	}{
		{name: "none"},
		{
			name:  "two, in order",
			hooks: []*recordingHook{{name: "a"}, {name: "b"}},
			want: []string{
				"a before on", "b before on", "a after on default version 5", "b after on default version 5", "a finally on", "b finally on",
				"a before nope", "b before nope", "a error nope", "b error nope", "a finally nope", "b finally nope",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hooks []openfeature.Hook
			for _, h := range tt.hooks {
				hooks = append(hooks, h)
			}
			p := New(rs).WithHooks(hooks...)
			if got := len(p.Hooks()); got != len(tt.hooks) {
				t.Fatalf("Hooks() has %d hooks; want %d", got, len(tt.hooks))
			}
			api := isolated.NewAPI()
			defer api.Shutdown(context.Background())
			if err := api.SetProviderAndWait(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			client := api.NewClient()
			user := openfeature.NewEvaluationContext("u1", nil)
			if !client.Boolean(context.Background(), "on", false, user) {
				t.Error("on is off")
			}
			client.Boolean(context.Background(), "nope", false, user)
			// Compare each hook's own sequence.
			for _, h := range tt.hooks {
				var want []string
				for _, w := range tt.want {
					if w[:len(h.name)+1] == h.name+" " {
						want = append(want, w)
					}
				}
				if diff := cmp.Diff(want, h.got); diff != "" {
					t.Errorf("hook %s (-want +got):\n%s", h.name, diff)
				}
			}
		})
	}
}

// TestWithHooksReplaces checks that WithHooks replaces the hooks, and that
// no hooks or nil hooks clear them.
func TestWithHooksReplaces(t *testing.T) {
	a, b := &recordingHook{name: "a"}, &recordingHook{name: "b"}
	p := New(nil)
	if p.Hooks() != nil {
		t.Errorf("a new provider has hooks %v", p.Hooks())
	}
	if p.WithHooks(a) != p {
		t.Error("WithHooks did not return its provider")
	}
	p.WithHooks(b, nil)
	if got := p.Hooks(); len(got) != 1 || got[0] != openfeature.Hook(b) {
		t.Errorf("hooks after WithHooks(b, nil): %v; want [b]", got)
	}
	p.WithHooks(nil)
	if p.Hooks() != nil {
		t.Errorf("WithHooks(nil) left hooks %v", p.Hooks())
	}
}
