package decide

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// hangGuard is how long a test waits for the server to do something
// before it fails: far more than any of it takes on a loaded machine.
const hangGuard = 30 * time.Second

// prodYAML is a config with a targeted experiment and one for everyone;
// its version is a %d.
const prodYAML = `
version: %d
experiments:
  checkout:
    id: exp-42
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
    variants:
      control: {id: var-1, allocation: 0-50%%, payload: {color: "#0066cc"}}
      treatment: {id: var-2, allocation: 50-100%%, payload: {color: "#00cc66"}}
  everyone: true
`

var quiet = slog.New(slog.DiscardHandler)

// writeFile writes data to path through a temporary file and a rename.
func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".tmp", []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// newTestServer is a started Server with cfg serving environment "prod"
// (prodYAML version 1) from a file, without a listener: tests call its
// handler with crafted requests. It closes at the end of the test.
func newTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	prod := filepath.Join(t.TempDir(), "prod.yaml")
	writeFile(t, prod, fmt.Sprintf(prodYAML, 1))
	cfg.Environments = append([]Environment{{Name: "prod", Source: prod}}, cfg.Environments...)
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	return startServer(t, cfg, "prod")
}

// startServer starts a Server for cfg and waits until the environments
// in wait have a config.
func startServer(t testing.TB, cfg Config, wait ...string) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	for _, env := range wait {
		waitConfig(t, s, env)
	}
	return s
}

// waitConfig waits until env has a config.
func waitConfig(t testing.TB, s *Server, env string) {
	t.Helper()
	for deadline := time.Now().Add(hangGuard); ; time.Sleep(time.Millisecond) {
		if e := s.envs.lookup(env); e != nil && e.config() != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("environment %q has no config after %v", env, hangGuard)
		}
	}
}
