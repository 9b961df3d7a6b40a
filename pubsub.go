package potato

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/puzpuzpuz/xsync/v4"

	"rustypotato/internal/keyspace"
)

// This file holds pub/sub (PUBLISH, SUBSCRIBE, PSUBSCRIBE, SPUBLISH,
// SSUBSCRIBE, PUBSUB), keyspace notifications and the change feed.
//
// Publishing is lock-free on the read side: channel -> subscribers maps
// are xsync maps whose values are immutable slices replaced on every
// (un)subscribe, and the pattern table is an immutable snapshot behind an
// atomic pointer. A publisher loads the subscribers and hands each the
// message; no lock is shared by all publishers.
//
// Keyspace notifications and the change feed are derived from the spine:
// the DB's commit path calls onMutation for every committed Mutation while
// the key is still locked, so onMutation only copies what is needed into
// an in-order queue; one dispatcher goroutine turns the queue into
// notifications and feed entries, so a writer never waits for a
// subscriber.

// ---------------------------------------------------------------------
// Messages and subscriptions
// ---------------------------------------------------------------------

// Message is one pub/sub message as a subscriber receives it.
//
// Payload is shared by every subscriber of the message: it must not be
// modified; it may be kept.
type Message struct {
	// Channel is the channel the message was published to.
	Channel string
	// Pattern is the pattern that matched Channel when the message
	// reached the subscriber through PSubscribe (Redis's "pmessage");
	// empty otherwise.
	Pattern string
	// Payload is the message.
	Payload []byte
	// Sharded is true for a message published with SPublish to a shard
	// channel (Redis's "smessage").
	Sharded bool
}

// DefaultSubscribeBuffer is the capacity of a subscription's or change
// feed's queue when its Buffer is zero.
const DefaultSubscribeBuffer = 100

// SubscribeArgs configures a Subscription (DB.SubscribeArgs).
type SubscribeArgs struct {
	// Channels, Patterns and ShardChannels are subscribed to at once, as
	// by Subscribe, PSubscribe and SSubscribe.
	Channels      []string
	Patterns      []string
	ShardChannels []string

	// Buffer is the capacity of the queue read through C and Receive.
	// Zero means DefaultSubscribeBuffer; negative means no buffer (a
	// message is handed over only to a receiver already waiting).
	Buffer int

	// Block makes a publisher wait for room in a full queue. The default
	// is to drop the message and count it (Dropped), so that one slow
	// subscriber never slows publishers, writers or other subscribers.
	//
	// A blocking subscription that falls behind delays Publish calls and,
	// if it listens to keyspace notifications, the delivery of every
	// notification and change feed (they queue up in memory meanwhile).
	// Use it for consumers that must not lose a message and keep up.
	Block bool

	// Handler, if set, is called with each message instead of queueing
	// it (C returns nil and Receive fails). It is called synchronously by
	// the publishing goroutine (a Publish caller, or the DB's event
	// dispatcher for keyspace notifications), possibly concurrently from
	// several publishers, so it must be quick and must not block. It
	// must not call Publish, SyncEvents or methods of a Subscription, nor
	// wait for anything that does.
	Handler func(Message)

	// Accept, if set, is used instead of Handler: it is called the same
	// way and reports whether the subscriber took the message. Publish
	// counts only the subscribers that took it, so a receiver that is
	// leaving a channel at that instant (a server unsubscribing a client
	// while a publisher is on its way) declines the message instead of
	// having it counted and lost.
	Accept func(Message) bool
}

// Subscription is a set of channels, patterns and shard channels whose
// messages are delivered to one receiver: a queue read through C or
// Receive, or a Handler (or Accept). Create one with DB.Subscribe, PSubscribe,
// SSubscribe or SubscribeArgs; change its set with its Subscribe and
// Unsubscribe methods; Close it when done (it is also closed when its
// context is done or the DB is closed).
//
// A Subscription is safe for concurrent use. Messages from one publisher
// arrive in the order they were published; keyspace notifications arrive
// in commit order. After Unsubscribe returns, messages already on their
// way may still arrive.
type Subscription struct {
	ps      *pubsub
	box     *mailbox[Message] // nil with a Handler or Accept
	handler func(Message)
	accept  func(Message) bool
	closedF atomic.Bool

	mu       sync.Mutex // guards the sets below, closed and stopCtx
	closed   bool
	stopCtx  func() bool
	n        uint64            // insertion counter: the sets' order
	channels map[string]uint64 // channel -> insertion number
	patterns map[string]uint64
	shards   map[string]uint64
}

// Subscribe returns a subscription to channels (SUBSCRIBE), closed when
// ctx is done. More channels may be added later with its Subscribe.
func (d *DB) Subscribe(ctx context.Context, channels ...string) *Subscription {
	return d.SubscribeArgs(ctx, SubscribeArgs{Channels: channels})
}

// PSubscribe returns a subscription to the channels matching the Redis
// glob patterns (PSUBSCRIBE), closed when ctx is done.
func (d *DB) PSubscribe(ctx context.Context, patterns ...string) *Subscription {
	return d.SubscribeArgs(ctx, SubscribeArgs{Patterns: patterns})
}

// SSubscribe returns a subscription to shard channels (SSUBSCRIBE), which
// receive only what SPublish sends to them, closed when ctx is done.
func (d *DB) SSubscribe(ctx context.Context, channels ...string) *Subscription {
	return d.SubscribeArgs(ctx, SubscribeArgs{ShardChannels: channels})
}

// SubscribeArgs returns a subscription configured by a (see
// SubscribeArgs), closed when ctx is done. ctx may be nil (no deadline).
// On a closed DB the subscription is returned closed.
func (d *DB) SubscribeArgs(ctx context.Context, a SubscribeArgs) *Subscription {
	ps := d.c.ps
	s := &Subscription{
		ps:       ps,
		handler:  a.Handler,
		accept:   a.Accept,
		channels: map[string]uint64{},
		patterns: map[string]uint64{},
		shards:   map[string]uint64{},
	}
	if a.Handler == nil && a.Accept == nil {
		s.box = newMailbox[Message](a.Buffer, a.Block)
	}
	if !ps.track(s) {
		s.Close()
		return s
	}
	s.Subscribe(a.Channels...)
	s.PSubscribe(a.Patterns...)
	s.SSubscribe(a.ShardChannels...)
	if ctx != nil && ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { s.Close() })
		s.mu.Lock()
		s.stopCtx = stop
		s.mu.Unlock()
	}
	return s
}

// C returns the channel the subscription's messages arrive on; it is
// closed when the subscription closes. It is nil for a subscription with
// a Handler or Accept.
func (s *Subscription) C() <-chan Message {
	if s.box == nil {
		return nil
	}
	return s.box.ch
}

// Receive waits for the next message. It returns ctx's error when ctx is
// done first, and ErrClosed once the subscription is closed and its queue
// drained (or at once for a subscription with a Handler or Accept).
func (s *Subscription) Receive(ctx context.Context) (Message, error) {
	if s.box == nil {
		return Message{}, ErrClosed
	}
	return s.box.receive(ctx)
}

// Dropped returns the number of messages dropped because the queue was
// full (always 0 for a blocking subscription or one with a Handler or
// Accept).
func (s *Subscription) Dropped() uint64 {
	if s.box == nil {
		return 0
	}
	return s.box.dropped.Load()
}

// Subscribe adds channels (SUBSCRIBE). Channels already subscribed are
// left as they are. It returns ErrClosed on a closed subscription.
func (s *Subscription) Subscribe(channels ...string) error {
	return s.add(s.ps.channels, &s.channels, channels, false)
}

// PSubscribe adds patterns (PSUBSCRIBE): Redis globs matched against the
// channel of every Publish (not SPublish).
func (s *Subscription) PSubscribe(patterns ...string) error {
	return s.add(nil, &s.patterns, patterns, true)
}

// SSubscribe adds shard channels (SSUBSCRIBE).
func (s *Subscription) SSubscribe(channels ...string) error {
	return s.add(s.ps.shards, &s.shards, channels, false)
}

// Unsubscribe removes channels (UNSUBSCRIBE); with none, every channel.
// It returns the channels it removed, in the order they were subscribed.
func (s *Subscription) Unsubscribe(channels ...string) []string {
	return s.remove(s.ps.channels, &s.channels, channels, false)
}

// PUnsubscribe removes patterns (PUNSUBSCRIBE); with none, every pattern.
// It returns the patterns it removed, in the order they were subscribed.
func (s *Subscription) PUnsubscribe(patterns ...string) []string {
	return s.remove(nil, &s.patterns, patterns, true)
}

// SUnsubscribe removes shard channels (SUNSUBSCRIBE); with none, every
// shard channel. It returns those it removed, in subscription order.
func (s *Subscription) SUnsubscribe(channels ...string) []string {
	return s.remove(s.ps.shards, &s.shards, channels, false)
}

// Channels returns the subscribed channels, in subscription order.
func (s *Subscription) Channels() []string { return s.list(&s.channels) }

// Patterns returns the subscribed patterns, in subscription order.
func (s *Subscription) Patterns() []string { return s.list(&s.patterns) }

// ShardChannels returns the subscribed shard channels, in subscription
// order.
func (s *Subscription) ShardChannels() []string { return s.list(&s.shards) }

// Close unsubscribes from everything and closes C. It is idempotent and
// returns nil.
func (s *Subscription) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.closedF.Store(true)
	chans, pats, shards := s.channels, s.patterns, s.shards
	s.channels, s.patterns, s.shards = map[string]uint64{}, map[string]uint64{}, map[string]uint64{}
	stop := s.stopCtx
	s.mu.Unlock()
	ps := s.ps
	for ch := range chans {
		ps.unregister(ps.channels, ch, s)
	}
	for p := range pats {
		ps.unregisterPattern(p, s)
	}
	for ch := range shards {
		ps.unregister(ps.shards, ch, s)
	}
	if s.box != nil {
		s.box.close()
	}
	if stop != nil {
		stop()
	}
	ps.untrack(s)
	return nil
}

func (s *Subscription) add(m *xsync.Map[string, *subList], set *map[string]uint64, names []string, pattern bool) error {
	if len(names) == 0 {
		return nil
	}
	// Notifications of writes that committed before this call are not
	// for this subscription: let the dispatcher deliver them first.
	s.ps.sync()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for _, n := range names {
		if _, ok := (*set)[n]; ok {
			continue
		}
		s.n++
		(*set)[n] = s.n
		if pattern {
			s.ps.registerPattern(n, s)
		} else {
			s.ps.register(m, n, s)
		}
	}
	return nil
}

func (s *Subscription) remove(m *xsync.Map[string, *subList], set *map[string]uint64, names []string, pattern bool) []string {
	// Notifications of writes that committed before this call are still
	// for this subscription.
	s.ps.sync()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(names) == 0 {
		names = sortedByOrder(*set)
	}
	var out []string
	for _, n := range names {
		if _, ok := (*set)[n]; !ok {
			continue
		}
		delete(*set, n)
		out = append(out, n)
		if pattern {
			s.ps.unregisterPattern(n, s)
		} else {
			s.ps.unregister(m, n, s)
		}
	}
	return out
}

func (s *Subscription) list(set *map[string]uint64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByOrder(*set)
}

func sortedByOrder(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		switch {
		case m[a] < m[b]:
			return -1
		case m[a] > m[b]:
			return 1
		}
		return 0
	})
	return out
}

// deliver hands m to the subscription and reports whether it counts as
// received (Publish's count). onBlock, if not nil, is told when a
// blocking delivery has to wait and when it is done waiting.
func (s *Subscription) deliver(m Message, onBlock func(bool)) bool {
	if s.closedF.Load() {
		return false
	}
	switch {
	case s.accept != nil:
		return s.accept(m)
	case s.handler != nil:
		s.handler(m)
	default:
		s.box.put(m, onBlock)
	}
	return true
}

// ---------------------------------------------------------------------
// Mailbox: the bounded queue behind a Subscription or ChangeFeed.
// ---------------------------------------------------------------------

type mailbox[T any] struct {
	ch      chan T
	block   bool
	done    chan struct{} // closed first by close, to release waiting senders
	mu      sync.RWMutex  // held for reading by senders; close takes it to close ch
	closed  bool          // guarded by mu
	once    sync.Once
	dropped atomic.Uint64
}

func newMailbox[T any](buffer int, block bool) *mailbox[T] {
	switch {
	case buffer == 0:
		buffer = DefaultSubscribeBuffer
	case buffer < 0:
		buffer = 0
	}
	return &mailbox[T]{ch: make(chan T, buffer), block: block, done: make(chan struct{})}
}

func (b *mailbox[T]) put(v T, onBlock func(bool)) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return
	}
	select {
	case b.ch <- v:
		return
	default:
	}
	if !b.block {
		b.dropped.Add(1)
		return
	}
	if onBlock != nil {
		onBlock(true)
		defer onBlock(false)
	}
	select {
	case b.ch <- v:
	case <-b.done:
	}
}

func (b *mailbox[T]) close() {
	b.once.Do(func() {
		close(b.done)
		b.mu.Lock()
		b.closed = true
		close(b.ch)
		b.mu.Unlock()
	})
}

func (b *mailbox[T]) receive(ctx context.Context) (T, error) {
	var zero T
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case v, ok := <-b.ch:
		if !ok {
			return zero, ErrClosed
		}
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// ---------------------------------------------------------------------
// The registry and publishing
// ---------------------------------------------------------------------

// pubsub is a store's pub/sub state: subscribers, notification settings,
// change feeds and the event queue.
type pubsub struct {
	c        *core
	channels *xsync.Map[string, *subList] // channel -> subscribers (immutable value)
	shards   *xsync.Map[string, *subList] // shard channel -> subscribers
	patMu    sync.Mutex                   // serializes changes to patterns
	patterns atomic.Pointer[[]*patSubs]   // immutable snapshot
	nsubs    atomic.Int64                 // channel + pattern registrations: zero skips notifications

	flags  atomic.Uint32 // notify-keyspace-events classes
	feedMu sync.Mutex    // serializes changes to feeds
	feeds  atomic.Pointer[[]*ChangeFeed]

	q events

	liveMu sync.Mutex // guards live, dead
	live   map[any]struct{}
	dead   bool // the DB closed: new subscriptions are born closed
}

type subList struct{ subs []*Subscription }

type patSubs struct {
	pattern string
	subs    []*Subscription
}

func newPubSub(c *core) *pubsub {
	ps := &pubsub{
		c:        c,
		channels: xsync.NewMap[string, *subList](),
		shards:   xsync.NewMap[string, *subList](),
		live:     map[any]struct{}{},
	}
	ps.q.init()
	return ps
}

// track records a subscription or feed so that Close of the DB closes
// it; it reports false if the DB is already closed.
func (ps *pubsub) track(x any) bool {
	ps.liveMu.Lock()
	defer ps.liveMu.Unlock()
	if ps.dead {
		return false
	}
	ps.live[x] = struct{}{}
	return true
}

func (ps *pubsub) untrack(x any) {
	ps.liveMu.Lock()
	delete(ps.live, x)
	ps.liveMu.Unlock()
}

// closeAll closes every subscription and feed (the DB is closing).
func (ps *pubsub) closeAll() {
	ps.liveMu.Lock()
	ps.dead = true
	var all []any
	for x := range ps.live {
		all = append(all, x)
	}
	ps.liveMu.Unlock()
	for _, x := range all {
		switch x := x.(type) {
		case *Subscription:
			x.Close()
		case *ChangeFeed:
			x.Close()
		}
	}
}

func (ps *pubsub) register(m *xsync.Map[string, *subList], ch string, s *Subscription) {
	m.Compute(ch, func(old *subList, loaded bool) (*subList, xsync.ComputeOp) {
		n := &subList{}
		if loaded {
			n.subs = make([]*Subscription, 0, len(old.subs)+1)
			n.subs = append(n.subs, old.subs...)
		}
		n.subs = append(n.subs, s)
		return n, xsync.UpdateOp
	})
	if m == ps.channels {
		ps.nsubs.Add(1)
	}
}

func (ps *pubsub) unregister(m *xsync.Map[string, *subList], ch string, s *Subscription) {
	removed := false
	m.Compute(ch, func(old *subList, loaded bool) (*subList, xsync.ComputeOp) {
		if !loaded {
			return nil, xsync.CancelOp
		}
		n := &subList{subs: make([]*Subscription, 0, len(old.subs))}
		for _, x := range old.subs {
			if x != s {
				n.subs = append(n.subs, x)
			}
		}
		removed = len(n.subs) < len(old.subs)
		if len(n.subs) == 0 {
			// Like Redis, forget channels nobody listens to, so that
			// PUBSUB CHANNELS and memory only count live ones.
			return nil, xsync.DeleteOp
		}
		return n, xsync.UpdateOp
	})
	if removed && m == ps.channels {
		ps.nsubs.Add(-1)
	}
}

func (ps *pubsub) registerPattern(p string, s *Subscription) {
	ps.patMu.Lock()
	defer ps.patMu.Unlock()
	var cur []*patSubs
	if t := ps.patterns.Load(); t != nil {
		cur = *t
	}
	next := make([]*patSubs, 0, len(cur)+1)
	found := false
	for _, e := range cur {
		if e.pattern == p {
			e = &patSubs{pattern: p, subs: append(slices.Clip(e.subs), s)}
			found = true
		}
		next = append(next, e)
	}
	if !found {
		next = append(next, &patSubs{pattern: p, subs: []*Subscription{s}})
	}
	ps.patterns.Store(&next)
	ps.nsubs.Add(1)
}

func (ps *pubsub) unregisterPattern(p string, s *Subscription) {
	ps.patMu.Lock()
	defer ps.patMu.Unlock()
	t := ps.patterns.Load()
	if t == nil {
		return
	}
	next := make([]*patSubs, 0, len(*t))
	removed := false
	for _, e := range *t {
		if e.pattern == p {
			subs := make([]*Subscription, 0, len(e.subs))
			for _, x := range e.subs {
				if x != s {
					subs = append(subs, x)
				} else {
					removed = true
				}
			}
			if len(subs) == 0 {
				continue
			}
			e = &patSubs{pattern: p, subs: subs}
		}
		next = append(next, e)
	}
	ps.patterns.Store(&next)
	if removed {
		ps.nsubs.Add(-1)
	}
}

// Publish posts message to channel (PUBLISH) and returns the number of
// subscriptions it reached: those subscribed to the channel plus, for each
// pattern matching it, those subscribed to the pattern (a subscription
// reached twice counts twice, as in Redis). message is copied. A message
// to a full non-blocking subscription is dropped there but still counted.
//
// Keyspace notifications of writes committed before Publish is called
// reach subscribers before the message.
func (d *DB) Publish(channel string, message []byte) int64 {
	return d.c.ps.publishCopy(channel, message, false)
}

// SPublish posts message to the shard channel (SPUBLISH): only SSubscribe
// subscribers of exactly that channel receive it. It returns their number.
func (d *DB) SPublish(channel string, message []byte) int64 {
	return d.c.ps.publishCopy(channel, message, true)
}

func (ps *pubsub) publishCopy(channel string, message []byte, sharded bool) int64 {
	if ps.c.closed.Load() {
		return 0
	}
	ps.sync()
	payload := make([]byte, len(message))
	copy(payload, message)
	return ps.publish(channel, payload, sharded, nil)
}

// publish delivers payload (not copied) to the subscribers of channel.
func (ps *pubsub) publish(channel string, payload []byte, sharded bool, onBlock func(bool)) int64 {
	n := int64(0)
	m := ps.channels
	if sharded {
		m = ps.shards
	}
	if l, ok := m.Load(channel); ok {
		msg := Message{Channel: channel, Payload: payload, Sharded: sharded}
		for _, s := range l.subs {
			if s.deliver(msg, onBlock) {
				n++
			}
		}
	}
	if sharded {
		return n
	}
	if t := ps.patterns.Load(); t != nil {
		for _, e := range *t {
			if !keyspace.Match(e.pattern, channel, false) {
				continue
			}
			msg := Message{Channel: channel, Pattern: e.pattern, Payload: payload}
			for _, s := range e.subs {
				if s.deliver(msg, onBlock) {
					n++
				}
			}
		}
	}
	return n
}

// PubSubChannels returns the channels with at least one subscriber that
// match the Redis glob pattern, sorted (PUBSUB CHANNELS). An empty pattern
// means every channel (PUBSUB CHANNELS without a pattern). Pattern
// subscriptions are not channels.
func (d *DB) PubSubChannels(pattern string) []string {
	return channelList(d.c.ps.channels, pattern)
}

// PubSubShardChannels is PubSubChannels for shard channels (PUBSUB
// SHARDCHANNELS).
func (d *DB) PubSubShardChannels(pattern string) []string {
	return channelList(d.c.ps.shards, pattern)
}

func channelList(m *xsync.Map[string, *subList], pattern string) []string {
	var out []string
	m.Range(func(ch string, _ *subList) bool {
		if pattern == "" || keyspace.Match(pattern, ch, false) {
			out = append(out, ch)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// PubSubNumSub returns the number of subscriptions to each of channels,
// not counting pattern subscriptions (PUBSUB NUMSUB).
func (d *DB) PubSubNumSub(channels ...string) map[string]int64 {
	return numSub(d.c.ps.channels, channels)
}

// PubSubShardNumSub returns the number of subscriptions to each of the
// shard channels (PUBSUB SHARDNUMSUB).
func (d *DB) PubSubShardNumSub(channels ...string) map[string]int64 {
	return numSub(d.c.ps.shards, channels)
}

func numSub(m *xsync.Map[string, *subList], channels []string) map[string]int64 {
	out := make(map[string]int64, len(channels))
	for _, ch := range channels {
		n := int64(0)
		if l, ok := m.Load(ch); ok {
			n = int64(len(l.subs))
		}
		out[ch] = n
	}
	return out
}

// PubSubNumPat returns the number of distinct patterns subscribed to (by
// any subscription) (PUBSUB NUMPAT).
func (d *DB) PubSubNumPat() int64 {
	if t := d.c.ps.patterns.Load(); t != nil {
		return int64(len(*t))
	}
	return 0
}

// ---------------------------------------------------------------------
// Keyspace notifications
// ---------------------------------------------------------------------

// The notify-keyspace-events classes, with Redis 7.0's bit values.
const (
	notifyKeyspace uint32 = 1 << 0  // K
	notifyKeyevent uint32 = 1 << 1  // E
	notifyGeneric  uint32 = 1 << 2  // g
	notifyString   uint32 = 1 << 3  // $
	notifyList     uint32 = 1 << 4  // l
	notifySet      uint32 = 1 << 5  // s
	notifyHash     uint32 = 1 << 6  // h
	notifyZSet     uint32 = 1 << 7  // z
	notifyExpired  uint32 = 1 << 8  // x
	notifyEvicted  uint32 = 1 << 9  // e
	notifyStream   uint32 = 1 << 10 // t
	notifyKeyMiss  uint32 = 1 << 11 // m
	notifyModule   uint32 = 1 << 13 // d
	notifyNew      uint32 = 1 << 14 // n
	// notifyAll is 'A': every class but m and n.
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZSet |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
	notifyOut = notifyKeyspace | notifyKeyevent
)

// parseNotifyFlags parses a notify-keyspace-events string as Redis's
// keyspaceEventsStringToFlags does.
func parseNotifyFlags(s string) (uint32, error) {
	var f uint32
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			f |= notifyAll
		case 'g':
			f |= notifyGeneric
		case '$':
			f |= notifyString
		case 'l':
			f |= notifyList
		case 's':
			f |= notifySet
		case 'h':
			f |= notifyHash
		case 'z':
			f |= notifyZSet
		case 'x':
			f |= notifyExpired
		case 'e':
			f |= notifyEvicted
		case 'K':
			f |= notifyKeyspace
		case 'E':
			f |= notifyKeyevent
		case 't':
			f |= notifyStream
		case 'm':
			f |= notifyKeyMiss
		case 'd':
			f |= notifyModule
		case 'n':
			f |= notifyNew
		default:
			return 0, fmt.Errorf("%w: Invalid event class character. Use 'Ag$lshzxeKEtmdn'.", ErrInvalidArgument)
		}
	}
	return f, nil
}

// renderNotifyFlags renders f as Redis's keyspaceEventsFlagsToString does
// (what CONFIG GET shows).
func renderNotifyFlags(f uint32) string {
	b := make([]byte, 0, 16)
	if f&notifyAll == notifyAll {
		b = append(b, 'A')
	} else {
		for _, x := range []struct {
			bit uint32
			c   byte
		}{{notifyGeneric, 'g'}, {notifyString, '$'}, {notifyList, 'l'}, {notifySet, 's'}, {notifyHash, 'h'},
			{notifyZSet, 'z'}, {notifyExpired, 'x'}, {notifyEvicted, 'e'}, {notifyStream, 't'},
			{notifyModule, 'd'}, {notifyNew, 'n'}} {
			if f&x.bit != 0 {
				b = append(b, x.c)
			}
		}
	}
	if f&notifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&notifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&notifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// SetNotifyKeyspaceEvents sets which keyspace notifications are published
// (CONFIG SET notify-keyspace-events), from Redis's class characters:
// K (keyspace channel __keyspace@<db>__:<key>), E (keyevent channel
// __keyevent@<db>__:<event>), g (generic: del, expire, rename, ...),
// $ (strings), l (lists), s (sets), h (hashes), z (sorted sets),
// x (expired), e (evicted), t (streams), m (key misses), d (module and
// extension events), n (new keys), A (alias for g$lshzxetd). An empty
// string turns notifications off. An unknown character returns an
// ErrInvalidArgument error with Redis's text, and nothing changes.
// The setting applies to the whole store, every database and handle.
func (d *DB) SetNotifyKeyspaceEvents(classes string) error {
	f, err := parseNotifyFlags(classes)
	if err != nil {
		return err
	}
	d.c.ps.flags.Store(f)
	return nil
}

// NotifyKeyspaceEvents returns the notification classes in the form
// CONFIG GET notify-keyspace-events shows (e.g. "AKE" for "KEA").
func (d *DB) NotifyKeyspaceEvents() string {
	return renderNotifyFlags(d.c.ps.flags.Load())
}

// eventClass maps an event name (a Mutation's Op) to its class, as the
// Redis 7.0 commands that emit it declare.
func eventClass(op string) uint32 {
	switch op {
	case "set", "setrange", "incrby", "incrbyfloat", "append", "setbit", "pfadd", "decrby":
		return notifyString
	case "del", "expire", "persist", "rename_from", "rename_to", "move_from", "move_to",
		"copy_to", "restore":
		return notifyGeneric
	case "lpush", "rpush", "lpop", "rpop", "linsert", "lset", "lrem", "ltrim", "sortstore":
		return notifyList
	case "hset", "hdel", "hincrby", "hincrbyfloat":
		return notifyHash
	case "sadd", "srem", "spop", "sinterstore", "sunionstore", "sdiffstore":
		return notifySet
	case "zadd", "zincr", "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex",
		"zpopmin", "zpopmax", "zinterstore", "zunionstore", "zdiffstore", "zrangestore":
		return notifyZSet
	case "xadd", "xtrim", "xdel", "xsetid", "xclaim", "xautoclaim", "xgroup-create",
		"xgroup-createconsumer", "xgroup-delconsumer", "xgroup-destroy", "xgroup-setid":
		return notifyStream
	case "expired":
		return notifyExpired
	case "evicted":
		return notifyEvicted
	case "new":
		return notifyNew
	case "keymiss":
		return notifyKeyMiss
	case "flushdb", "flushall", "swapdb", "":
		// Database-wide changes: Redis announces none.
		return 0
	}
	for i := 0; i < len(op); i++ {
		if op[i] == '.' {
			// Extension commands ("json.set", plugins): Redis's module
			// class.
			return notifyModule
		}
	}
	return notifyGeneric
}

// createsKey reports whether m brings its key into existence: Redis then
// announces "new" before the command's own event. RENAME, MOVE, COPY and
// RESTORE always create the destination in Redis (an old one is deleted
// first, silently).
func createsKey(m *Mutation) bool {
	switch m.Op {
	case "rename_to", "move_to", "copy_to", "restore":
		return true
	}
	return len(m.Edits) > 0 && m.Edits[0].Kind == EditSet && m.Edits[0].prev == nil
}

// notify publishes one keyspace event as Redis's notifyKeyspaceEvent does.
// Events of main use Redis's channels; events of another branch are
// announced on the same channels prefixed with "__branch@<name>__:", so
// that no subscription of main's channels (not even __key*__:*) sees them.
func (ps *pubsub) notify(flags uint32, op, branch string, db int, key string) {
	if ps.nsubs.Load() == 0 {
		return
	}
	var dbs [20]byte
	d := strconv.AppendInt(dbs[:0], int64(db), 10)
	prefix := func(ch []byte) []byte {
		if branch != "" && branch != MainBranch {
			ch = append(append(append(ch, "__branch@"...), branch...), "__:"...)
		}
		return ch
	}
	if flags&notifyKeyspace != 0 {
		ch := make([]byte, 0, len("__branch@__:__keyspace@__:")+len(branch)+len(d)+len(key))
		ch = append(append(append(append(prefix(ch), "__keyspace@"...), d...), "__:"...), key...)
		ps.publish(string(ch), []byte(op), false, ps.q.onBlock)
	}
	if flags&notifyKeyevent != 0 {
		ch := make([]byte, 0, len("__branch@__:__keyevent@__:")+len(branch)+len(d)+len(op))
		ch = append(append(append(append(prefix(ch), "__keyevent@"...), d...), "__:"...), op...)
		ps.publish(string(ch), []byte(key), false, ps.q.onBlock)
	}
}

// ---------------------------------------------------------------------
// The event queue: spine -> dispatcher
// ---------------------------------------------------------------------

type eventKind uint8

const (
	evMutation eventKind = iota // a committed Mutation
	evNew                       // a "new" announced ahead of its mutation (RENAME, MOVE)
	evKeyMiss                   // a read of a missing key
)

// event is one queued item: a copy of a Mutation (with its Edits only if
// change feeds were open) and the notification classes in force when it
// committed.
type event struct {
	m     Mutation
	flags uint32
	kind  eventKind
	isNew bool // announce "new" first
	feed  bool // m.Edits is a private copy for change feeds
}

// events is the in-order queue from the commit path to the dispatcher.
type events struct {
	mu      sync.Mutex
	prog    sync.Cond // signalled (on mu) when the dispatcher progresses or blocks
	q       []event
	spare   []event
	held    []event // rename_from / move_from waiting for their _to
	enq     atomic.Uint64
	done    atomic.Uint64
	waiting bool          // the dispatcher waits for wake
	wake    chan struct{} // capacity 1
	blocked int           // deliveries of the dispatcher waiting on a blocking subscriber
	stopped bool
}

func (q *events) init() {
	q.prog.L = &q.mu
	q.wake = make(chan struct{}, 1)
}

// push appends ev. It runs on the commit path: quick, never blocks on a
// subscriber.
func (q *events) push(ev event) {
	q.mu.Lock()
	switch ev.m.Op {
	case "rename_from", "move_from":
		// Redis announces the destination's "new" before the source's
		// event: hold this one until its _to (the next seq) arrives.
		q.held = append(q.held, ev)
		q.mu.Unlock()
		return
	case "rename_to", "move_to":
		for i, h := range q.held {
			if h.m.Seq+1 == ev.m.Seq && h.m.Branch == ev.m.Branch {
				q.held = slices.Delete(q.held, i, i+1)
				q.appendLocked(event{kind: evNew, flags: ev.flags, m: Mutation{Branch: ev.m.Branch, Seq: ev.m.Seq, Time: ev.m.Time, DB: ev.m.DB, Key: ev.m.Key, Op: "new"}})
				q.appendLocked(h)
				break
			}
		}
		ev.isNew = false
		if ev.flags == 0 && !ev.feed {
			q.mu.Unlock()
			return
		}
	}
	q.appendLocked(ev)
	q.mu.Unlock()
}

func (q *events) appendLocked(ev event) {
	q.q = append(q.q, ev)
	q.enq.Add(1)
	if q.waiting {
		q.waiting = false
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// onBlock is the dispatcher's report that a delivery waits for a
// blocking subscriber: SyncEvents stops waiting for it then, so that such
// a subscriber's consumer can publish without deadlock.
func (q *events) onBlock(on bool) {
	q.mu.Lock()
	if on {
		q.blocked++
	} else {
		q.blocked--
	}
	q.prog.Broadcast()
	q.mu.Unlock()
}

// sync waits until every event queued before the call is delivered, or
// the dispatcher is blocked on a blocking subscriber, or the DB closed.
func (ps *pubsub) sync() {
	q := &ps.q
	target := q.enq.Load()
	if q.done.Load() >= target {
		return
	}
	q.mu.Lock()
	for q.done.Load() < target && q.blocked == 0 && !q.stopped {
		q.prog.Wait()
	}
	q.mu.Unlock()
}

// SyncEvents waits until the keyspace notifications and change-feed
// entries of every write committed before the call have been handed to
// their subscribers (queued for them, or dropped by full non-blocking
// ones). Publish, and changes to a Subscription, do this by themselves;
// tests and servers use it to order their own replies after the
// notifications of a write. It returns early if delivery is waiting for a
// blocking subscriber.
func (d *DB) SyncEvents() { d.c.ps.sync() }

// onMutation is the spine's callback: it runs for every committed
// Mutation, under the key's lock, and only queues.
func (ps *pubsub) onMutation(m *Mutation) {
	flags := ps.flags.Load()
	notifying := flags&notifyOut != 0 && flags&^notifyOut != 0
	feeds := ps.feeds.Load()
	hasFeeds := feeds != nil && len(*feeds) > 0
	if !notifying && !hasFeeds {
		switch m.Op {
		case "rename_to", "move_to":
			// Its _from may be held from before a settings change.
		default:
			return
		}
	}
	ev := event{flags: flags, m: Mutation{Branch: m.Branch, Seq: m.Seq, Time: m.Time, DB: m.DB, Key: m.Key, Op: m.Op}}
	if !notifying {
		ev.flags = 0
	}
	ev.isNew = createsKey(m)
	if hasFeeds {
		ev.feed = true
		ev.m.Edits = make([]Edit, len(m.Edits))
		for i, e := range m.Edits {
			// Leave the unexported undo state behind: it would pin old
			// entries (whole hashes and lists) for as long as a reader
			// keeps the Mutation.
			ev.m.Edits[i] = Edit{Kind: e.Kind, Field: e.Field, Index: e.Index, Before: e.Before,
				After: e.After, Deadline: e.Deadline, PrevDeadline: e.PrevDeadline}
		}
	}
	ps.q.push(ev)
}

// keyMiss queues a "keymiss" event (class m) for a read that found no key.
// The caller checks that the class is on.
func (c *core) keyMiss(br *branch, db int, key string) {
	flags := c.ps.flags.Load()
	if flags&notifyOut == 0 {
		return
	}
	c.ps.q.push(event{kind: evKeyMiss, flags: flags, m: Mutation{Branch: br.name, DB: db, Key: key, Op: "keymiss"}})
}

// notifyKeyMissOn reports whether reads of missing keys are announced.
func (c *core) notifyKeyMissOn() bool {
	return c.ps.flags.Load()&notifyKeyMiss != 0
}

// start registers onMutation with the spine and starts the dispatcher;
// Open calls it.
func (ps *pubsub) start() {
	c := ps.c
	f, _ := parseNotifyFlags(c.opts.NotifyKeyspaceEvents) // validated by Open
	ps.flags.Store(f)
	c.subscribe(ps.onMutation)
	c.bg.Add(1)
	go ps.dispatch()
}

// dispatch is the dispatcher goroutine: it drains the queue in order.
func (ps *pubsub) dispatch() {
	c := ps.c
	q := &ps.q
	defer c.bg.Done()
	defer ps.closeAll()
	for {
		q.mu.Lock()
		for len(q.q) == 0 {
			q.waiting = true
			q.mu.Unlock()
			select {
			case <-q.wake:
			case <-c.stop:
				q.mu.Lock()
				q.stopped = true
				q.prog.Broadcast()
				q.mu.Unlock()
				return
			}
			q.mu.Lock()
		}
		batch := q.q
		q.q = q.spare[:0]
		q.mu.Unlock()
		for i := range batch {
			ps.deliverEvent(&batch[i])
		}
		n := len(batch)
		clear(batch)
		q.mu.Lock()
		q.spare = batch[:0]
		q.done.Add(uint64(n))
		q.prog.Broadcast()
		q.mu.Unlock()
	}
}

func (ps *pubsub) deliverEvent(ev *event) {
	if ev.feed && ev.kind == evMutation {
		if fs := ps.feeds.Load(); fs != nil {
			for _, f := range *fs {
				f.offer(&ev.m, ps.q.onBlock)
			}
		}
	}
	fl := ev.flags
	if fl&notifyOut == 0 {
		return
	}
	m := &ev.m
	if ev.kind == evNew || ev.isNew {
		if fl&notifyNew != 0 {
			ps.notify(fl, "new", m.Branch, m.DB, m.Key)
		}
		if ev.kind == evNew {
			return
		}
	}
	if fl&eventClass(m.Op) != 0 {
		ps.notify(fl, m.Op, m.Branch, m.DB, m.Key)
	}
}

// ---------------------------------------------------------------------
// The change feed
// ---------------------------------------------------------------------

// ChangeFeedArgs configures a ChangeFeed (DB.WatchChangesArgs).
type ChangeFeedArgs struct {
	// Pattern selects keys with a Redis glob (as KEYS does); "*" means
	// every key, the empty key included.
	Pattern string
	// AllDBs feeds changes of every database, not just the handle's.
	AllDBs bool
	// AllBranches feeds changes of every branch, not just the handle's
	// (Mutation.Branch says which).
	AllBranches bool
	// Buffer and Block are as in SubscribeArgs: the queue's capacity
	// (zero means DefaultSubscribeBuffer) and whether the dispatcher
	// waits for room (delaying every notification and feed) rather than
	// dropping and counting.
	Buffer int
	Block  bool
	// Since, with Replay (or when non-zero), makes the feed start with
	// the retained changes of the handle's branch with a seq greater than
	// Since, read from the timeline, then follow live changes, in seq
	// order, never dropping one (Block is implied): a feed that survives
	// disconnects by resuming from the last seq it saw. If Since is older
	// than the timeline keeps, the feed closes at once and Err returns an
	// error wrapping ErrTimelineTrimmed that names the oldest retained
	// seq (resynchronize then). It needs the timeline on; AllBranches is
	// not supported with it.
	Since  uint64
	Replay bool
}

// ChangeFeed delivers the Mutations of the keys it watches, in commit
// order per key: what changed (Op, Redis's event name), where (DB, Key),
// when (Seq, Time), and the primitive Edits with their before and after
// images. FLUSHDB and SWAPDB, which change every key of a database, reach
// every feed on that database (their Key is ""). It is an extension: no
// Redis has it.
//
// The Mutations it delivers are copies owned by the receiver; their
// byte slices must not be modified. A ChangeFeed is safe for concurrent
// use; Close it when done (it is also closed when its context is done or
// the DB is closed).
type ChangeFeed struct {
	ps      *pubsub
	box     *mailbox[Mutation]
	db      int
	allDBs  bool
	branch  string
	allBrs  bool
	pattern string
	once    sync.Once
	stop    atomic.Pointer[func() bool]
	err     atomic.Pointer[error]
}

// Err returns why the feed closed on its own (a replaying feed fallen
// behind the timeline's retention, ErrTimelineTrimmed; the timeline
// turned off, ErrTimelineOff; its branch deleted, ErrNoBranch), nil
// while it is open or when it was closed by Close, its context or the
// DB's Close.
func (f *ChangeFeed) Err() error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

// WatchChanges returns a feed of the changes to keys of this handle's
// database matching pattern, closed when ctx is done. (WatchKeys is
// Redis's WATCH, for transactions; this is a stream of changes.)
func (d *DB) WatchChanges(ctx context.Context, pattern string) *ChangeFeed {
	return d.WatchChangesArgs(ctx, ChangeFeedArgs{Pattern: pattern})
}

// WatchChangesArgs returns a change feed configured by a, closed when ctx
// is done. ctx may be nil. On a closed DB the feed is returned closed.
func (d *DB) WatchChangesArgs(ctx context.Context, a ChangeFeedArgs) *ChangeFeed {
	if a.Replay || a.Since > 0 {
		return d.replayFeed(ctx, a)
	}
	ps := d.c.ps
	f := &ChangeFeed{ps: ps, box: newMailbox[Mutation](a.Buffer, a.Block), db: d.db, allDBs: a.AllDBs,
		branch: d.br.name, allBrs: a.AllBranches, pattern: a.Pattern}
	if !ps.track(f) {
		f.Close()
		return f
	}
	ps.feedMu.Lock()
	var cur []*ChangeFeed
	if p := ps.feeds.Load(); p != nil {
		cur = *p
	}
	next := append(slices.Clip(cur), f)
	ps.feeds.Store(&next)
	ps.feedMu.Unlock()
	// Changes committed before the call are not for this feed.
	ps.sync()
	if ctx != nil && ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { f.Close() })
		f.stop.Store(&stop)
	}
	return f
}

// C returns the channel the feed's Mutations arrive on; it is closed when
// the feed closes.
func (f *ChangeFeed) C() <-chan Mutation { return f.box.ch }

// Receive waits for the next Mutation. It returns ctx's error when ctx is
// done first, and ErrClosed once the feed is closed and drained.
func (f *ChangeFeed) Receive(ctx context.Context) (Mutation, error) {
	return f.box.receive(ctx)
}

// Dropped returns the number of Mutations dropped because the queue was
// full (always 0 for a blocking feed).
func (f *ChangeFeed) Dropped() uint64 { return f.box.dropped.Load() }

// Close stops the feed and closes C. It is idempotent and returns nil.
func (f *ChangeFeed) Close() error {
	f.once.Do(func() {
		ps := f.ps
		ps.feedMu.Lock()
		if p := ps.feeds.Load(); p != nil {
			next := make([]*ChangeFeed, 0, len(*p))
			for _, x := range *p {
				if x != f {
					next = append(next, x)
				}
			}
			ps.feeds.Store(&next)
		}
		ps.feedMu.Unlock()
		f.box.close()
		if stop := f.stop.Load(); stop != nil {
			(*stop)()
		}
		ps.untrack(f)
	})
	return nil
}

// offer delivers m if the feed watches its key.
func (f *ChangeFeed) offer(m *Mutation, onBlock func(bool)) {
	if !f.allBrs && m.Branch != f.branch {
		return
	}
	if !f.allDBs && m.DB != f.db {
		if !(m.dbWide() && m.Edits[0].Kind == EditSwapDB && m.Edits[0].Index == f.db) {
			return
		}
	}
	if !m.dbWide() && f.pattern != "*" && !keyspace.Match(f.pattern, m.Key, false) {
		return
	}
	f.box.put(*m, onBlock)
}
