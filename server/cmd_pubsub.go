package server

import (
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"rustypotato"
)

// Pub/Sub: SUBSCRIBE and friends, PUBLISH, SPUBLISH, PUBSUB.
//
// A connection that subscribes gets a connPubSub: its library
// Subscription (whose Handler appends messages to the connection's
// outbox), its own record of what it is subscribed to, and an outbox
// written to the socket by a writer goroutine. From then on the
// connection's replies go through the outbox too, so that replies and
// messages appended by publishers' goroutines keep one order, and a
// subscriber that does not read never blocks a publisher: when its
// outbox passes client-output-buffer-limit it is disconnected.

func registerPubSub(t *table) {
	ps := func(c *Command) *Command {
		c.Group = "pubsub"
		return t.add(c)
	}
	ps(&Command{Name: "subscribe", Arity: -2, Flags: flagPubSub | flagNoScript | flagLoading | flagStale,
		Categories: cats("pubsub slow"), Since: "2.0.0", Summary: "Listens for messages published to channels.",
		Complexity: "O(N) where N is the number of channels to subscribe to.", Syntax: "channel [channel ...]",
		conn: cmdSubscribe(kindChannel)})
	ps(&Command{Name: "unsubscribe", Arity: -1, Flags: flagPubSub | flagNoScript | flagLoading | flagStale,
		Categories: cats("pubsub slow"), Since: "2.0.0", Summary: "Stops listening to messages posted to channels.",
		Complexity: "O(N) where N is the number of channels to unsubscribe.", Syntax: "[channel [channel ...]]",
		conn: cmdUnsubscribe(kindChannel)})
	ps(&Command{Name: "psubscribe", Arity: -2, Flags: flagPubSub | flagNoScript | flagLoading | flagStale,
		Categories: cats("pubsub slow"), Since: "2.0.0", Summary: "Listens for messages published to channels that match one or more patterns.",
		Complexity: "O(N) where N is the number of patterns to subscribe to.", Syntax: "pattern [pattern ...]",
		conn: cmdSubscribe(kindPattern)})
	ps(&Command{Name: "punsubscribe", Arity: -1, Flags: flagPubSub | flagNoScript | flagLoading | flagStale,
		Categories: cats("pubsub slow"), Since: "2.0.0", Summary: "Stops listening to messages published to channels that match one or more patterns.",
		Complexity: "O(N) where N is the number of patterns to unsubscribe.", Syntax: "[pattern [pattern ...]]",
		conn: cmdUnsubscribe(kindPattern)})
	ps(&Command{Name: "ssubscribe", Arity: -2, Flags: flagPubSub | flagNoScript | flagLoading | flagStale,
		FirstKey: 1, LastKey: -1, Step: 1,
		Categories: cats("pubsub slow"), Since: "7.0.0", Summary: "Listens for messages published to shard channels.",
		Complexity: "O(N) where N is the number of shard channels to subscribe to.", Syntax: "shardchannel [shardchannel ...]",
		conn: cmdSubscribe(kindShard)})
	ps(&Command{Name: "sunsubscribe", Arity: -1, Flags: flagPubSub | flagNoScript | flagLoading | flagStale,
		FirstKey: 1, LastKey: -1, Step: 1,
		Categories: cats("pubsub slow"), Since: "7.0.0", Summary: "Stops listening to messages posted to shard channels.",
		Complexity: "O(N) where N is the number of shard channels to unsubscribe.", Syntax: "[shardchannel [shardchannel ...]]",
		conn: cmdUnsubscribe(kindShard)})
	ps(&Command{Name: "publish", Arity: 3, Flags: flagPubSub | flagLoading | flagStale | flagFast,
		Categories: cats("pubsub fast"), Since: "2.0.0", Summary: "Posts a message to a channel.",
		Complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
		Syntax:     "channel message", conn: cmdPublish(false)})
	ps(&Command{Name: "spublish", Arity: 3, Flags: flagPubSub | flagLoading | flagStale | flagFast,
		FirstKey: 1, LastKey: 1, Step: 1,
		Categories: cats("pubsub fast"), Since: "7.0.0", Summary: "Post a message to a shard channel",
		Complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
		Syntax:     "shardchannel message", conn: cmdPublish(true)})
	parent := ps(&Command{Name: "pubsub", Arity: -2, Categories: cats("slow"), Since: "2.8.0",
		Summary: "A container for Pub/Sub commands.", Complexity: "Depends on subcommand."})
	sub := func(name string, arity int, flags flag, categories, summary, complexity, syntax string, fn connFunc) {
		t.addSub(parent, &Command{Name: name, Arity: arity, Flags: flags | flagLoading | flagStale,
			Categories: cats(categories), Since: "2.8.0", Summary: summary, Complexity: complexity, Syntax: syntax, conn: fn})
	}
	sub("channels", -2, flagPubSub, "pubsub slow", "Returns the active channels.",
		"O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
		"[pattern]", cmdPubSubChannels(false))
	sub("numsub", -2, flagPubSub, "pubsub slow", "Returns a count of subscribers to channels.",
		"O(N) for the NUMSUB subcommand, where N is the number of requested channels", "[channel [channel ...]]", cmdPubSubNumSub(false))
	sub("numpat", 2, flagPubSub, "pubsub slow", "Returns a count of unique pattern subscriptions.", "O(1)", "",
		func(c *Conn, a [][]byte, _ *potato.Tx) { c.w.AppendInt(c.db.PubSubNumPat()) })
	sub("shardchannels", -2, flagPubSub, "pubsub slow", "Returns the active shard channels.",
		"O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
		"[pattern]", cmdPubSubChannels(true))
	sub("shardnumsub", -2, flagPubSub, "pubsub slow", "Returns the count of subscribers of shard channels.",
		"O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels", "[shardchannel [shardchannel ...]]", cmdPubSubNumSub(true))
	sub("help", 2, 0, "slow", "Returns helpful text about the different subcommands.", "O(1)", "", helpReply("PUBSUB", []string{
		"CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT", "    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]", "    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]", "    Return the number of subscribers for the specified shard level channel(s)",
	}))
	for _, s := range parent.sub {
		s.Since = parent.Since
	}
	parent.sub["shardchannels"].Since = "7.0.0"
	parent.sub["shardnumsub"].Since = "7.0.0"
}

// subKind is what a connection subscribes to.
type subKind uint8

const (
	kindChannel subKind = iota
	kindPattern
	kindShard
)

var subReplies = [3][2]string{
	kindChannel: {"subscribe", "unsubscribe"},
	kindPattern: {"psubscribe", "punsubscribe"},
	kindShard:   {"ssubscribe", "sunsubscribe"},
}

// subState is the state of one subscription of a connection.
type subState uint8

const (
	// subPending: subscribed, but its confirmation is still in the
	// connection's reply buffer. Messages that reach the connection
	// meanwhile (for any of its subscriptions, to keep publish order)
	// are held and queued right after the reply, so that none overtakes
	// the confirmation and none that PUBLISH counted is lost.
	subPending subState = iota + 1
	subActive
)

// connPubSub is a connection's pub/sub state and outbox.
type connPubSub struct {
	c   *Conn
	sub *potato.Subscription

	_       [64]byte   // keep mu off the cache line of a neighbouring outbox
	mu      sync.Mutex // guards what follows; publishers take it to deliver
	sets    [3]map[string]subState
	order   [3]map[string]uint64 // insertion numbers, for unsubscribe-all
	n       uint64
	pending int      // subscriptions in subPending
	held    [][]byte // message frames held while pending > 0
	heldLen int      // bytes in held
	proto   int      // protocol messages are encoded in
	// The outbox is a list of chunks, as Redis's reply list: memory
	// follows what is queued (no doubling, no big copies) and the writer
	// sends all chunks with one writev.
	chunks    [][]byte
	queued    int             // bytes in chunks
	inflight  int             // bytes handed to the writer, not yet written
	softAt    time.Time       // when the soft limit was first exceeded (zero: not exceeded)
	waiting   bool            // the writer waits on wake
	closing   bool            // write what is queued, then stop
	killed    bool            // stop now, drop output
	dirty     bool            // queued in the server's pubFlusher for a wake
	deferring bool            // check must not wake (the wake is deferred)
	raw       syscall.RawConn // non-blocking writes by publishers (flushDirect)
	direct    bool            // flushDirect owns the socket: the writer must wait
	iov       []syscall.Iovec
	wake      chan struct{}
	done      chan struct{} // closed when the writer exits
	_         [64]byte
}

// pubsub returns the connection's pub/sub state, creating it (and
// switching the connection to its outbox) on first use.
func (c *Conn) pubsub() *connPubSub {
	if p := c.ps.Load(); p != nil {
		return p
	}
	p := &connPubSub{c: c, proto: c.w.Proto(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	for i := range p.sets {
		p.sets[i] = map[string]subState{}
		p.order[i] = map[string]uint64{}
	}
	if sc, ok := c.nc.(syscall.Conn); ok {
		p.raw, _ = sc.SyscallConn()
	}
	p.sub = c.s.DB.SubscribeArgs(nil, potato.SubscribeArgs{Accept: p.deliver})
	// Replies not yet flushed go out through the outbox, after what was
	// written to the socket directly: the order holds.
	c.ps.Store(p)
	go p.writeLoop()
	return p
}

// counts returns the number of channels + patterns (what SUBSCRIBE and
// PSUBSCRIBE replies count) and of shard channels.
func (p *connPubSub) counts() (int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sets[kindChannel]) + len(p.sets[kindPattern]), len(p.sets[kindShard])
}

// countOf is the count a (un)subscribe reply of kind k reports. Only the
// connection's goroutine changes the sets, so it reads them unlocked.
func (p *connPubSub) countOf(k subKind) int {
	if k == kindShard {
		return len(p.sets[kindShard])
	}
	return len(p.sets[kindChannel]) + len(p.sets[kindPattern])
}

// total is the number of subscriptions of all kinds (read by the
// connection's goroutine only).
func (p *connPubSub) total() int {
	return len(p.sets[0]) + len(p.sets[1]) + len(p.sets[2])
}

// subscribed reports whether the connection has any subscription (Redis's
// CLIENT_PUBSUB flag). Called by the connection's goroutine.
func (c *Conn) subscribed() bool {
	p := c.ps.Load()
	return p != nil && p.total() > 0
}

// subscribedRESP2 reports whether the connection is in RESP2 subscribed
// mode, where Redis accepts only a few commands.
func (c *Conn) subscribedRESP2() bool {
	p := c.ps.Load()
	return p != nil && c.w.Proto() == 2 && p.total() > 0
}

// pubsubReject refuses cmd in RESP2 subscribed mode, as Redis 7.0 does,
// and reports whether it did.
func (c *Conn) pubsubReject(cmd *Command) bool {
	if !c.subscribedRESP2() {
		return false
	}
	switch cmd.Name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return false
	}
	c.rejectQueued()
	c.replyErr(fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd.FullName()))
	return true
}

func (c *Conn) appendSubReply(kind string, name []byte, null bool, count int) {
	c.w.AppendPushLen(3)
	c.w.AppendBulkString(kind)
	if null {
		c.w.AppendNull()
	} else {
		c.w.AppendBulk(name)
	}
	c.w.AppendInt(int64(count))
}

func cmdSubscribe(k subKind) connFunc {
	return func(c *Conn, a [][]byte, tx *potato.Tx) {
		if k == kindShard && tx != nil {
			// EXEC runs with CLIENT_DENY_BLOCKING in Redis 7.0, which
			// refuses SSUBSCRIBE (but lets SUBSCRIBE through).
			c.replyErr("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
			return
		}
		p := c.pubsub()
		for _, name := range a[1:] {
			p.add(k, string(name))
			c.appendSubReply(subReplies[k][0], name, false, p.countOf(k))
		}
	}
}

func cmdUnsubscribe(k subKind) connFunc {
	return func(c *Conn, a [][]byte, _ *potato.Tx) {
		p := c.ps.Load()
		if len(a) == 1 {
			var names []string
			if p != nil {
				names = p.names(k)
			}
			for _, n := range names {
				p.remove(k, n)
				c.appendSubReply(subReplies[k][1], []byte(n), false, p.countOf(k))
			}
			if len(names) == 0 {
				count := 0
				if p != nil {
					count = p.countOf(k)
				}
				c.appendSubReply(subReplies[k][1], nil, true, count)
			}
			return
		}
		for _, name := range a[1:] {
			count := 0
			if p != nil {
				p.remove(k, string(name))
				count = p.countOf(k)
			}
			c.appendSubReply(subReplies[k][1], name, false, count)
		}
	}
}

// add subscribes to name, pending until the reply is flushed.
func (p *connPubSub) add(k subKind, name string) {
	if _, ok := p.sets[k][name]; ok {
		return
	}
	p.mu.Lock()
	p.sets[k][name] = subPending
	p.n++
	p.order[k][name] = p.n
	p.pending++
	p.mu.Unlock()
	switch k {
	case kindChannel:
		p.sub.Subscribe(name)
	case kindPattern:
		p.sub.PSubscribe(name)
	case kindShard:
		p.sub.SSubscribe(name)
	}
}

func (p *connPubSub) remove(k subKind, name string) {
	st, ok := p.sets[k][name]
	if !ok {
		return
	}
	switch k {
	case kindChannel:
		p.sub.Unsubscribe(name)
	case kindPattern:
		p.sub.PUnsubscribe(name)
	case kindShard:
		p.sub.SUnsubscribe(name)
	}
	p.mu.Lock()
	delete(p.sets[k], name)
	delete(p.order[k], name)
	if st == subPending {
		p.pending--
	}
	p.mu.Unlock()
}

// names returns the subscriptions of kind k in subscription order.
func (p *connPubSub) names(k subKind) []string {
	out := make([]string, 0, len(p.sets[k]))
	for n := range p.sets[k] {
		out = append(out, n)
	}
	ord := p.order[k]
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && ord[out[j]] < ord[out[j-1]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// resetSubs drops every subscription without replies (RESET).
func (c *Conn) resetSubs() {
	p := c.ps.Load()
	if p == nil {
		return
	}
	for k := kindChannel; k <= kindShard; k++ {
		for _, n := range p.names(k) {
			p.remove(k, n)
		}
	}
}

// afterCommand runs after each command of a connection that has
// subscribed: it moves the command's reply into the outbox, after the
// notifications the command caused (RESP3: a client subscribed to its own
// keys sees them before the reply, as Redis sends them), then lets
// messages reach the subscriptions the reply confirmed.
func (p *connPubSub) afterCommand() {
	c := p.c
	proto := c.w.Proto()
	if proto == 3 && p.total() > 0 {
		c.db.SyncEvents()
	}
	c.w.Flush()
	if p.pending == 0 && p.proto == proto {
		return
	}
	p.mu.Lock()
	p.proto = proto
	for k := range p.sets {
		for n, st := range p.sets[k] {
			if st == subPending {
				p.sets[k][n] = subActive
			}
		}
	}
	p.pending = 0
	if len(p.held) > 0 && !p.closing && !p.killed {
		// What was held goes out right after the reply. (A message held
		// for a subscription that a later command of the same EXEC
		// removed is still sent: PUBLISH counted it.)
		for i, f := range p.held {
			b := p.tail(len(f))
			p.chunks[len(p.chunks)-1] = append(b, f...)
			p.held[i] = nil
		}
		p.queued += p.heldLen
		p.check()
	}
	p.held, p.heldLen = p.held[:0], 0
	p.mu.Unlock()
}

// deliver is the Subscription's Accept: it runs on the publisher's
// goroutine, appends the message to the outbox (or holds it while a
// subscription is pending) and never blocks on the socket. It declines
// (PUBLISH does not count it) a message for a subscription the
// connection no longer has, or when the connection is closing.
func (p *connPubSub) deliver(m potato.Message) bool {
	k := kindChannel
	name := m.Channel
	switch {
	case m.Pattern != "":
		k, name = kindPattern, m.Pattern
	case m.Sharded:
		k = kindShard
	}
	p.mu.Lock()
	if p.closing || p.killed || p.sets[k][name] == 0 {
		p.mu.Unlock()
		return false
	}
	frame := encodeMessage(m, k, p.proto)
	if p.pending > 0 {
		p.held = append(p.held, frame) // frames are never modified
		p.heldLen += len(frame)
		p.mu.Unlock()
		return true
	}
	b := p.tail(len(frame))
	p.chunks[len(p.chunks)-1] = append(b, frame...)
	p.queued += len(frame)
	f := &p.c.s.pubFlush
	p.deferring = f.active.Load() > 0
	deferWake := p.deferring && !p.dirty
	if deferWake {
		p.dirty = true
	}
	p.check()
	p.deferring = false
	p.mu.Unlock()
	if deferWake {
		f.add(p)
	}
	return true
}

// pubFlusher defers waking subscribers' writers while connections run
// PUBLISH commands back to back (a pipeline), and wakes each writer once
// at the end: fewer, larger writes, as Redis writes once per event-loop
// turn.
type pubFlusher struct {
	active atomic.Int32 // connections inside a run of PUBLISH commands
	mu     sync.Mutex
	dirty  []*connPubSub
}

// add queues p for a wake; if no run is active any more, it wakes now.
func (f *pubFlusher) add(p *connPubSub) {
	f.mu.Lock()
	f.dirty = append(f.dirty, p)
	f.mu.Unlock()
	// A run that ended before the append would not see p: flush here.
	if f.active.Load() == 0 {
		f.flush()
	}
}

func (f *pubFlusher) flush() {
	f.mu.Lock()
	list := f.dirty
	f.dirty = nil // not recycled: flushes may run concurrently
	f.mu.Unlock()
	for _, p := range list {
		p.flushDirect()
	}
}

// flushDirect writes p's outbox from the calling goroutine (the
// publisher's) with one non-blocking writev when its writer is idle, as
// Redis writes from its event loop: no hand-off to another core. What
// the socket does not take now is left to the writer, woken to wait.
func (p *connPubSub) flushDirect() {
	p.mu.Lock()
	p.dirty = false
	if p.direct {
		// Another publisher is writing; it hands what is left to the
		// writer when done.
		p.mu.Unlock()
		return
	}
	if !p.waiting || p.queued == 0 || p.killed || p.closing || p.raw == nil {
		p.wakeLocked()
		p.mu.Unlock()
		return
	}
	p.waiting = false // the socket is ours until we hand it back
	p.direct = true
	chunks := p.chunks
	p.chunks = nil
	p.inflight, p.queued = p.queued, 0
	p.mu.Unlock()

	iov := p.iov[:0]
	for _, c := range chunks {
		if len(iov) == 1024 { // IOV_MAX
			break
		}
		if len(c) == 0 {
			continue
		}
		iov = append(iov, syscall.Iovec{Base: &c[0]})
		iov[len(iov)-1].SetLen(len(c))
	}
	var n uintptr
	var errno syscall.Errno
	if len(iov) > 0 {
		p.raw.Write(func(fd uintptr) bool {
			n, _, errno = syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
			return true // never wait here
		})
	}
	clear(iov)
	p.iov = iov[:0]
	written := 0
	if errno == 0 {
		written = int(n)
	}
	// Keep what was not written, in order, ahead of what came meanwhile.
	var rest [][]byte
	for i, c := range chunks {
		if written >= len(c) {
			written -= len(c)
			if cap(c) == chunkSize {
				c = c[:0]
				chunkPool.Put(&c)
			}
			chunks[i] = nil
			continue
		}
		rest = chunks[i:]
		rest[0] = c[written:]
		break
	}
	p.mu.Lock()
	p.inflight = 0
	p.direct = false
	if errno != 0 && errno != syscall.EAGAIN && errno != syscall.EINTR {
		p.killed = true
		p.chunks, p.queued = nil, 0
		p.mu.Unlock()
		p.c.close()
		select {
		case p.wake <- struct{}{}:
		default:
		}
		return
	}
	if len(rest) > 0 {
		k := 0
		for _, c := range rest {
			k += len(c)
		}
		p.chunks = append(rest, p.chunks...)
		p.queued += k
	}
	if p.queued > 0 || p.closing {
		select { // the writer waits on wake: let it take over
		case p.wake <- struct{}{}:
		default:
		}
	} else {
		p.waiting = true
	}
	p.mu.Unlock()
}

// beginPublish marks the connection as running PUBLISH commands.
func (c *Conn) beginPublish() {
	if c.pubRun == 0 {
		c.s.pubFlush.active.Add(1)
	}
	c.pubRun++
}

// maxPublishRun bounds a run, so that a publisher that never pauses
// still lets subscribers' output go out.
const maxPublishRun = 256

// endPublishes ends a run of PUBLISH commands unless args, the command
// about to run, continues it (nil: end now). Runs also end when the
// connection waits for input (connSource.Read), so a run never outlasts
// what the client has already sent.
func (c *Conn) endPublishes(args [][]byte) {
	if args != nil && c.pubRun < maxPublishRun && (eqFold(args[0], "publish") || eqFold(args[0], "spublish")) {
		return
	}
	c.pubRun = 0
	f := &c.s.pubFlush
	f.active.Add(-1)
	f.flush()
}

// frameCache is the last message frame encoded: one publish reaches many
// connections with the same frame, which is encoded once. It keeps the
// payload it was made from, so its address cannot be reused by another
// payload while cached (payloads are never modified).
type frameCache struct {
	payload []byte
	channel string
	pattern string
	kind    subKind
	proto   int
	frame   []byte
}

var lastFrame atomic.Pointer[frameCache]

// encodeMessage returns the RESP frame of m for a subscription of kind k.
func encodeMessage(m potato.Message, k subKind, proto int) []byte {
	fc := lastFrame.Load()
	if fc != nil && len(m.Payload) > 0 && len(fc.payload) == len(m.Payload) && &fc.payload[0] == &m.Payload[0] &&
		fc.kind == k && fc.proto == proto && fc.channel == m.Channel && fc.pattern == m.Pattern {
		return fc.frame
	}
	b := make([]byte, 0, 64+len(m.Pattern)+len(m.Channel)+len(m.Payload))
	switch k {
	case kindPattern:
		b = appendPushHeader(b, proto, 4)
		b = appendBulkString(b, "pmessage")
		b = appendBulkString(b, m.Pattern)
	case kindShard:
		b = appendPushHeader(b, proto, 3)
		b = appendBulkString(b, "smessage")
	default:
		b = appendPushHeader(b, proto, 3)
		b = appendBulkString(b, "message")
	}
	b = appendBulkString(b, m.Channel)
	b = append(appendBulkLen(b, len(m.Payload)), m.Payload...)
	b = append(b, '\r', '\n')
	if len(m.Payload) > 0 {
		lastFrame.Store(&frameCache{payload: m.Payload, channel: m.Channel, pattern: m.Pattern, kind: k, proto: proto, frame: b})
	}
	return b
}

// write queues reply bytes of the connection (its resp.Writer's Flush).
func (p *connPubSub) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed || p.closing {
		return 0, errOutboxClosed
	}
	n := len(b)
	for len(b) > 0 {
		t := p.tail(1)
		k := min(cap(t)-len(t), len(b))
		p.chunks[len(p.chunks)-1] = append(t, b[:k]...)
		p.queued += k
		b = b[k:]
	}
	p.check()
	return n, nil
}

// chunkSize is the size of an outbox chunk (a frame larger than this gets
// a chunk of its own).
const chunkSize = 64 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize); return &b }}

// tail returns the last chunk if it has room for need bytes, or appends a
// new one. Called with mu held.
func (p *connPubSub) tail(need int) []byte {
	if n := len(p.chunks); n > 0 {
		if t := p.chunks[n-1]; cap(t)-len(t) >= need {
			return t
		}
	}
	var c []byte
	if need <= chunkSize {
		c = (*chunkPool.Get().(*[]byte))[:0]
	} else {
		c = make([]byte, 0, need)
	}
	p.chunks = append(p.chunks, c)
	return c
}

type outboxError string

func (e outboxError) Error() string { return string(e) }

const errOutboxClosed = outboxError("server: connection output closed")

// check checks the output buffer limits after an append and wakes the
// writer. Called with mu held.
func (p *connPubSub) check() {
	used := int64(p.queued + p.inflight)
	lim := p.c.s.cfg.limits(len(p.sets[0])+len(p.sets[1])+len(p.sets[2]) > 0)
	over := lim.hard > 0 && used >= lim.hard
	if lim.soft > 0 && used >= lim.soft {
		now := time.Now()
		if p.softAt.IsZero() {
			p.softAt = now
		} else if now.Sub(p.softAt) > time.Duration(lim.seconds)*time.Second {
			over = true
		}
	} else if !p.softAt.IsZero() {
		p.softAt = time.Time{}
	}
	if over {
		p.killLocked(used)
		return
	}
	if !p.deferring {
		p.wakeLocked()
	}
}

// wakeLocked wakes the writer if it waits. Called with mu held.
func (p *connPubSub) wakeLocked() {
	if p.waiting {
		p.waiting = false
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// killLocked disconnects a client over its output buffer limit: its
// queued output is dropped at once so that memory is freed.
func (p *connPubSub) killLocked(used int64) {
	c := p.c
	p.killed = true
	p.chunks, p.queued = nil, 0
	select {
	case p.wake <- struct{}{}:
	default:
	}
	c.s.log.Warn("client scheduled to be closed ASAP for overcoming of output buffer limits",
		"id", c.id, "addr", c.nc.RemoteAddr().String(), "omem", used)
	c.close()
}

// writeLoop writes the outbox to the socket, one Write per batch of
// whatever accumulated meanwhile.
func (p *connPubSub) writeLoop() {
	defer close(p.done)
	nc := p.c.nc
	var spare [][]byte
	var wbufs net.Buffers
	for {
		p.mu.Lock()
		for !p.killed && (p.direct || (p.queued == 0 && !p.closing)) {
			p.waiting = true
			p.mu.Unlock()
			<-p.wake
			// Let publishers append a little more first: fewer, larger
			// writes (Redis writes once per event-loop turn).
			runtime.Gosched()
			p.mu.Lock()
		}
		if p.killed || p.queued == 0 {
			p.mu.Unlock()
			return
		}
		chunks := p.chunks
		p.chunks = spare[:0]
		p.inflight, p.queued = p.queued, 0
		p.mu.Unlock()
		// WriteTo consumes (nils) its slice: give it a copy of the headers
		// so that the chunks can be recycled.
		wbufs = append(wbufs[:0], chunks...)
		_, err := wbufs.WriteTo(nc) // one writev; counted in netOut when queued
		for i, c := range chunks {
			if cap(c) == chunkSize {
				c = c[:0]
				chunkPool.Put(&c)
			}
			chunks[i] = nil
		}
		spare = chunks
		p.mu.Lock()
		p.inflight = 0
		p.mu.Unlock()
		if err != nil {
			p.mu.Lock()
			p.killed = true
			p.chunks, p.queued = nil, 0
			p.mu.Unlock()
			p.c.close()
			return
		}
	}
}

// shutdown ends the connection's subscriptions and lets the writer send
// what is queued (a QUIT's +OK), for at most a moment.
func (p *connPubSub) shutdown() {
	p.sub.Close()
	p.mu.Lock()
	p.closing = true
	select {
	case p.wake <- struct{}{}:
	default:
	}
	p.mu.Unlock()
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
	}
}

// omem returns the bytes waiting in the outbox.
func (p *connPubSub) omem() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queued + p.inflight
}

func appendPushHeader(b []byte, proto, n int) []byte {
	if proto == 3 {
		b = append(b, '>')
	} else {
		b = append(b, '*')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulkLen(b []byte, n int) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulkString(b []byte, s string) []byte {
	b = append(appendBulkLen(b, len(s)), s...)
	return append(b, '\r', '\n')
}

func cmdPublish(sharded bool) connFunc {
	return func(c *Conn, a [][]byte, tx *potato.Tx) {
		c.beginPublish()
		var n int64
		if sharded {
			n = c.db.SPublish(string(a[1]), a[2])
		} else {
			n = c.db.Publish(string(a[1]), a[2])
		}
		c.w.AppendInt(n)
	}
}

func cmdPubSubChannels(shard bool) connFunc {
	return func(c *Conn, a [][]byte, _ *potato.Tx) {
		if len(a) > 3 {
			c.replyErr(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try PUBSUB HELP.", a[1]))
			return
		}
		var list []string
		pat := ""
		if len(a) == 3 {
			pat = string(a[2])
		}
		if shard {
			list = c.db.PubSubShardChannels(pat)
		} else {
			list = c.db.PubSubChannels(pat)
		}
		if len(a) == 3 && pat == "" {
			// An explicit empty pattern matches only the empty channel
			// (the library reads "" as "no pattern").
			var only []string
			for _, ch := range list {
				if ch == "" {
					only = append(only, ch)
				}
			}
			list = only
		}
		c.w.AppendArrayLen(len(list))
		for _, ch := range list {
			c.w.AppendBulkString(ch)
		}
	}
}

func cmdPubSubNumSub(shard bool) connFunc {
	return func(c *Conn, a [][]byte, _ *potato.Tx) {
		names := strs(a[2:])
		var counts map[string]int64
		if shard {
			counts = c.db.PubSubShardNumSub(names...)
		} else {
			counts = c.db.PubSubNumSub(names...)
		}
		c.w.AppendArrayLen(2 * len(names))
		for i, n := range names {
			c.w.AppendBulk(a[2+i])
			c.w.AppendInt(counts[n])
		}
	}
}

// outputLimits is one class of client-output-buffer-limit.
type outputLimits struct {
	hard, soft, seconds int64
}

// outputConfig is client-output-buffer-limit: normal, replica, pubsub.
type outputConfig [3]outputLimits

var defaultOutputConfig = outputConfig{
	{0, 0, 0},
	{256 << 20, 64 << 20, 60},
	{32 << 20, 8 << 20, 60},
}

// limits returns the limits for a client that is (or is not) subscribed.
func (cfg *config) limits(subscribed bool) outputLimits {
	oc := cfg.obuf.Load()
	if oc == nil {
		oc = &defaultOutputConfig
	}
	if subscribed {
		return oc[2]
	}
	return oc[0]
}

func (oc *outputConfig) String() string {
	s := ""
	for i, name := range []string{"normal", "slave", "pubsub"} {
		if i > 0 {
			s += " "
		}
		l := oc[i]
		s += fmt.Sprintf("%s %d %d %d", name, l.hard, l.soft, l.seconds)
	}
	return s
}

// parseOutputConfig applies a CONFIG SET client-output-buffer-limit value
// to cur, with Redis 7.0's errors.
func parseOutputConfig(cur outputConfig, v string) (outputConfig, error) {
	f := splitFields(v)
	if len(f)%4 != 0 {
		return cur, outboxError("Wrong number of arguments in buffer limit configuration.")
	}
	for j := 0; j < len(f); j += 4 {
		var class int
		switch strings.ToLower(f[j]) {
		case "normal":
			class = 0
		case "slave", "replica":
			class = 1
		case "pubsub":
			class = 2
		default:
			return cur, outboxError("Invalid client class specified in buffer limit configuration.")
		}
		hard, err1 := parseMemory(f[j+1])
		soft, err2 := parseMemory(f[j+2])
		secs, err3 := strconv.ParseInt(f[j+3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || hard < 0 || soft < 0 || secs < 0 {
			return cur, outboxError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		cur[class] = outputLimits{hard: hard, soft: soft, seconds: secs}
	}
	return cur, nil
}

func splitFields(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

// addPubSubConfig registers notify-keyspace-events and
// client-output-buffer-limit.
func addPubSubConfig(cfg *config) {
	cfg.add(&param{name: "notify-keyspace-events",
		get: func(s *Server) string { return s.DB.NotifyKeyspaceEvents() },
		set: func(s *Server, v string) error {
			if err := s.DB.SetNotifyKeyspaceEvents(v); err != nil {
				return outboxError(strings.TrimPrefix(errorText(err), "ERR "))
			}
			return nil
		}})
	cfg.add(&param{name: "client-output-buffer-limit",
		get: func(s *Server) string {
			oc := s.cfg.obuf.Load()
			if oc == nil {
				oc = &defaultOutputConfig
			}
			return oc.String()
		},
		set: func(s *Server, v string) error {
			s.cfg.obufMu.Lock()
			defer s.cfg.obufMu.Unlock()
			cur := defaultOutputConfig
			if oc := s.cfg.obuf.Load(); oc != nil {
				cur = *oc
			}
			next, err := parseOutputConfig(cur, v)
			if err != nil {
				return err
			}
			s.cfg.obuf.Store(&next)
			return nil
		}})
}

// clientType is the CLIENT LIST / KILL type of o.
func (o *Conn) clientType() string {
	if p := o.ps.Load(); p != nil {
		if ch, sh := p.counts(); ch+sh > 0 {
			return "pubsub"
		}
	}
	return "normal"
}

// subCounts returns sub=, psub= and ssub= for CLIENT LIST, and the bytes
// waiting in the outbox.
func (o *Conn) subCounts() (sub, psub, ssub, omem int) {
	p := o.ps.Load()
	if p == nil {
		return 0, 0, 0, 0
	}
	p.mu.Lock()
	sub, psub, ssub = len(p.sets[kindChannel]), len(p.sets[kindPattern]), len(p.sets[kindShard])
	omem = p.queued + p.inflight
	p.mu.Unlock()
	return
}
