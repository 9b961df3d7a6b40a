package server

import (
	"rustypotato"
)

func registerHLL(t *table) {
	hll := func(c *Command) *Command {
		c.Group = "hyperloglog"
		return t.add(c)
	}
	hll(&Command{Name: "pfadd", Arity: -2, Flags: flagWrite | flagDenyOOM | flagFast, FirstKey: 1, LastKey: 1,
		Categories: cats("write hyperloglog fast"), Since: "2.8.9", Summary: "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
		Complexity: "O(1) to add every element.", Syntax: "key [element [element ...]]",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			ok, err := tx.PFAdd(string(a[1]), a[2:]...)
			return c.replyInt(b2i(ok), err)
		}})
	hll(&Command{Name: "pfcount", Arity: -2, Flags: flagReadonly, FirstKey: 1, LastKey: -1,
		Categories: cats("read hyperloglog slow"), Since: "2.8.9", Summary: "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
		Complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
		Syntax:     "key [key ...]", mayWrite: true,
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			keys := make([]string, len(a)-1)
			for i := range keys {
				keys[i] = string(a[i+1])
			}
			return c.replyInt(tx.PFCount(keys...))
		}})
	hll(&Command{Name: "pfmerge", Arity: -2, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: -1,
		Categories: cats("write hyperloglog slow"), Since: "2.8.9", Summary: "Merges one or more HyperLogLog values into a single key.",
		Complexity: "O(N) to merge N HyperLogLogs, but with high constant times.", Syntax: "destkey [sourcekey [sourcekey ...]]",
		keys: pfmergeKeys,
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			src := make([]string, len(a)-2)
			for i := range src {
				src[i] = string(a[i+2])
			}
			if err := tx.PFMerge(string(a[1]), src...); err != nil {
				return err
			}
			c.w.AppendOK()
			return nil
		}})
	hll(&Command{Name: "pfdebug", Arity: 3, Flags: flagWrite | flagDenyOOM | flagAdmin, FirstKey: 2, LastKey: 2,
		Categories: cats("write hyperloglog admin slow dangerous"), Since: "2.8.9", Summary: "Internal commands for debugging HyperLogLog values.",
		Complexity: "N/A", Syntax: "subcommand key",
		run: func(c *Conn, tx *potato.Tx, a [][]byte) error {
			d, err := tx.PFDebug(string(a[1]), string(a[2]))
			if err != nil {
				return err
			}
			switch {
			case eqFold(a[1], "getreg"):
				c.w.AppendArrayLen(len(d.Registers))
				for _, r := range d.Registers {
					c.w.AppendInt(int64(r))
				}
			case eqFold(a[1], "decode"):
				c.w.AppendBulkString(d.Decoded)
			case eqFold(a[1], "encoding"):
				c.w.AppendSimple(d.Encoding)
			default: // todense
				c.w.AppendInt(b2i(d.Converted))
			}
			return nil
		}})
}

// pfmergeKeys are PFMERGE's keys as Redis 7.0's key specs find them: its
// second spec (the sources, from index 2) makes a call without sources
// "no keys" for COMMAND GETKEYS and ACLs. The transaction still locks
// the destination when it reads it.
func pfmergeKeys(args [][]byte) [][]byte {
	if len(args) < 3 {
		return nil
	}
	return args[1:]
}
