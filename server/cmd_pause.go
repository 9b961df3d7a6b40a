package server

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato"
	"rustypotato/internal/num"
)

// pauseCtl is the state of CLIENT PAUSE: while cur is set and its end is
// ahead, commands of other clients (all, or only writes for WRITE) wait
// in dispatch (waitPause).
type pauseCtl struct {
	mu  sync.Mutex
	cur atomic.Pointer[pauseState]
}

// pauseState is one pause; done is closed when it is replaced or lifted,
// so that waiters look again.
type pauseState struct {
	until  time.Time
	all    bool
	pauser int64 // the client that paused, which is not held
	done   chan struct{}
}

// pauseWrites are the commands Redis flags may-replicate that a WRITE
// pause holds besides the write commands.
var pauseWrites = map[string]bool{"eval": true, "evalsha": true, "fcall": true, "publish": true, "spublish": true,
	"exec": true, "pfcount": true, "script|load": true, "script|flush": true, "function|load": true,
	"function|delete": true, "function|flush": true, "function|restore": true}

func (p *pauseCtl) set(ps *pauseState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.cur.Load(); old != nil {
		if time.Now().Before(old.until) {
			// Redis keeps the later end and the stricter kind.
			if old.until.After(ps.until) {
				ps.until = old.until
			}
			ps.all = ps.all || old.all
		}
		close(old.done)
	}
	p.cur.Store(ps)
}

func (p *pauseCtl) lift() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.cur.Swap(nil); old != nil {
		close(old.done)
	}
}

// waitPause holds the command while a CLIENT PAUSE covers it: until the
// pause ends, is lifted by CLIENT UNPAUSE, or the client hangs up. The
// connection counts as idle meanwhile (graceful Shutdown closes it).
func (c *Conn) waitPause(cmd *Command) {
	for {
		ps := c.s.pause.cur.Load()
		if ps == nil || ps.pauser == c.id || cmd.full == "client|unpause" {
			return
		}
		if !ps.all && cmd.Flags&flagWrite == 0 && !cmd.mayWrite && !pauseWrites[cmd.full] {
			return
		}
		d := time.Until(ps.until)
		if d <= 0 {
			return
		}
		c.w.Flush()
		c.busy.Store(false)
		t := time.NewTimer(d)
		select {
		case <-ps.done:
		case <-t.C:
		case <-c.ctx.Done():
		}
		t.Stop()
		c.busy.Store(true)
		if c.ctx.Err() != nil {
			return
		}
	}
}

// cmdClientPause is CLIENT PAUSE timeout [WRITE|ALL].
func cmdClientPause(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 4 {
		c.replyErr("ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.")
		return
	}
	all := true
	if len(a) == 4 {
		switch strings.ToLower(string(a[3])) {
		case "all":
		case "write":
			all = false
		default:
			c.replyErr("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	ms, ok := num.ParseInt(a[2])
	if !ok {
		c.replyErr("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		c.replyErr("ERR timeout is negative")
		return
	}
	c.s.pause.set(&pauseState{until: time.Now().Add(time.Duration(ms) * time.Millisecond), all: all, pauser: c.id, done: make(chan struct{})})
	c.w.AppendOK()
}
