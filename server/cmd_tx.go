package server

import (
	"errors"
	"time"

	"rustypotato"
)

// multiState is a connection's MULTI block: the queued commands, and
// whether one was refused while queuing (EXEC then fails with EXECABORT).
type multiState struct {
	cmds    []queued
	dirty   bool
	denyoom bool // a queued command is denyoom: EXEC checks memory (cmd_evict.go)
}

type queued struct {
	cmd  *Command
	args [][]byte
}

func registerTx(t *table) {
	tx := func(c *Command) {
		c.Group = "transactions"
		c.Flags |= flagNoScript | flagLoading | flagStale | flagFast
		t.add(c)
	}
	tx(&Command{Name: "multi", Arity: 1, Flags: flagNoQueue, Categories: cats("fast transaction"), Since: "1.2.0",
		Summary: "Starts a transaction.", Complexity: "O(1)", conn: cmdMulti})
	tx(&Command{Name: "exec", Arity: 1, Flags: flagNoQueue, Categories: cats("slow transaction"), Since: "1.2.0",
		Summary: "Executes all commands in a transaction.", Complexity: "Depends on commands in the transaction", conn: cmdExec})
	t.cmds["exec"].Flags &^= flagFast
	tx(&Command{Name: "discard", Arity: 1, Flags: flagNoQueue, Categories: cats("fast transaction"), Since: "2.0.0",
		Summary: "Discards a transaction.", Complexity: "O(N), when N is the number of queued commands", conn: cmdDiscard})
	tx(&Command{Name: "watch", Arity: -2, Flags: flagNoQueue, FirstKey: 1, LastKey: -1, Categories: cats("fast transaction"), Since: "2.2.0",
		Summary: "Monitors changes to keys to determine the execution of a transaction.", Complexity: "O(1) for every key.",
		Syntax: "key [key ...]", conn: cmdWatch})
	tx(&Command{Name: "unwatch", Arity: 1, Categories: cats("fast transaction"), Since: "2.2.0",
		Summary: "Forgets about watched keys of a transaction.", Complexity: "O(1)", conn: cmdUnwatch})
}

// queue adds a command to the MULTI block. Its arguments are copied: they
// alias the reader's buffer.
func (c *Conn) queue(cmd *Command, args [][]byte) {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	cp := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		cp[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	c.multi.cmds = append(c.multi.cmds, queued{cmd: cmd, args: cp})
	if cmd.Flags&flagDenyOOM != 0 {
		c.multi.denyoom = true
	}
	c.w.AppendSimple("QUEUED")
}

// rejectQueued marks the MULTI block failed after a command was refused
// while queuing (unknown command, wrong arity).
func (c *Conn) rejectQueued() {
	if c.multi != nil {
		c.multi.dirty = true
	}
}

func cmdMulti(c *Conn, a [][]byte, _ *potato.Tx) {
	if c.multi != nil {
		c.replyErr("ERR MULTI calls can not be nested")
		return
	}
	c.multi = &multiState{}
	c.w.AppendOK()
}

func (c *Conn) unwatch() {
	if c.watcher != nil {
		c.watcher.Close()
		c.watcher = nil
	}
}

func cmdDiscard(c *Conn, a [][]byte, _ *potato.Tx) {
	if c.multi == nil {
		c.replyErr("ERR DISCARD without MULTI")
		return
	}
	c.multi = nil
	c.unwatch()
	c.w.AppendOK()
}

func cmdWatch(c *Conn, a [][]byte, _ *potato.Tx) {
	if c.multi != nil {
		c.replyErr("ERR WATCH inside MULTI is not allowed")
		return
	}
	keys := strs(a[1:])
	if c.watcher == nil {
		c.watcher = c.db.WatchKeys(keys...)
	} else {
		c.watcher.Add(c.db, keys...)
	}
	c.w.AppendOK()
}

func cmdUnwatch(c *Conn, a [][]byte, _ *potato.Tx) {
	c.unwatch()
	c.w.AppendOK()
}

func cmdExec(c *Conn, a [][]byte, _ *potato.Tx) {
	if c.multi == nil {
		c.replyErr("ERR EXEC without MULTI")
		return
	}
	m := c.multi
	c.multi = nil
	w := c.watcher
	c.watcher = nil
	if w != nil {
		defer w.Close()
	}
	if m.dirty {
		c.replyErr("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	// Lock every key the block names (in the current database) up front;
	// keys of other databases (after a queued SELECT) lock on first use.
	var keys []string
	for _, q := range m.cmds {
		if q.cmd.Name == "select" {
			break
		}
		keys = append(keys, c.keysOf(q.cmd, q.args)...)
	}
	mark := c.w.Len()
	db0 := c.db
	err := db0.UpdateKeys(keys, func(tx *potato.Tx) error {
		c.w.Truncate(mark)
		c.db = db0
		if err := tx.Select(db0.Index()); err != nil {
			return err
		}
		if w != nil {
			if err := tx.Check(w); err != nil {
				return err
			}
		}
		c.w.AppendArrayLen(len(m.cmds))
		for _, q := range m.cmds {
			// ACLs may have changed since the command was queued (acl.go).
			if msg := c.aclExecDeny(q.cmd, q.args); msg != "" {
				c.replyErr(msg)
				continue
			}
			start := time.Now()
			c.call(q.cmd, q.args, tx)
			q.cmd.stats.calls.Add(1)
			// Each queued command is timed and observed on its own
			// (histogram, SLOWLOG, MONITOR), as Redis's call() does.
			c.observeCmd(q.cmd, q.args, time.Since(start))
		}
		return nil
	})
	switch {
	case errors.Is(err, potato.ErrTxAborted):
		c.w.Truncate(mark)
		c.w.AppendNullArray()
	case err != nil:
		c.w.Truncate(mark)
		c.replyError(err)
	}
}
