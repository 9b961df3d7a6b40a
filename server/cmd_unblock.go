package server

import (
	"context"
	"errors"
	"sync/atomic"

	"rustypotato"
	"rustypotato/internal/num"
)

// blockState is one wait of a blocking command (blockCtx), which CLIENT
// UNBLOCK ends by setting mode and cancelling the wait's context.
type blockState struct {
	cancel context.CancelFunc
	mode   atomic.Int32 // 0 waiting, unblockTimeout/unblockError, unblockDone
}

const (
	unblockTimeout = 1
	unblockError   = 2
	unblockDone    = 3 // the wait ended on its own
)

// errUnblocked is the reply of a blocking command ended by CLIENT UNBLOCK
// id ERROR.
var errUnblocked = errors.New("UNBLOCKED client unblocked via CLIENT UNBLOCK")

// unblockErr maps the error of a wait that CLIENT UNBLOCK ended:
// potato.ErrNotFound (answer as a timeout) for TIMEOUT, errUnblocked for
// ERROR; other errors are returned as they are.
func (c *Conn) unblockErr(err error) error {
	if err == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	switch c.unblocked {
	case unblockTimeout:
		return potato.ErrNotFound
	case unblockError:
		return errUnblocked
	}
	return err
}

// cmdClientUnblock is CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: :1 when
// the client was waiting in a blocking command (BLPOP, BLMOVE, BZPOPMIN,
// WAIT, CHANGES BLOCK, ...) and is now unblocked, :0 otherwise.
func cmdClientUnblock(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 4 {
		c.replyErr("ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.")
		return
	}
	mode := int32(unblockTimeout)
	if len(a) == 4 {
		switch {
		case eqFold(a[3], "timeout"):
		case eqFold(a[3], "error"):
			mode = unblockError
		default:
			c.replyErr("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := num.ParseInt(a[2])
	if !ok {
		c.replyErr(errNotInt)
		return
	}
	for _, o := range c.s.connsByID() {
		if o.id != id {
			continue
		}
		if bs := o.blocking.Load(); bs != nil && bs.mode.CompareAndSwap(0, mode) {
			bs.cancel()
			c.w.AppendInt(1)
			return
		}
		break
	}
	c.w.AppendInt(0)
}
