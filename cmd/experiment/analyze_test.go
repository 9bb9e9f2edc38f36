package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeRunsTheProgram: analyze runs experiment-analyze from PATH
// with its arguments and passes its output and exit status through; without
// it, it says how to install it.
func TestAnalyzeRunsTheProgram(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "-experiment", "x"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "go install github.com/inprocess/experiment/analysis/cmd/experiment-analyze") {
		t.Fatalf("without the program: exit %d, stderr %q", code, errb.String())
	}
	script := "#!/bin/sh\necho \"args: $*\"\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, "experiment-analyze"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"analyze", "-experiment", "x", "-json"}, &out, &errb); code != 3 || out.String() != "args: -experiment x -json\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and the arguments passed through", code, out.String(), errb.String())
	}
}
