package experiment

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestFuncMap checks which ruleset the template functions evaluate
// against: the one Middleware pinned in the Context, else the rules given
// to FuncMap; and that the deprecated ways keep what they did.
func TestFuncMap(t *testing.T) {
	on := mustParse(t, "experiments: {a: true}\n")
	off := mustParse(t, "experiments: {a: false}\n")
	live, err := Watch(t.Context(), SourceFunc(func(context.Context) ([]byte, error) {
		return []byte("experiments: {a: true}\n"), nil
	}), &WatchOptions{Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	tests := []struct {
		name   string
		funcs  template.FuncMap
		pinned *Ruleset // the ruleset Middleware pins; nil: a Context built without it
		want   string
	}{
		{"nil rules, no pin", FuncMap(nil), nil, "false"},
		{"a ruleset, no pin", FuncMap(on), nil, "true"},
		{"a live, no pin", FuncMap(live), nil, "true"},
		{"the pin wins over the rules", FuncMap(off), on, "true"},
		{"nil rules, pinned", FuncMap(nil), on, "true"},
		{"TemplateFuncs is FuncMap(nil)", TemplateFuncs(), on, "true"},
		{"TemplateFuncs without a pin", TemplateFuncs(), nil, "false"},
		{"Ruleset.FuncMap ignores the pin", off.FuncMap(), on, "false"},
		{"Live.FuncMap ignores the pin", live.FuncMap(), off, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := template.Must(template.New("p").Funcs(tt.funcs).Parse(`{{variantFor "a" .}}`))
			var got strings.Builder
			if tt.pinned == nil {
				if err := page.Execute(&got, ContextFor("u")); err != nil {
					t.Fatal(err)
				}
			} else {
				h := Middleware(tt.pinned, MiddlewareOptions{User: userFromQuery})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, c := FromRequest(r)
					if err := page.Execute(w, c); err != nil {
						t.Error(err)
					}
				}))
				got.WriteString(body(t, serve(t, h, "/?user=u")))
			}
			if diff := cmp.Diff(tt.want, got.String()); diff != "" {
				t.Errorf("variantFor (-want +got):\n%s", diff)
			}
		})
	}
}
