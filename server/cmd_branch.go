package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"rustypotato"
)

// The BRANCH family: git-style branches of the whole dataset (an
// extension; see docs/PROTOCOL.md). A connection works on one branch, as
// it works on one numbered database: BRANCH SWITCH is its SELECT.

func registerBranch(t *table) {
	br := t.add(&Command{Name: "branch", Arity: -2, Flags: flagLoading | flagStale, Group: "branch",
		Categories: cats("slow"), Since: "7.0.0", Summary: "A container for git-style branches of the whole dataset (RustyPotato extension).",
		Complexity: "Depends on subcommand."})
	sub := func(c *Command) {
		if c.Categories == nil {
			c.Categories = cats("slow")
		}
		// Never queued by MULTI: a transaction runs on one branch, and
		// these lock branches themselves (refuseInMulti refuses them).
		c.Flags |= flagNoQueue
		inner := c.conn
		c.conn = func(c *Conn, a [][]byte, tx *potato.Tx) {
			if !c.refuseInMulti() {
				inner(c, a, tx)
			}
		}
		c.Since = "7.0.0"
		t.addSub(br, c)
	}
	sub(&Command{Name: "create", Arity: -3, Flags: flagWrite | flagNoScript, Categories: cats("write slow"),
		Summary:    "Forks a branch (the connection's, or FROM parent) into a new branch, in O(1).",
		Complexity: "O(1), or with AT O(N+K) where N is the number of changes undone and K the keys they touch",
		Syntax:     "name [FROM parent] [AT seq|AT TIME unix-ms]", conn: cmdBranchCreate})
	sub(&Command{Name: "switch", Arity: 3, Flags: flagLoading | flagStale | flagFast | flagNoScript, Categories: cats("fast connection"),
		Summary: "Makes the connection read and write another branch.", Complexity: "O(1)", Syntax: "name",
		conn: cmdBranchSwitch})
	sub(&Command{Name: "current", Arity: 2, Flags: flagLoading | flagStale | flagFast, Categories: cats("fast connection"),
		Summary: "Returns the name of the connection's branch.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) { c.w.AppendBulkString(c.db.BranchName()) }})
	sub(&Command{Name: "list", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("read slow"),
		Summary:    "Lists the branches with their fork point, sequence number, changes and memory.",
		Complexity: "O(B+K) where B is the number of branches and K the keys changed on them", conn: cmdBranchList})
	sub(&Command{Name: "delete", Arity: 3, Flags: flagWrite | flagNoScript, Categories: cats("write slow"),
		Summary:    "Deletes a branch and frees what only it held.",
		Complexity: "O(K) where K is the number of keys only the branch held", Syntax: "name", conn: cmdBranchDelete})
	sub(&Command{Name: "diff", Arity: -4, Flags: flagReadonly, Categories: cats("read slow"),
		Summary:    "Lists the keys that differ between two branches.",
		Complexity: "O(K) where K is the number of keys written on either branch since their fork",
		Syntax:     "a b [MATCH pattern] [COUNT count] [ALLDBS]", conn: cmdBranchDiff})
	sub(&Command{Name: "merge", Arity: -3, Flags: flagWrite | flagDenyOOM | flagNoScript, Categories: cats("write slow"),
		Summary:    "Merges a branch into another (the connection's), three-way from their common ancestor.",
		Complexity: "O(K) where K is the number of keys written on either branch since their fork",
		Syntax:     "source [INTO target] [ON-CONFLICT fail|ours|theirs]", conn: cmdBranchMerge})
	sub(&Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Summary: "Returns helpful text about the different subcommands.",
		Complexity: "O(1)", conn: helpReply("BRANCH", []string{
			"CREATE <name> [FROM <parent>] [AT <seq>|AT TIME <unix-ms>]", "    Fork the connection's branch (or <parent>) as it is now (or was then) into <name>.",
			"SWITCH <name>", "    Read and write branch <name> on this connection.",
			"CURRENT", "    Return the name of the connection's branch.",
			"LIST", "    List the branches.",
			"DELETE <name>", "    Delete branch <name> (not main, not one a connection is on).",
			"DIFF <a> <b> [MATCH <pattern>] [COUNT <count>] [ALLDBS]", "    List the keys that differ from <a> to <b>.",
			"MERGE <source> [INTO <target>] [ON-CONFLICT fail|ours|theirs]", "    Merge <source> into <target> (default: the connection's branch).",
		})})
}

func cmdBranchCreate(c *Conn, a [][]byte, _ *potato.Tx) {
	var args potato.BranchArgs
	for i := 3; i < len(a); {
		switch {
		case eqFold(a[i], "from") && i+1 < len(a) && args.From == "":
			args.From = string(a[i+1])
			i += 2
		case eqFold(a[i], "at") && args.At == 0 && args.AtTime.IsZero():
			seq, at, next, ok := pointArg(a, i+1)
			if !ok {
				c.replyErr("ERR value is not an integer or out of range")
				return
			}
			if seq == 0 && at.IsZero() {
				at = time.UnixMilli(0) // AT 0: the very beginning
			}
			args.At, args.AtTime, i = seq, at, next
		default:
			c.replyErr("ERR syntax error")
			return
		}
	}
	if err := c.db.CreateBranch(string(a[2]), args); err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendOK()
}

func cmdBranchSwitch(c *Conn, a [][]byte, _ *potato.Tx) {
	db, err := c.db.Branch(string(a[2]))
	if err != nil {
		c.replyError(err)
		return
	}
	c.db = db
	c.w.AppendOK()
}

// refuseInMulti refuses a BRANCH subcommand inside MULTI (a transaction
// runs on one branch) and reports whether it did.
func (c *Conn) refuseInMulti() bool {
	if c.multi == nil {
		return false
	}
	c.rejectQueued() // EXEC will abort, as after any refused command
	c.replyErr("ERR BRANCH inside MULTI is not allowed")
	return true
}

func cmdBranchList(c *Conn, a [][]byte, _ *potato.Tx) {
	list := c.db.Branches()
	c.w.AppendArrayLen(len(list))
	for _, b := range list {
		c.w.AppendMapLen(7)
		c.w.AppendBulkString("name")
		c.w.AppendBulkString(b.Name)
		c.w.AppendBulkString("parent")
		if b.Parent == "" {
			c.w.AppendNull()
		} else {
			c.w.AppendBulkString(b.Parent)
		}
		c.w.AppendBulkString("fork-seq")
		c.w.AppendInt(int64(b.ForkSeq))
		c.w.AppendBulkString("created-ms")
		if b.Created.IsZero() {
			c.w.AppendInt(0)
		} else {
			c.w.AppendInt(b.Created.UnixMilli())
		}
		c.w.AppendBulkString("seq")
		c.w.AppendInt(int64(b.Seq))
		c.w.AppendBulkString("keys-changed")
		c.w.AppendInt(b.KeysChanged)
		c.w.AppendBulkString("bytes")
		c.w.AppendInt(b.Bytes)
	}
}

func cmdBranchDelete(c *Conn, a [][]byte, _ *potato.Tx) {
	name := string(a[2])
	if name != potato.MainBranch {
		if n := c.s.connsOnBranch(name); n > 0 {
			c.replyErr(fmt.Sprintf("ERR branch '%s' is in use by %d connection(s): they must switch first", name, n))
			return
		}
	}
	if err := c.db.DeleteBranch(name); err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendOK()
}

// connsOnBranch counts the connections working on branch name.
func (s *Server) connsOnBranch(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if sh := c.shown.Load(); sh != nil && sh.branch == name {
			n++
		}
	}
	return n
}

func cmdBranchDiff(c *Conn, a [][]byte, _ *potato.Tx) {
	var args potato.DiffArgs
	for j := 4; j < len(a); j++ {
		switch {
		case eqFold(a[j], "match") && j+1 < len(a):
			args.Match = string(a[j+1])
			j++
		case eqFold(a[j], "count") && j+1 < len(a):
			n, err := strconv.ParseInt(string(a[j+1]), 10, 64)
			if err != nil || n < 1 || n > 1<<31 {
				c.replyErr("ERR value is out of range, must be positive")
				return
			}
			args.Count = int(n)
			j++
		case eqFold(a[j], "alldbs"):
			args.AllDBs = true
		default:
			c.replyErr("ERR syntax error")
			return
		}
	}
	var out []potato.DiffEntry
	for e, err := range c.db.Diff(string(a[2]), string(a[3]), args) {
		if err != nil {
			c.replyError(err)
			return
		}
		out = append(out, e)
	}
	c.w.AppendArrayLen(len(out))
	for _, e := range out {
		n := 3
		if args.AllDBs {
			n++
		}
		detail := e.Fields
		detailName := "fields"
		if len(e.Paths) > 0 {
			detail, detailName = e.Paths, "paths"
		}
		if len(detail) > 0 {
			n++
		}
		if e.TTLChanged {
			n++
		}
		c.w.AppendMapLen(n)
		if args.AllDBs {
			c.w.AppendBulkString("db")
			c.w.AppendInt(int64(e.DB))
		}
		c.w.AppendBulkString("key")
		c.w.AppendBulkString(e.Key)
		c.w.AppendBulkString("change")
		c.w.AppendBulkString(e.Kind.String())
		c.w.AppendBulkString("type")
		c.w.AppendBulkString(e.Type)
		if len(detail) > 0 {
			c.w.AppendBulkString(detailName)
			c.w.AppendArrayLen(len(detail))
			for _, f := range detail {
				c.w.AppendBulkString(f)
			}
		}
		if e.TTLChanged {
			c.w.AppendBulkString("ttl-changed")
			c.w.AppendInt(1)
		}
	}
}

func cmdBranchMerge(c *Conn, a [][]byte, _ *potato.Tx) {
	src, dst := string(a[2]), c.db.BranchName()
	var args potato.MergeArgs
	for j := 3; j < len(a); j++ {
		switch {
		case eqFold(a[j], "into") && j+1 < len(a):
			dst = string(a[j+1])
			j++
		case eqFold(a[j], "on-conflict") && j+1 < len(a):
			p, err := potato.ParseOnConflict(string(a[j+1]))
			if err != nil {
				c.replyError(err)
				return
			}
			args.OnConflict = p
			j++
		default:
			c.replyErr("ERR syntax error")
			return
		}
	}
	res, err := c.db.Merge(src, dst, args)
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendMapLen(2)
	c.w.AppendBulkString("merged")
	c.w.AppendInt(int64(res.Merged))
	c.w.AppendBulkString("conflicts")
	c.w.AppendArrayLen(len(res.Conflicts))
	for _, cf := range res.Conflicts {
		detail := cf.Fields
		if len(cf.Paths) > 0 {
			detail = cf.Paths
		}
		c.w.AppendArrayLen(3)
		c.w.AppendInt(int64(cf.DB))
		c.w.AppendBulkString(cf.Key)
		c.w.AppendArrayLen(len(detail))
		for _, f := range detail {
			c.w.AppendBulkString(f)
		}
	}
}

// branchInfo writes INFO's "# Branches" section.
func (c *Conn) branchInfo(kv func(k string, v any)) {
	list := c.db.Branches()
	kv("branches", len(list))
	kv("current_branch", c.db.BranchName())
	for _, b := range list {
		var sb strings.Builder
		fmt.Fprintf(&sb, "parent=%s,fork_seq=%d,seq=%d,keys_changed=%d,bytes=%d", b.Parent, b.ForkSeq, b.Seq, b.KeysChanged, b.Bytes)
		kv("branch_"+b.Name, sb.String())
	}
}
