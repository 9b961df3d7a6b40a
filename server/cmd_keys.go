package server

import (
	"errors"
	"strconv"
	"time"

	"rustypotato"
)

func registerKeys(t *table) {
	gen := func(c *Command) *Command {
		c.Group = "generic"
		return t.add(c)
	}
	gen(&Command{Name: "del", Arity: -2, Flags: flagWrite, FirstKey: 1, LastKey: -1,
		Categories: cats("keyspace write slow"), Since: "1.0.0", Summary: "Deletes one or more keys.",
		Complexity: "O(N) where N is the number of keys that will be removed.", Syntax: "key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.Del(strs(a[1:])...)) }})
	gen(&Command{Name: "unlink", Arity: -2, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: -1,
		Categories: cats("keyspace write fast"), Since: "4.0.0", Summary: "Asynchronously deletes one or more keys.",
		Complexity: "O(1) for each key removed regardless of its size.", Syntax: "key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.Unlink(strs(a[1:])...)) }})
	gen(&Command{Name: "exists", Arity: -2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: -1,
		Categories: cats("keyspace read fast"), Since: "1.0.0", Summary: "Determines whether one or more keys exist.",
		Complexity: "O(N) where N is the number of keys to check.", Syntax: "key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.Exists(strs(a[1:])...)) }})
	gen(&Command{Name: "type", Arity: 2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("keyspace read fast"), Since: "1.0.0", Summary: "Determines the type of value stored at a key.",
		Complexity: "O(1)", Syntax: "key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			ty, err := tx.Type(string(a[1]))
			if err != nil {
				return err
			}
			c.w.AppendSimple(ty)
			return nil
		}})
	expire := func(name string, seconds, relative bool, since, summary, syntax string) {
		gen(&Command{Name: name, Arity: -3, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: 1,
			Categories: cats("keyspace write fast"), Since: since, Summary: summary,
			Complexity: "O(1)", Syntax: syntax, run: cmdExpire(seconds, relative)})
	}
	expire("expire", true, true, "1.0.0", "Sets the expiration time of a key in seconds.", "key seconds [NX | XX | GT | LT]")
	expire("pexpire", false, true, "2.6.0", "Sets the expiration time of a key in milliseconds.", "key milliseconds [NX | XX | GT | LT]")
	expire("expireat", true, false, "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", "key unix-time-seconds [NX | XX | GT | LT]")
	expire("pexpireat", false, false, "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "key unix-time-milliseconds [NX | XX | GT | LT]")
	ttl := func(name, since, summary string, run runFunc) {
		gen(&Command{Name: name, Arity: 2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: 1,
			Categories: cats("keyspace read fast"), Since: since, Summary: summary, Complexity: "O(1)", Syntax: "key", run: run})
	}
	ttl("ttl", "1.0.0", "Returns the expiration time in seconds of a key.", cmdTTL(false, false))
	ttl("pttl", "2.6.0", "Returns the expiration time in milliseconds of a key.", cmdTTL(true, false))
	ttl("expiretime", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", cmdTTL(false, true))
	ttl("pexpiretime", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", cmdTTL(true, true))
	gen(&Command{Name: "persist", Arity: 2, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("keyspace write fast"), Since: "2.2.0", Summary: "Removes the expiration time of a key.",
		Complexity: "O(1)", Syntax: "key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			ok, err := tx.Persist(string(a[1]))
			return c.replyInt(b2i(ok), err)
		}})
	gen(&Command{Name: "rename", Arity: 3, Flags: flagWrite, FirstKey: 1, LastKey: 2,
		Categories: cats("keyspace write slow"), Since: "1.0.0", Summary: "Renames a key and overwrites the destination.",
		Complexity: "O(1)", Syntax: "key newkey",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			if err := tx.Rename(string(a[1]), string(a[2])); err != nil {
				return err
			}
			c.w.AppendOK()
			return nil
		}})
	gen(&Command{Name: "renamenx", Arity: 3, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: 2,
		Categories: cats("keyspace write fast"), Since: "1.0.0", Summary: "Renames a key only when the target key name doesn't exist.",
		Complexity: "O(1)", Syntax: "key newkey",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			ok, err := tx.RenameNX(string(a[1]), string(a[2]))
			return c.replyInt(b2i(ok), err)
		}})
	gen(&Command{Name: "copy", Arity: -3, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 2,
		Categories: cats("keyspace write slow"), Since: "6.2.0", Summary: "Copies the value of a key to a new key.",
		Complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
		Syntax:     "source destination [DB destination-db] [REPLACE]", run: cmdCopy})
	gen(&Command{Name: "move", Arity: 3, Flags: flagWrite | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("keyspace write fast"), Since: "1.0.0", Summary: "Moves a key to another database.",
		Complexity: "O(1)", Syntax: "key db", run: cmdMove})
	gen(&Command{Name: "keys", Arity: 2, Flags: flagReadonly,
		Categories: cats("keyspace read slow dangerous"), Since: "1.0.0", Summary: "Returns all key names that match a pattern.",
		Complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
		Syntax:     "pattern",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			keys, err := tx.Keys(string(a[1]))
			if err != nil {
				return err
			}
			c.w.AppendArrayLen(len(keys))
			for _, k := range keys {
				c.w.AppendBulkString(k)
			}
			return nil
		}})
	gen(&Command{Name: "scan", Arity: -2, Flags: flagReadonly,
		Categories: cats("keyspace read slow"), Since: "2.8.0", Summary: "Iterates over the key names in the database.",
		Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
		Syntax:     "cursor [MATCH pattern] [COUNT count] [TYPE type]", run: cmdScan})
	gen(&Command{Name: "randomkey", Arity: 1, Flags: flagReadonly,
		Categories: cats("keyspace read slow"), Since: "1.0.0", Summary: "Returns a random key name from the database.",
		Complexity: "O(1)",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			k, err := tx.RandomKey()
			if errors.Is(err, potato.ErrNotFound) {
				c.w.AppendNull()
				return nil
			}
			if err != nil {
				return err
			}
			c.w.AppendBulkString(k)
			return nil
		}})
	gen(&Command{Name: "touch", Arity: -2, Flags: flagReadonly | flagFast, FirstKey: 1, LastKey: -1,
		Categories: cats("keyspace read fast"), Since: "3.2.1", Summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
		Complexity: "O(N) where N is the number of keys that will be touched.", Syntax: "key [key ...]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.Exists(strs(a[1:])...)) }})
	obj := gen(&Command{Name: "object", Arity: -2, Categories: cats("slow"), Since: "2.2.3",
		Summary: "A container for object introspection commands.", Complexity: "Depends on subcommand."})
	objSub := func(name, summary string, run runFunc) {
		t.addSub(obj, &Command{Name: name, Arity: 3, Flags: flagReadonly, FirstKey: 2, LastKey: 2,
			Categories: cats("keyspace read slow"), Since: "2.2.3", Summary: summary, Complexity: "O(1)", Syntax: "key", run: run})
	}
	objSub("encoding", "Returns the internal encoding of a Redis object.", cmdObject("encoding"))
	objSub("idletime", "Returns the time since the last access to a Redis object.", cmdObject("idletime"))
	objSub("refcount", "Returns the reference count of a value of a key.", cmdObject("refcount"))
	objSub("freq", "Returns the logarithmic access frequency counter of a Redis object.", cmdObject("freq"))
	t.addSub(obj, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("keyspace slow"),
		Since: "6.2.0", Summary: "Returns helpful text about the different subcommands.", Complexity: "O(1)",
		conn: helpReply("OBJECT", []string{
			"ENCODING <key>",
			"    Return the kind of internal representation used in order to store the value",
			"    associated with a <key>.",
			"FREQ <key>",
			"    Return the access frequency index of the <key>. The returned integer is",
			"    proportional to the logarithm of the recent access frequency of the key.",
			"IDLETIME <key>",
			"    Return the idle time of the <key>, that is the approximated number of",
			"    seconds elapsed since the last access to the key.",
			"REFCOUNT <key>",
			"    Return the number of references of the value associated with the specified",
			"    <key>.",
		})})
	gen(&Command{Name: "dbsize", Arity: 1, Flags: flagReadonly | flagFast, Group: "server",
		Categories: cats("keyspace read fast"), Since: "1.0.0", Summary: "Returns the number of keys in the database.",
		Complexity: "O(1)",
		run:        func(c *Conn, tx *potato.Tx, a [][]byte) error { return c.replyInt(tx.DBSize()) }}).Group = "server"
	flush := func(name, summary string, run runFunc) {
		t.add(&Command{Name: name, Arity: -1, Flags: flagWrite, Group: "server",
			Categories: cats("keyspace write slow dangerous"), Since: "1.0.0", Summary: summary,
			Complexity: "O(N) where N is the total number of keys in all databases", Syntax: "[ASYNC | SYNC]", run: run})
	}
	flush("flushdb", "Remove all keys from the current database.", func(c *Conn, tx *potato.Tx, a [][]byte) error {
		if err := flushMode(a); err != nil {
			return err
		}
		if err := tx.FlushDB(); err != nil {
			return err
		}
		c.w.AppendOK()
		return nil
	})
	flush("flushall", "Removes all keys from all databases.", func(c *Conn, tx *potato.Tx, a [][]byte) error {
		if err := flushMode(a); err != nil {
			return err
		}
		if err := tx.FlushAll(); err != nil {
			return err
		}
		c.w.AppendOK()
		return nil
	})
	t.add(&Command{Name: "swapdb", Arity: 3, Flags: flagWrite | flagFast, Group: "server",
		Categories: cats("keyspace write fast dangerous"), Since: "4.0.0", Summary: "Swaps two Redis databases.",
		Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
		Syntax:     "index1 index2",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			i1, ok1 := parseDBIndex(a[1])
			if !ok1 {
				return replyError("ERR invalid first DB index")
			}
			i2, ok2 := parseDBIndex(a[2])
			if !ok2 {
				return replyError("ERR invalid second DB index")
			}
			if err := tx.SwapDB(i1, i2); err != nil {
				return err
			}
			c.w.AppendOK()
			return nil
		}})
}

func parseDBIndex(b []byte) (int, bool) {
	v, err := parseInt(b)
	if err != nil || v < -1<<31 || v > 1<<31-1 {
		return 0, false
	}
	return int(v), true
}

func flushMode(a [][]byte) error {
	if len(a) > 2 || (len(a) == 2 && !eqFold(a[1], "async") && !eqFold(a[1], "sync")) {
		return replyError(errSyntax)
	}
	return nil
}

func strs(a [][]byte) []string {
	out := make([]string, len(a))
	for i, b := range a {
		out[i] = string(b)
	}
	return out
}

func cmdExpire(seconds, relative bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		cond := potato.ExpireAlways
		var nx, xx, gt, lt bool
		for _, o := range a[3:] {
			switch {
			case eqFold(o, "nx"):
				nx = true
			case eqFold(o, "xx"):
				xx = true
			case eqFold(o, "gt"):
				gt = true
			case eqFold(o, "lt"):
				lt = true
			default:
				return replyError("ERR Unsupported option " + sanitize(cText(o, 0)))
			}
		}
		if nx && (xx || gt || lt) {
			return replyError("ERR NX and XX, GT or LT options at the same time are not compatible")
		}
		if gt && lt {
			return replyError("ERR GT and LT options at the same time are not compatible")
		}
		// Whatever the order of the options: GT on a key without TTL
		// already fails, which covers XX+GT; XX+LT is checked below.
		switch {
		case gt:
			cond = potato.ExpireGT
		case lt:
			cond = potato.ExpireLT
		case nx:
			cond = potato.ExpireNX
		case xx:
			cond = potato.ExpireXX
		}
		when, err := parseInt(a[2])
		if err != nil {
			return err
		}
		name := string(toLower(a[0]))
		invalid := replyError("ERR invalid expire time in '" + name + "' command")
		if seconds {
			if when > (1<<63-1)/1000 || when < (-1<<63)/1000 {
				return invalid
			}
			when *= 1000
		}
		if relative {
			now := tx.Now().UnixMilli()
			if when > 1<<63-1-now {
				return invalid
			}
			when += now
		}
		if xx && lt {
			// XX+LT: only keys with a TTL, and only to shorten it.
			ttl, err := tx.TTL(string(a[1]))
			if err != nil || ttl == potato.NoExpiry {
				c.w.AppendInt(0)
				return nil
			}
		}
		ok, err := tx.ExpireArgs(string(a[1]), unixMilli(when), cond)
		return c.replyInt(b2i(ok), err)
	}
}

func cmdTTL(ms, abs bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		key := string(a[1])
		if abs {
			t, err := tx.ExpireTime(key)
			switch {
			case errors.Is(err, potato.ErrNotFound):
				c.w.AppendInt(-2)
			case err != nil:
				return err
			case t.IsZero():
				c.w.AppendInt(-1)
			case ms:
				c.w.AppendInt(t.UnixMilli())
			default:
				c.w.AppendInt(t.UnixMilli() / 1000)
			}
			return nil
		}
		// From the deadline, not tx.TTL: a time.Duration cannot hold a
		// deadline more than 292 years away, which Redis accepts.
		t, err := tx.ExpireTime(key)
		switch {
		case errors.Is(err, potato.ErrNotFound):
			c.w.AppendInt(-2)
		case err != nil:
			return err
		case t.IsZero():
			c.w.AppendInt(-1)
		default:
			left := max(t.UnixMilli()-tx.Now().UnixMilli(), 0)
			if !ms {
				left = (left + 500) / 1000
			}
			c.w.AppendInt(left)
		}
		return nil
	}
}

func cmdCopy(c *Conn, tx *potato.Tx, a [][]byte) error {
	dstDB := c.db.Index()
	replace := false
	for j := 3; j < len(a); j++ {
		switch {
		case eqFold(a[j], "replace"):
			replace = true
		case eqFold(a[j], "db") && j+1 < len(a):
			v, err := parseInt32(a[j+1])
			if err != nil {
				return err
			}
			if v < 0 || v >= potato.NumDBs {
				return potato.ErrDBIndex
			}
			dstDB = int(v)
			j++
		default:
			return replyError(errSyntax)
		}
	}
	ok, err := tx.Copy(string(a[1]), string(a[2]), dstDB, replace)
	return c.replyInt(b2i(ok), err)
}

func cmdMove(c *Conn, tx *potato.Tx, a [][]byte) error {
	v, err := parseInt32(a[2])
	if err != nil {
		return err
	}
	ok, err := tx.Move(string(a[1]), v)
	return c.replyInt(b2i(ok), err)
}

func cmdScan(c *Conn, tx *potato.Tx, a [][]byte) error {
	cursor, err := parseCursor(a[1])
	if err != nil {
		return err
	}
	var sa potato.ScanArgs
	emptyMatch := false // MATCH "" matches only the empty key; ScanArgs's "" means all
	for j := 2; j < len(a); j += 2 {
		if j+1 >= len(a) {
			return replyError(errSyntax)
		}
		switch {
		case eqFold(a[j], "match"):
			sa.Match = string(a[j+1])
			emptyMatch = len(a[j+1]) == 0
		case eqFold(a[j], "count"):
			n, err := parseInt(a[j+1])
			if err != nil {
				return err
			}
			if n < 1 {
				return replyError(errSyntax)
			}
			sa.Count = n
		case eqFold(a[j], "type"):
			sa.Type = string(a[j+1])
		default:
			return replyError(errSyntax)
		}
	}
	keys, next, err := tx.Scan(cursor, sa)
	if err != nil {
		return err
	}
	if emptyMatch {
		n := 0
		for _, k := range keys {
			if k == "" {
				keys[n] = k
				n++
			}
		}
		keys = keys[:n]
	}
	c.w.AppendArrayLen(2)
	c.w.AppendBulkString(strconv.FormatUint(next, 10))
	c.w.AppendArrayLen(len(keys))
	for _, k := range keys {
		c.w.AppendBulkString(k)
	}
	return nil
}

func cmdObject(what string) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		oi, err := tx.Object(string(a[2]))
		if errors.Is(err, potato.ErrNotFound) {
			c.w.AppendNull()
			return nil
		}
		if err != nil {
			return err
		}
		switch what {
		case "encoding":
			c.w.AppendBulkString(oi.Encoding)
		case "idletime":
			if p := c.s.DB.EvictionConfig().Policy; p == potato.AllKeysLFU || p == potato.VolatileLFU {
				return potato.ErrNoLRU
			}
			c.w.AppendInt(int64(oi.Idle / time.Second))
		case "refcount":
			c.w.AppendInt(oi.RefCount)
		case "freq":
			f, err := tx.Freq(string(a[2]))
			if err != nil {
				return err
			}
			c.w.AppendInt(f)
		}
		return nil
	}
}

// helpReply returns a handler that prints Redis-style HELP text.
func helpReply(cmd string, lines []string) connFunc {
	return func(c *Conn, a [][]byte, tx *potato.Tx) {
		all := append([]string{cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"}, lines...)
		all = append(all, "HELP", "    Prints this help.")
		c.w.AppendArrayLen(len(all))
		for _, l := range all {
			c.w.AppendSimple(l)
		}
	}
}
