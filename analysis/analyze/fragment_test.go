package analyze

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestHTMLFragment: the fragment is exactly the report page's content
// under its title, with both plots of every metric, and PlotCSS is in the
// page's stylesheet.
func TestHTMLFragment(t *testing.T) {
	ex, ev, _ := inputs(t)
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"-exposures", ex, "-events", ev, "-experiment", "checkout", "-metric", "purchase:mean",
		"-metric", "purchase", "-json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var r Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	frag, err := HTMLFragment(&r)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, &r); err != nil {
		t.Fatal(err)
	}
	want := "<h1>checkout</h1>\n" + string(frag) + "</body>"
	if !strings.Contains(page.String(), want) {
		t.Errorf("the page does not hold the fragment under its title:\n%s", frag)
	}
	if !strings.Contains(page.String(), PlotCSS+"</style>") || !strings.Contains(PlotCSS, ".plot .band") {
		t.Errorf("PlotCSS %q is not the page's plot stylesheet", PlotCSS)
	}
	for _, s := range []string{`<svg class="plot intervals"`, `<svg class="plot cumulative"`} {
		if n := strings.Count(string(frag), s); n != 2 {
			t.Errorf("%d of %s, want 2 (one per metric)", n, s)
		}
	}
	if strings.Contains(string(frag), "style=") || strings.Contains(string(frag), "<script") {
		t.Error("the fragment has a style attribute or a script: a strict CSP would block it")
	}
}
