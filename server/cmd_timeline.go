package server

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"rustypotato"
)

// Time travel (an extension; see docs/PROTOCOL.md): the timeline of the
// connection's branch, a key's past values, rollback, and a change feed
// that resumes from a seq.

func registerTimeline(t *table) {
	t.add(&Command{Name: "timeline", Arity: -1, Flags: flagReadonly | flagLoading | flagStale, Group: "timeline",
		Categories: cats("read slow"), Since: "7.0.0",
		Summary:    "Lists the changes on the connection's branch, with their seq, time, key, event and client (RustyPotato extension).",
		Complexity: "O(N) where N is the number of entries the timeline keeps",
		Syntax:     "[INFO] [SINCE seq|SINCE TIME unix-ms] [UNTIL seq|UNTIL TIME unix-ms] [KEY pattern] [COUNT count] [REV]",
		conn:       cmdTimeline})
	t.add(&Command{Name: "history", Arity: -2, Flags: flagReadonly | flagLoading | flagStale, Group: "timeline",
		FirstKey: 1, LastKey: 1, Categories: cats("read slow"), Since: "7.0.0",
		Summary:    "Returns a key's past values, newest first, with the seq and time of each change (RustyPotato extension).",
		Complexity: "O(N) where N is the number of entries the timeline keeps",
		Syntax:     "key [COUNT count]", conn: cmdHistory})
	t.add(&Command{Name: "rollback", Arity: -3, Flags: flagWrite | flagNoScript | flagNoQueue, Group: "timeline",
		Categories: cats("write slow dangerous"), Since: "7.0.0",
		Summary:    "Undoes the connection's branch's changes newer than a seq or a time, as one atomic step (RustyPotato extension).",
		Complexity: "O(N+K) where N is the number of entries undone and K the keys they touch",
		Syntax:     "TO seq|TO TIME unix-ms [DRY-RUN]", conn: cmdRollback})
	t.add(&Command{Name: "changes", Arity: -3, Flags: flagReadonly | flagLoading | flagStale, Group: "timeline",
		Categories: cats("read slow blocking"), Since: "7.0.0",
		Summary:    "Returns the changes newer than a seq, with their edits and values; waits for one with BLOCK (RustyPotato extension).",
		Complexity: "O(N) where N is the number of entries returned",
		Syntax:     "SINCE seq [COUNT count] [BLOCK milliseconds]", conn: cmdChanges})
}

// pointArg parses "seq" or "TIME unix-ms" at a[i], returning the seq or
// the time and the index after it.
func pointArg(a [][]byte, i int) (seq uint64, at time.Time, next int, ok bool) {
	if i < len(a) && eqFold(a[i], "time") {
		if i+1 >= len(a) {
			return 0, time.Time{}, 0, false
		}
		ms, err := strconv.ParseInt(string(a[i+1]), 10, 64)
		if err != nil || ms < 0 {
			return 0, time.Time{}, 0, false
		}
		return 0, time.UnixMilli(ms), i + 2, true
	}
	if i >= len(a) {
		return 0, time.Time{}, 0, false
	}
	n, err := strconv.ParseUint(string(a[i]), 10, 64)
	if err != nil {
		return 0, time.Time{}, 0, false
	}
	return n, time.Time{}, i + 1, true
}

func cmdTimeline(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) == 2 && eqFold(a[1], "info") {
		timelineInfo(c)
		return
	}
	if len(a) == 2 && eqFold(a[1], "help") {
		helpReply("TIMELINE", []string{
			"[SINCE <seq>|SINCE TIME <unix-ms>] [UNTIL <seq>|UNTIL TIME <unix-ms>] [KEY <pattern>] [COUNT <count>] [REV]",
			"    List the changes on the connection's branch (every database), oldest first.",
			"INFO", "    Show the timeline's first and last seq, entries, memory and retention.",
		})(c, a, nil)
		return
	}
	var args potato.TimelineArgs
	for i := 1; i < len(a); {
		switch {
		case eqFold(a[i], "since") || eqFold(a[i], "until"):
			seq, at, next, ok := pointArg(a, i+1)
			if !ok {
				c.replyErr("ERR value is not an integer or out of range")
				return
			}
			if eqFold(a[i], "since") {
				args.Since, args.SinceTime = seq, at
			} else {
				args.Until, args.UntilTime = seq, at
			}
			i = next
		case eqFold(a[i], "key") && i+1 < len(a):
			args.Match = string(a[i+1])
			i += 2
		case eqFold(a[i], "count") && i+1 < len(a):
			n, err := strconv.Atoi(string(a[i+1]))
			if err != nil || n < 0 {
				c.replyErr(errNotInt)
				return
			}
			args.Count = n
			i += 2
		case eqFold(a[i], "rev"):
			args.Rev = true
			i++
		default:
			c.replyErr(errSyntax)
			return
		}
	}
	var out []potato.TimelineEntry
	for te, err := range c.db.Timeline(args) {
		if err != nil {
			c.replyError(err)
			return
		}
		out = append(out, te)
	}
	c.w.AppendArrayLen(len(out))
	for i := range out {
		c.appendTimelineEntry(&out[i], false)
	}
}

// appendTimelineEntry writes one entry as a map; with edits, also its
// primitive changes with their before and after values (CHANGES).
func (c *Conn) appendTimelineEntry(te *potato.TimelineEntry, edits bool) {
	n := 9
	if edits {
		n++
	}
	c.w.AppendMapLen(n)
	c.w.AppendBulkString("seq")
	c.w.AppendInt(int64(te.Seq))
	c.w.AppendBulkString("time")
	c.w.AppendInt(te.Time.UnixMilli())
	c.w.AppendBulkString("db")
	c.w.AppendInt(int64(te.DB))
	c.w.AppendBulkString("key")
	c.w.AppendBulkString(te.Key)
	c.w.AppendBulkString("event")
	c.w.AppendBulkString(te.Op)
	c.w.AppendBulkString("command")
	c.w.AppendBulkString(te.Origin.Cmd)
	c.w.AppendBulkString("client-id")
	c.w.AppendInt(te.Origin.ClientID)
	c.w.AppendBulkString("client-name")
	c.w.AppendBulkString(te.Origin.ClientName)
	c.w.AppendBulkString("client-addr")
	c.w.AppendBulkString(te.Origin.ClientAddr)
	if !edits {
		return
	}
	c.w.AppendBulkString("edits")
	c.w.AppendArrayLen(len(te.Edits))
	for i := range te.Edits {
		ed := &te.Edits[i]
		c.w.AppendMapLen(6)
		c.w.AppendBulkString("edit")
		c.w.AppendBulkString(ed.Kind.String())
		c.w.AppendBulkString("field")
		c.w.AppendBulkString(ed.Field)
		c.w.AppendBulkString("index")
		c.w.AppendInt(int64(ed.Index))
		c.w.AppendBulkString("before")
		appendBulkOrNull(c, ed.Before)
		c.w.AppendBulkString("after")
		appendBulkOrNull(c, ed.After)
		c.w.AppendBulkString("deadline")
		c.w.AppendInt(ed.Deadline)
	}
}

func appendBulkOrNull(c *Conn, b []byte) {
	if b == nil {
		c.w.AppendNull()
	} else {
		c.w.AppendBulk(b)
	}
}

func timelineInfo(c *Conn) {
	ti := c.db.TimelineInfo()
	c.w.AppendMapLen(9)
	c.w.AppendBulkString("enabled")
	c.w.AppendBulkString(yesNo(ti.Enabled))
	c.w.AppendBulkString("first-seq")
	c.w.AppendInt(int64(ti.First))
	c.w.AppendBulkString("last-seq")
	c.w.AppendInt(int64(ti.Last))
	c.w.AppendBulkString("entries")
	c.w.AppendInt(int64(ti.Entries))
	c.w.AppendBulkString("bytes")
	c.w.AppendInt(ti.Bytes)
	c.w.AppendBulkString("max-entries")
	c.w.AppendInt(int64(ti.Options.MaxEntries))
	c.w.AppendBulkString("max-age-ms")
	c.w.AppendInt(ti.Options.MaxAge.Milliseconds())
	c.w.AppendBulkString("max-memory")
	c.w.AppendInt(ti.Options.MaxMemory)
	c.w.AppendBulkString("inherits")
	if ti.Inherits == "" {
		c.w.AppendNull()
	} else {
		c.w.AppendBulkString(ti.Inherits)
	}
}

func cmdHistory(c *Conn, a [][]byte, _ *potato.Tx) {
	count := 0
	switch {
	case len(a) == 4 && eqFold(a[2], "count"):
		n, err := strconv.Atoi(string(a[3]))
		if err != nil || n < 0 {
			c.replyErr(errNotInt)
			return
		}
		count = n
	case len(a) != 2:
		c.replyErr(errSyntax)
		return
	}
	hist, err := c.db.History(string(a[1]), count)
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendArrayLen(len(hist))
	for _, he := range hist {
		c.w.AppendMapLen(7)
		c.w.AppendBulkString("seq")
		c.w.AppendInt(int64(he.Seq))
		c.w.AppendBulkString("time")
		c.w.AppendInt(he.Time.UnixMilli())
		c.w.AppendBulkString("event")
		c.w.AppendBulkString(he.Op)
		c.w.AppendBulkString("command")
		c.w.AppendBulkString(he.Origin.Cmd)
		c.w.AppendBulkString("type")
		c.w.AppendBulkString(he.Type)
		c.w.AppendBulkString("value")
		switch {
		case he.Type == "none":
			c.w.AppendNull()
		case he.Items == nil:
			c.w.AppendBulk(he.Value)
		default:
			c.w.AppendArrayLen(len(he.Items))
			for _, it := range he.Items {
				c.w.AppendBulk(it)
			}
		}
		c.w.AppendBulkString("expire-at-ms")
		if he.ExpireAt.IsZero() {
			c.w.AppendInt(-1)
		} else {
			c.w.AppendInt(he.ExpireAt.UnixMilli())
		}
	}
}

func cmdRollback(c *Conn, a [][]byte, _ *potato.Tx) {
	if c.multi != nil {
		c.rejectQueued()
		c.replyErr("ERR ROLLBACK inside MULTI is not allowed")
		return
	}
	if !eqFold(a[1], "to") {
		c.replyErr(errSyntax)
		return
	}
	seq, at, next, ok := pointArg(a, 2)
	if !ok {
		c.replyErr("ERR value is not an integer or out of range")
		return
	}
	args := potato.RollbackArgs{Seq: seq, Time: at}
	switch {
	case next == len(a)-1 && eqFold(a[next], "dry-run"):
		args.DryRun = true
	case next != len(a):
		c.replyErr(errSyntax)
		return
	}
	var res potato.RollbackResult
	err := c.db.Update(func(tx *potato.Tx) error {
		tx.SetOrigin(c.origin("rollback"))
		var err error
		res, err = tx.RollbackTo(args)
		return err
	})
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendMapLen(3)
	c.w.AppendBulkString("to")
	c.w.AppendInt(int64(res.To))
	c.w.AppendBulkString("undone")
	c.w.AppendInt(int64(res.Undone))
	c.w.AppendBulkString("changes")
	c.w.AppendArrayLen(len(res.Changes))
	for _, ch := range res.Changes {
		c.w.AppendArrayLen(4)
		c.w.AppendInt(int64(ch.DB))
		c.w.AppendBulkString(ch.Key)
		c.w.AppendBulkString(ch.Action)
		c.w.AppendBulkString(ch.Type)
	}
}

// maxChangesBlock bounds CHANGES ... BLOCK: the wait holds the
// connection's goroutine (not a lock).
const maxChangesBlock = 10 * time.Minute

func cmdChanges(c *Conn, a [][]byte, _ *potato.Tx) {
	if !eqFold(a[1], "since") {
		c.replyErr(errSyntax)
		return
	}
	since, err := strconv.ParseUint(string(a[2]), 10, 64)
	if err != nil {
		c.replyErr(errNotInt)
		return
	}
	count, block := 0, time.Duration(0)
	for i := 3; i < len(a); i += 2 {
		if i+1 >= len(a) {
			c.replyErr(errSyntax)
			return
		}
		n, err := strconv.ParseInt(string(a[i+1]), 10, 64)
		switch {
		case err != nil || n < 0:
			c.replyErr(errNotInt)
			return
		case eqFold(a[i], "count"):
			count = int(min(n, 1<<30))
		case eqFold(a[i], "block"):
			block = min(time.Duration(n)*time.Millisecond, maxChangesBlock)
			if n == 0 {
				block = maxChangesBlock // BLOCK 0: wait (up to the bound)
			}
		default:
			c.replyErr(errSyntax)
			return
		}
	}
	if c.multi != nil {
		block = 0 // as XREAD in MULTI: never blocks
	}
	var out []potato.TimelineEntry
	if block > 0 {
		// A hang-up (or CLIENT KILL) ends the wait.
		ctx, stop := c.blockCtx()
		out, err = c.db.ChangesContext(ctx, since, count, block)
		stop()
		// CLIENT UNBLOCK (cmd_unblock.go): TIMEOUT answers as a timeout,
		// ERROR with its error (the cancelled wait may return no error).
		if out == nil && c.unblocked == unblockError {
			err = errUnblocked
		} else if err = c.unblockErr(err); errors.Is(err, potato.ErrNotFound) {
			out, err = nil, nil
		}
	} else {
		out, err = c.db.Changes(since, count, 0)
	}
	if err != nil {
		msg := errorText(err)
		if errors.Is(err, potato.ErrTimelineTrimmed) {
			// The consumer fell behind: a code of its own, like etcd's
			// "compacted" error, so that clients can resynchronize.
			msg = "TRIMMED " + strings.TrimPrefix(msg, "ERR ")
		}
		c.replyErr(msg)
		return
	}
	if out == nil && block > 0 {
		c.w.AppendNullArray()
		return
	}
	c.w.AppendArrayLen(len(out))
	for i := range out {
		c.appendTimelineEntry(&out[i], true)
	}
}

// addTimelineConfig registers the timeline's retention parameters (live).
// In them 0 means no bound (TimelineOptions uses a negative number).
func addTimelineConfig(cfg *config) {
	update := func(s *Server, fn func(o *potato.TimelineOptions)) {
		o := s.DB.TimelineOptions()
		fn(&o)
		s.DB.SetTimelineOptions(o)
	}
	bound := func(n int64) int64 {
		if n < 0 {
			return 0
		}
		return n
	}
	cfg.add(&param{name: "timeline", typ: "yes|no", def: "yes",
		doc: "Keep a timeline of every change per branch (TIMELINE, HISTORY, ROLLBACK, CHANGES). no drops it.",
		get: func(s *Server) string { return yesNo(!s.DB.TimelineOptions().Disabled) },
		set: func(s *Server, v string) error {
			b, err := parseYesNo(v)
			if err == nil {
				update(s, func(o *potato.TimelineOptions) { o.Disabled = !b })
			}
			return err
		}})
	intSet := func(memory bool, lo, hi int64, fn func(o *potato.TimelineOptions, n int64)) func(s *Server, v string) error {
		return func(s *Server, v string) error {
			var n int64
			var err error
			if memory {
				n, err = parseMemory(v)
			} else if n, err = strconv.ParseInt(v, 10, 64); err != nil {
				err = errors.New("argument couldn't be parsed into an integer")
			}
			if err != nil {
				return err
			}
			if n < lo || n > hi {
				return errors.New("argument must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10) + " inclusive")
			}
			update(s, func(o *potato.TimelineOptions) { fn(o, n) })
			return nil
		}
	}
	noBound := func(n int64) int64 {
		if n == 0 {
			return -1
		}
		return n
	}
	cfg.add(&param{name: "timeline-max-entries", typ: "integer", def: strconv.Itoa(potato.DefaultTimelineMaxEntries),
		doc: "Most timeline entries kept per branch (the oldest go first; 0: no bound).",
		get: func(s *Server) string { return strconv.FormatInt(bound(int64(s.DB.TimelineOptions().MaxEntries)), 10) },
		set: intSet(false, 0, 1<<40, func(o *potato.TimelineOptions, n int64) { o.MaxEntries = int(noBound(n)) })})
	cfg.add(&param{name: "timeline-max-age", typ: "integer", def: "0",
		doc: "Drop timeline entries older than this many seconds (0: no bound).",
		get: func(s *Server) string {
			return strconv.FormatInt(int64(s.DB.TimelineOptions().MaxAge/time.Second), 10)
		},
		set: intSet(false, 0, 1<<40, func(o *potato.TimelineOptions, n int64) { o.MaxAge = time.Duration(n) * time.Second })})
	cfg.add(&param{name: "timeline-max-memory", typ: "memory", def: strconv.Itoa(potato.DefaultTimelineMaxMemory),
		doc: "Most memory (estimated) the timeline keeps per branch (the oldest entries go first; 0: no bound).",
		get: func(s *Server) string { return strconv.FormatInt(bound(s.DB.TimelineOptions().MaxMemory), 10) },
		set: intSet(true, 0, 1<<50, func(o *potato.TimelineOptions, n int64) { o.MaxMemory = noBound(n) })})
}
