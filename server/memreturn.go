package server

import (
	"runtime/debug"
	"sync"
	"time"
)

// Large bulks: the reader takes each bulk past resp.BigArg into a buffer
// of its own and drops it when the next command begins, and the writer
// drops a reply buffer past 1 MB after flushing it. The Go runtime gives
// freed pages back to the operating system only slowly, though, so after
// a command that moved a lot of bytes the server returns memory itself,
// as Redis (jemalloc) does at once: a short while after the last such
// command, one debug.FreeOSMemory.

// bigCommand is how many bytes of args or reply make a command big
// enough to return memory after it.
const bigCommand = 32 << 20

// memReturnDelay is how long after the last big command memory is
// returned (one FreeOSMemory for a burst of big commands).
const memReturnDelay = 200 * time.Millisecond

// freeOSMemory is debug.FreeOSMemory (a variable for tests).
var freeOSMemory = debug.FreeOSMemory

// memReturner debounces FreeOSMemory calls.
type memReturner struct {
	mu    sync.Mutex // guards timer
	timer *time.Timer
}

// note schedules a FreeOSMemory memReturnDelay from now.
func (m *memReturner) note() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.timer == nil {
		m.timer = time.AfterFunc(memReturnDelay, func() { freeOSMemory() })
		return
	}
	m.timer.Reset(memReturnDelay)
}

// afterBig is called after each command: a big one, or a FLUSHALL or
// FLUSHDB (which may free any amount), schedules a return of memory once
// its buffers are dropped.
func (c *Conn) afterBig(args [][]byte) {
	if c.r.BigBytes() >= bigCommand || c.w.Len() >= bigCommand || eqFold(args[0], "flushall") || eqFold(args[0], "flushdb") {
		c.s.mem.note()
	}
}
