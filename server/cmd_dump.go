package server

import (
	"bytes"

	"rustypotato"
)

func registerDump(t *table) {
	gen := func(c *Command) {
		c.Group = "generic"
		t.add(c)
	}
	gen(&Command{Name: "dump", Arity: 2, Flags: flagReadonly, FirstKey: 1, LastKey: 1,
		Categories: cats("keyspace read slow"), Since: "2.6.0",
		Summary:    "Returns a serialized representation of the value stored at a key.",
		Complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
		Syntax:     "key", run: cmdDump})
	gen(&Command{Name: "restore", Arity: -4, Flags: flagWrite | flagDenyOOM, FirstKey: 1, LastKey: 1,
		Categories: cats("keyspace write slow dangerous"), Since: "2.6.0",
		Summary:    "Creates a key from the serialized representation of a value.",
		Complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
		Syntax:     "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]", run: cmdRestore})
}

func cmdDump(c *Conn, tx *potato.Tx, a [][]byte) error {
	v, err := tx.Dump(string(a[1]))
	return c.replyBulkOrNil(v, err)
}

// cmdRestore parses RESTORE's options in Redis's order (restoreCommand):
// options first, then BUSYKEY, then the TTL, then the payload.
func cmdRestore(c *Conn, tx *potato.Tx, a [][]byte) error {
	r := potato.RestoreArgs{IdleTime: -1, Freq: -1}
	for j := 4; j < len(a); j++ {
		more := len(a) - j - 1
		switch {
		case bytes.EqualFold(a[j], []byte("replace")):
			r.Replace = true
		case bytes.EqualFold(a[j], []byte("absttl")):
			r.AbsTTL = true
		case bytes.EqualFold(a[j], []byte("idletime")) && more >= 1 && r.Freq == -1:
			v, err := parseInt(a[j+1])
			if err != nil {
				return err
			}
			if v < 0 {
				return replyError("ERR Invalid IDLETIME value, must be >= 0")
			}
			r.IdleTime = v
			j++
		case bytes.EqualFold(a[j], []byte("freq")) && more >= 1 && r.IdleTime == -1:
			v, err := parseInt(a[j+1])
			if err != nil {
				return err
			}
			if v < 0 || v > 255 {
				return replyError("ERR Invalid FREQ value, must be >= 0 and <= 255")
			}
			r.Freq = v
			j++
		default:
			return replyError(errSyntax)
		}
	}
	key := string(a[1])
	if !r.Replace {
		if n, _ := tx.Exists(key); n > 0 {
			return potato.ErrBusyKey
		}
	}
	ttl, err := parseInt(a[2])
	if err != nil {
		return err
	}
	r.TTL = ttl
	if err := tx.Restore(key, a[3], r); err != nil {
		return err
	}
	c.w.AppendOK()
	return nil
}
