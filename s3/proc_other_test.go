//go:build !linux

package s3_test

import "os/exec"

// killWithParent does nothing here: only Linux can tie the server's life to
// the test binary's. TestMain stops the server when the tests end.
func killWithParent(cmd *exec.Cmd) {}
