//go:build !linux

package difftest

import "os/exec"

// dieWithParent is Linux-only; elsewhere t.Cleanup alone stops the
// server.
func dieWithParent(cmd *exec.Cmd) {}
