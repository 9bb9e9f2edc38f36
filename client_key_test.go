package experiment

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestClientKey checks the long-form key client: true, which marks an
// experiment for services that answer browsers and apps, and its
// description in Experiments.
func TestClientKey(t *testing.T) {
	rs, err := Load("testdata/client.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, x := range rs.Experiments() {
		got[x.Key] = x.Client
	}
	if diff := cmp.Diff(map[string]bool{"banner": true, "pricing": false, "internal": false, "short": false}, got); diff != "" {
		t.Errorf("Client (-want +got):\n%s", diff)
	}
	_, err = Parse([]byte("experiments:\n  banner:\n    client: yes please\n    variants: {on: {allocation: 100%}}\n"))
	if err == nil || !strings.Contains(err.Error(), `experiments.banner.client: expected true or false, found`) {
		t.Errorf("client: yes please: %v; want an error naming the key", err)
	}
}
