package server_test

import (
	"rustypotato/server/servertest"
	"testing"
)

// TestMemoryStatsInsideExec: MEMORY DOCTOR and STATS queued in MULTI run
// while EXEC holds its keys' stripes; they must not wait for them (they
// deadlocked the connection).
func TestMemoryStatsInsideExec(t *testing.T) {
	c := dialRaw(t, servertest.New(t).Addr)
	for _, cmd := range [][]string{{"multi"}, {"set", "", "x"}, {"memory", "doctor"}, {"memory", "stats"}, {"exec"}} {
		c.do(cmd...)
	}
	if got := c.do("get", ""); got != `"x"` {
		t.Fatalf("after EXEC with MEMORY inside: %s", got)
	}
}
