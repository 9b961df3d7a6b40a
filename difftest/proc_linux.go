package difftest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd's process when the test
// binary dies (a panic or a -timeout skips t.Cleanup), so no
// redis-server outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
