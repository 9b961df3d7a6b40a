package server

import (
	"context"
	"errors"
	"time"

	"rustypotato"
	"rustypotato/internal/num"
)

// Small Redis 7.0 commands that clients and Redis's own test suite call:
// LCS, WAIT (no replicas: 0), ROLE (always a master), LOLWUT.
func registerCompat(t *table) {
	t.add(&Command{Name: "lcs", Arity: -3, Flags: flagReadonly, FirstKey: 1, LastKey: 2, Group: "string",
		Categories: cats("read string slow"), Since: "7.0.0", Summary: "Finds the longest common substring.",
		Complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
		Syntax:     "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", run: cmdLCS})
	t.add(&Command{Name: "wait", Arity: 3, Flags: flagNoScript, Group: "generic",
		Categories: cats("slow connection"), Since: "3.0.0",
		Summary:    "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
		Complexity: "O(1)", Syntax: "numreplicas timeout", conn: cmdWait})
	t.add(&Command{Name: "role", Arity: 1, Flags: flagNoScript | flagLoading | flagStale | flagFast, Group: "server",
		Categories: cats("admin fast dangerous"), Since: "2.8.12", Summary: "Returns the replication role.",
		Complexity: "O(1)", conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			c.w.AppendArrayLen(3)
			c.w.AppendBulkString("master")
			c.w.AppendInt(0)
			c.w.AppendArrayLen(0)
		}})
	t.add(&Command{Name: "lolwut", Arity: -1, Flags: flagReadonly | flagFast, Group: "server",
		Categories: cats("read fast"), Since: "5.0.0", Summary: "Displays computer art and the Redis version",
		Syntax: "[VERSION version]", conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			if len(a) >= 3 && eqFold(a[1], "version") {
				if _, ok := num.ParseInt(a[2]); !ok {
					c.replyErr(errNotInt)
					return
				}
			}
			// Redis 7.0's LOLWUT (and VERSION other than 5 and 6) is this
			// line; the art of versions 5 and 6 is left out.
			c.w.AppendVerbatim("txt", []byte("Redis ver. "+redisVersion+"\n"))
		}})
}

func cmdLCS(c *Conn, tx *potato.Tx, a [][]byte) error {
	// Redis checks the types before it parses the options.
	if _, err := tx.LCS(string(a[1]), string(a[2]), false, 0); err == potato.ErrLCSNotString {
		return err
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for j := 3; j < len(a); j++ {
		switch opt := a[j]; {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(a):
			v, err := parseInt(a[j+1])
			if err != nil {
				return err
			}
			minLen = max(v, 0)
			j++
		default:
			return replyError(errSyntax)
		}
	}
	if getIdx && getLen {
		return replyError("ERR If you want both the length and indexes, please just use IDX.")
	}
	res, err := tx.LCS(string(a[1]), string(a[2]), getIdx, minLen)
	if err != nil {
		return err
	}
	switch {
	case getIdx:
		c.w.AppendMapLen(2)
		c.w.AppendBulkString("matches")
		c.w.AppendArrayLen(len(res.Matches))
		for _, m := range res.Matches {
			n := 2
			if withLen {
				n = 3
			}
			c.w.AppendArrayLen(n)
			c.w.AppendArrayLen(2)
			c.w.AppendInt(m.AStart)
			c.w.AppendInt(m.AEnd)
			c.w.AppendArrayLen(2)
			c.w.AppendInt(m.BStart)
			c.w.AppendInt(m.BEnd)
			if withLen {
				c.w.AppendInt(m.Len)
			}
		}
		c.w.AppendBulkString("len")
		c.w.AppendInt(res.Len)
	case getLen:
		c.w.AppendInt(res.Len)
	default:
		c.w.AppendBulk(res.MatchString)
	}
	return nil
}

// cmdWait is WAIT with no replicas: 0 at once when no replica is asked
// for (or inside MULTI), otherwise 0 after the timeout (0: until the
// client hangs up), as a Redis master without replicas answers.
func cmdWait(c *Conn, a [][]byte, tx *potato.Tx) {
	n, ok := num.ParseInt(a[1])
	if !ok {
		c.replyErr(errNotInt)
		return
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
	if n > 0 && tx == nil {
		err := c.block(func(ctx context.Context) error {
			if ms == 0 {
				<-ctx.Done()
				return ctx.Err()
			}
			t := time.NewTimer(time.Duration(ms) * time.Millisecond)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		})
		if errors.Is(err, errUnblocked) {
			c.replyError(err)
			return
		}
	}
	c.w.AppendInt(0)
}
