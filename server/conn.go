package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato"
	"rustypotato/internal/resp"
)

// Conn is one client connection: its reader, reply buffer and session
// state (selected database, protocol, MULTI queue, WATCH). A Conn is used
// by its own goroutine only, except for the fields documented as atomic.
type Conn struct {
	s    *Server
	nc   net.Conn
	src  *connSource
	r    *resp.Reader
	w    *resp.Writer
	id   int64
	db   *potato.DB
	name string
	addr string // the peer's address, once asked for (origin)
	// user is the ACL user the connection runs as ("" = default);
	// authed is set once it needs no AUTH (acl.go).
	user   atomic.Value // string; read by ACL DELUSER on other goroutines
	authed bool

	created time.Time
	lastCmd atomic.Int64 // Unix nanoseconds of the last command
	cmdName atomic.Value // string: name of the last command, for CLIENT LIST

	multi   *multiState
	watcher *potato.Watcher
	// ps is the pub/sub state and outbox, set on the first SUBSCRIBE
	// (cmd_pubsub.go); read by other goroutines (CLIENT LIST).
	ps     atomic.Pointer[connPubSub]
	pubRun int // PUBLISH commands in the current run (cmd_pubsub.go)

	// shown is what CLIENT LIST run on another connection reports of
	// this one, published by this connection's goroutine after each
	// command (other goroutines must not read name, db, multi, r, w).
	shown atomic.Pointer[connShown]
	qbuf  atomic.Int64 // bytes buffered after the last command

	busy       atomic.Bool // executing a command (Shutdown waits)
	closing    atomic.Bool // close after the current command
	closed     atomic.Bool
	closeAfter bool // QUIT: close once the reply is written
	noEvict    bool
	// CLIENT REPLY OFF / SKIP (cmd_conn.go): replies of the current
	// command are dropped when replyOff or replySkip is set.
	replyOff, replySkip, replySkipNext bool
	noTouch                            bool
	// blocking is set while the connection waits in a blocking command
	// (blockCtx), for CLIENT UNBLOCK on another connection (cmd_unblock.go);
	// unblocked is how the last wait was ended by it (0: it was not).
	blocking  atomic.Pointer[blockState]
	unblocked int32

	ctx    context.Context // cancelled when the connection closes
	cancel context.CancelFunc

	keys    []string // scratch: keys of the current command
	keyBufs [][]byte // scratch: key arguments of the current command
	lower   []byte   // scratch: lower-cased command name
	cur     current
	runCur  func(tx *potato.Tx) error
}

func (s *Server) newConn(nc net.Conn) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{
		s:       s,
		nc:      nc,
		id:      s.nextID.Add(1),
		db:      s.DB,
		created: time.Now(),
		ctx:     ctx,
		cancel:  cancel,
	}
	c.src = &connSource{nc: nc, c: c}
	c.runCur = c.runCurrent
	c.r = resp.NewReader(c.src, resp.Limits{
		MaxBulkLen:      s.cfg.maxBulk.Load(), // live values (CONFIG SET)
		MaxMultiBulkLen: s.MaxMultiBulkLen,
		MaxQueryBuffer:  s.cfg.maxQuery.Load(),
	})
	// A client starts authenticated if the default user needs no
	// password; until it authenticates it gets Redis's small limits.
	c.authed = !s.authRequired(c)
	c.r.SetAuthRequired(!c.authed)
	c.w = resp.NewWriter(&countingWriter{w: replyDest{c}, n: &s.stats.netOut})
	// Replies go out just before the reader would block for more input:
	// one write per pipeline, and no reply waits behind half a command.
	c.r.SetBeforeRead(c.w.Flush)
	c.lastCmd.Store(time.Now().UnixNano())
	c.cmdName.Store("NULL")
	c.publishShown()
	return c
}

// connSource feeds the RESP reader from the socket, and keeps what a
// watcher goroutine read while the connection was blocked.
type connSource struct {
	nc      net.Conn
	c       *Conn
	mu      sync.Mutex
	pending []byte
}

func (cs *connSource) Read(p []byte) (int, error) {
	cs.mu.Lock()
	if len(cs.pending) > 0 {
		n := copy(p, cs.pending)
		cs.pending = cs.pending[n:]
		cs.mu.Unlock()
		return n, nil
	}
	cs.mu.Unlock()
	if cs.c.pubRun > 0 {
		cs.c.endPublishes(nil) // subscribers' output goes before we wait for input
	}
	n, err := cs.nc.Read(p)
	cs.c.s.stats.netIn.Add(int64(n))
	return n, err
}

// replyDest is where the reply buffer's Flush writes: the socket, or,
// once the connection has subscribed, its outbox (cmd_pubsub.go), which a
// writer goroutine sends. Publishers on other goroutines append messages
// to the outbox, so replies and messages keep one order and a slow
// subscriber never blocks a publisher.
type replyDest struct{ c *Conn }

func (d replyDest) Write(p []byte) (int, error) {
	if ps := d.c.ps.Load(); ps != nil {
		return ps.write(p)
	}
	return d.c.nc.Write(p)
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n.Add(int64(n))
	return n, err
}

func (c *Conn) close() {
	if c.closed.Swap(true) {
		return
	}
	if p := c.ps.Load(); p != nil {
		// Drop the subscriptions before the socket closes, so that once
		// the client sees the connection gone (or CLIENT KILL returned),
		// PUBSUB NUMSUB and PUBLISH no longer count it, as in Redis.
		p.sub.Close()
	}
	c.cancel()
	c.nc.Close()
}

// closeWhenIdle closes the connection now if it is waiting for a command,
// or after the command it is running.
func (c *Conn) closeWhenIdle() {
	c.closing.Store(true)
	if !c.busy.Load() {
		c.close()
	}
}

// connShown is the part of a connection's state that CLIENT LIST shows
// to other connections.
type connShown struct {
	name             string
	branch           string
	db, multi, proto int
}

// publishShown publishes the state other connections' CLIENT LIST shows;
// it allocates only when that state changed.
func (c *Conn) publishShown() {
	c.qbuf.Store(int64(c.r.Buffered()))
	sh := c.liveShown()
	if old := c.shown.Load(); old == nil || *old != sh {
		c.shown.Store(&sh)
	}
}

func (c *Conn) liveShown() connShown {
	multi := -1
	if c.multi != nil {
		multi = len(c.multi.cmds)
	}
	return connShown{name: c.name, branch: c.db.BranchName(), db: c.db.Index(), multi: multi, proto: c.w.Proto()}
}

func (c *Conn) serve() {
	defer func() {
		if r := recover(); r != nil {
			c.s.log.Error("panic serving client; connection closed",
				"id", c.id, "addr", c.nc.RemoteAddr().String(), "panic", r, "stack", string(debug.Stack()))
		}
		if c.watcher != nil {
			c.watcher.Close()
		}
		if c.pubRun > 0 {
			c.endPublishes(nil)
		}
		if p := c.ps.Load(); p != nil {
			p.shutdown() // unsubscribe; send what is queued (QUIT's +OK)
		}
		c.close()
	}()
	for {
		if idle := time.Duration(c.s.cfg.timeout.Load()); idle > 0 && c.r.Buffered() == 0 {
			if c.subscribed() {
				c.nc.SetReadDeadline(time.Time{}) // like Redis, the timeout spares subscribers
			} else {
				c.nc.SetReadDeadline(time.Now().Add(idle))
			}
		}
		args, err := c.r.ReadCommand()
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				c.w.AppendError("ERR " + pe.Msg)
				c.w.Flush()
			}
			return
		}
		if len(args) == 0 {
			continue
		}
		c.busy.Store(true)
		if c.pubRun > 0 {
			c.endPublishes(args) // a run of PUBLISH ends before any other command
		}
		replyMark := c.w.Len()
		c.dispatch(args)
		if c.replyOff || c.replySkip {
			c.w.Truncate(replyMark)
		}
		c.replySkip = false
		if c.replySkipNext {
			c.replySkip, c.replySkipNext = true, false
		}
		if p := c.ps.Load(); p != nil {
			p.afterCommand() // reply into the outbox, after its notifications
		}
		c.publishShown()
		c.afterBig(args)
		c.busy.Store(false)
		if c.w.Len() > 64<<10 {
			if err := c.w.Flush(); err != nil {
				return
			}
		}
		if c.closeAfter || c.closing.Load() {
			c.w.Flush()
			return
		}
	}
}

// lookup finds the command named by name, case-insensitively, without
// allocating.
func (c *Conn) lookup(name []byte) *Command {
	c.lower = append(c.lower[:0], name...)
	for i, b := range c.lower {
		if 'A' <= b && b <= 'Z' {
			c.lower[i] = b + 'a' - 'A'
		}
	}
	return c.s.table.cmds[string(c.lower)]
}

func (c *Conn) dispatch(args [][]byte) {
	s := c.s
	s.stats.totalCommands.Add(1)
	cmd := c.lookup(args[0])
	if cmd == nil {
		c.rejectQueued()
		c.replyErr(unknownCommand(args))
		return
	}
	if cmd.sub != nil {
		if len(args) >= 2 {
			sc := cmd.sub[strings.ToLower(string(args[1]))]
			if sc == nil {
				c.rejectQueued()
				c.replyErr(sanitize(fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", cText(args[1], 128), strings.ToUpper(cmd.Name))))
				return
			}
			cmd = sc
		} else if cmd.conn == nil && cmd.run == nil {
			c.rejectQueued()
			c.replyErr(fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.Name))
			return
		}
	}
	if !cmd.arityOK(len(args)) {
		msg := fmt.Sprintf("wrong number of arguments for '%s' command", cmd.FullName())
		if cmd.Name == "exec" {
			// Redis's rejectCommand turns any refusal of EXEC into an
			// EXECABORT that discards the transaction and the WATCHes,
			// even outside MULTI.
			c.multi = nil
			c.unwatch()
			c.replyErr("EXECABORT Transaction discarded because of: " + msg)
			return
		}
		c.rejectQueued()
		c.replyErr("ERR " + msg)
		return
	}
	// Authentication, then ACL permissions (acl.go), as Redis's
	// processCommand orders them.
	if !c.authed && cmd.Flags&flagNoAuth == 0 && c.s.authRequired(c) {
		c.rejectQueued()
		c.replyErr("NOAUTH Authentication required.")
		return
	}
	if c.aclDeny(cmd, args) {
		return
	}
	if c.oomReject(cmd) { // maxmemory (cmd_evict.go)
		return
	}
	if c.pubsubReject(cmd) { // RESP2 subscribed mode
		return
	}
	// A command on a key held by a script past busy-reply-threshold
	// gets BUSY (script.go); one atomic load when none is.
	if msg := c.s.funcs.runs.busyReject(c, cmd, args); msg != "" {
		c.rejectQueued()
		c.replyErr(msg)
		return
	}
	c.cmdName.Store(cmd.FullName())
	if c.multi != nil && cmd.Flags&flagNoQueue == 0 {
		c.queue(cmd, args)
		return
	}
	c.waitPause(cmd) // CLIENT PAUSE (cmd_pause.go)
	start := time.Now()
	c.lastCmd.Store(start.UnixNano())
	c.call(cmd, args, nil)
	d := time.Since(start)
	cmd.stats.calls.Add(1)
	cmd.stats.usec.Add(d.Microseconds())
	// Observability hook (cmd_observe.go): latency histogram, SLOWLOG,
	// LATENCY and MONITOR see each executed command once.
	c.observeCmd(cmd, args, d)
}

// call runs cmd. In EXEC, tx is the transaction of the whole MULTI block;
// otherwise it is nil and call opens one for the command's keys.
func (c *Conn) call(cmd *Command, args [][]byte, tx *potato.Tx) {
	switch {
	case cmd.conn != nil:
		cmd.conn(c, args, tx)
	case tx != nil:
		mark := c.w.Len()
		if cmd.Flags&flagWrite != 0 {
			tx.SetOrigin(c.origin(cmd.full))
		}
		if err := tx.Try(func(tx *potato.Tx) error { return cmd.run(c, tx, args) }); err != nil {
			c.w.Truncate(mark)
			c.replyError(err)
			cmd.stats.failed.Add(1)
		}
	default:
		keys := c.keyArgs(cmd, args)
		mark := c.w.Len()
		c.cur = current{cmd: cmd, args: args, mark: mark, db: c.db}
		var err error
		if cmd.Flags&flagWrite != 0 || cmd.mayWrite {
			err = c.db.UpdateKeyBytes(keys, c.runCur)
		} else {
			err = c.db.ViewKeyBytes(keys, c.runCur)
		}
		c.cur = current{}
		if err != nil {
			c.w.Truncate(mark)
			c.replyError(err)
			cmd.stats.failed.Add(1)
		}
	}
}

// current is the command being run outside EXEC; runCur, a method value
// bound once per connection, runs it, so a command costs no closure.
type current struct {
	cmd  *Command
	args [][]byte
	mark int
	db   *potato.DB
}

func (c *Conn) runCurrent(tx *potato.Tx) error {
	// A transaction may re-run: start from a clean reply each time.
	c.w.Truncate(c.cur.mark)
	c.db = c.cur.db
	if c.cur.cmd.Flags&flagWrite != 0 {
		tx.SetOrigin(c.origin(c.cur.cmd.full))
	}
	return c.cur.cmd.run(c, tx, c.cur.args)
}

// origin is who a write of command cmd (its full name) on this
// connection comes from, as the timeline records it.
func (c *Conn) origin(cmd string) potato.Origin {
	if c.addr == "" && c.nc != nil {
		c.addr = c.nc.RemoteAddr().String()
	}
	return potato.Origin{Cmd: cmd, ClientID: c.id, ClientName: c.name, ClientAddr: c.addr}
}

// keyArgs returns the key arguments of a command, from its key spec in
// the table, without copying them (they alias args).
func (c *Conn) keyArgs(cmd *Command, args [][]byte) [][]byte {
	if cmd.keys != nil {
		return cmd.keys(args)
	}
	c.keyBufs = c.keyBufs[:0]
	if cmd.FirstKey <= 0 {
		return c.keyBufs
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := max(cmd.Step, 1)
	for i := cmd.FirstKey; i <= last && i < len(args); i += step {
		c.keyBufs = append(c.keyBufs, args[i])
	}
	return c.keyBufs
}

// keysOf returns the keys of a command as strings (ACL checks, EXEC,
// COMMAND GETKEYS); the per-command lock path uses keyArgs.
func (c *Conn) keysOf(cmd *Command, args [][]byte) []string {
	c.keys = c.keys[:0]
	for _, k := range c.keyArgs(cmd, args) {
		c.keys = append(c.keys, string(k))
	}
	return c.keys
}

// replyErr writes an error reply (msg starts with its code, e.g. "ERR").
func (c *Conn) replyErr(msg string) {
	c.s.stats.countError(msg)
	c.w.AppendError(msg)
}

// replyError writes the Redis reply for an error from the potato API.
func (c *Conn) replyError(err error) {
	c.replyErr(errorText(err))
}

// errorText maps an error from package potato to Redis's reply text.
func errorText(err error) string {
	var msg string
	switch {
	case errors.Is(err, potato.ErrInvalidArgument):
		msg = err.Error()
		if i := strings.Index(msg, "potato: invalid argument: "); i >= 0 {
			msg = msg[i+len("potato: invalid argument: "):]
		}
	case errors.Is(err, potato.ErrClosed):
		return "ERR server is shutting down"
	case errors.Is(err, potato.ErrJSON):
		// RedisJSON's reply text, sent as it is: serde_json's parse
		// errors have no code.
		return strings.TrimPrefix(err.Error(), "potato: JSON: ")
	default:
		msg = strings.TrimPrefix(err.Error(), "potato: ")
	}
	if !hasCode(msg) {
		msg = "ERR " + msg
	}
	return msg
}

// hasCode reports whether msg starts with an upper-case error code word.
func hasCode(msg string) bool {
	i := strings.IndexByte(msg, ' ')
	if i <= 0 {
		return false
	}
	for _, r := range msg[:i] {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func unknownCommand(args [][]byte) string {
	var b strings.Builder
	// Redis formats each arg with '%.*s' and the name with %.128s: C
	// strings, so each ends at its first NUL byte.
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		room := 128 - b.Len()
		b.WriteByte('\'')
		b.WriteString(cText(a, room))
		b.WriteString("' ")
	}
	return sanitize(fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", cText(args[0], 128), b.String()))
}

// sanitize replaces CR and LF, which cannot appear in an error reply.
func sanitize(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	}
	return s
}

// blockCtx returns a context for a blocking command that is cancelled when
// the client disconnects. While it blocks, a goroutine reads the socket so
// that a hang-up is noticed; bytes it reads are kept for the next command.
// Call the returned stop function when the command returns.
func (c *Conn) blockCtx() (context.Context, func()) {
	ctx, cancel := context.WithCancel(c.ctx)
	bs := &blockState{cancel: cancel}
	c.unblocked = 0
	c.blocking.Store(bs)
	// Replies queued before the blocking command go out now.
	c.w.Flush()
	c.s.table.obs.blocked.Add(1) // INFO blocked_clients (cmd_observe.go)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := c.nc.Read(buf)
			if n > 0 {
				c.src.mu.Lock()
				c.src.pending = append(c.src.pending, buf[:n]...)
				over := int64(len(c.src.pending)) > c.s.cfg.maxQuery.Load()
				c.src.mu.Unlock()
				c.s.stats.netIn.Add(int64(n))
				if over {
					cancel()
					c.closing.Store(true)
					return
				}
			}
			if err != nil {
				var ne net.Error
				if !(errors.As(err, &ne) && ne.Timeout()) {
					// Hang-up or error: the client is gone.
					cancel()
					c.closing.Store(true)
				}
				return
			}
		}
	}()
	return ctx, func() {
		c.s.table.obs.blocked.Add(-1)
		c.blocking.Store(nil)
		if !bs.mode.CompareAndSwap(0, unblockDone) {
			c.unblocked = bs.mode.Load()
		}
		cancel()
		c.nc.SetReadDeadline(time.Unix(1, 0))
		<-done
		c.nc.SetReadDeadline(time.Time{})
	}
}
