package s3_test

import (
	"os/exec"
	"syscall"
)

// killWithParent has the kernel kill the server if the test binary dies
// without stopping it (a panic, go test's -timeout), so none is left behind.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
