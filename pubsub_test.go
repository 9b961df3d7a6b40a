package potato

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rustypotato/internal/keyspace"
)

// psRecv receives n messages from s or fails after a timeout.
func psRecv(t *testing.T, s *Subscription, n int) []Message {
	t.Helper()
	var out []Message
	for len(out) < n {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		m, err := s.Receive(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Receive after %d of %d messages: %v", len(out), n, err)
		}
		out = append(out, m)
	}
	return out
}

// psNone checks that s has nothing queued once pending events are out.
func psNone(t *testing.T, d *DB, s *Subscription) {
	t.Helper()
	d.SyncEvents()
	select {
	case m := <-s.C():
		t.Fatalf("unexpected message %+v", m)
	default:
	}
}

// psShow renders messages as "channel pattern payload" lines.
func psShow(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		kind := "message"
		switch {
		case m.Pattern != "":
			kind = "pmessage " + m.Pattern
		case m.Sharded:
			kind = "smessage"
		}
		fmt.Fprintf(&b, "%s %s %s\n", kind, m.Channel, m.Payload)
	}
	return b.String()
}

func TestPublishSubscribe(t *testing.T) {
	d, _ := openTestDB(t)
	ctx := context.Background()
	s1 := d.Subscribe(ctx, "news", "sport")
	defer s1.Close()
	s2 := d.PSubscribe(ctx, "n*", "*s")
	defer s2.Close()
	s3 := d.SSubscribe(ctx, "news")
	defer s3.Close()

	tests := []struct {
		channel string
		sharded bool
		want    int64
	}{
		{"news", false, 3},   // s1 + n* + *s
		{"sport", false, 1},  // s1 only ("*s" does not match "sport")
		{"nope", false, 1},   // n*
		{"other", false, 0},  // nobody
		{"news", true, 1},    // s3 only: shard channels ignore patterns
		{"sport", true, 0},   // shard namespace is separate
		{"", false, 0},       // the empty channel matches no glob but ""
		{"ns", false, 2},     // n* and *s
		{"NEWS", false, 0},   // case-sensitive
		{"n\x00s", false, 2}, // binary-safe
	}
	for _, tt := range tests {
		var got int64
		if tt.sharded {
			got = d.SPublish(tt.channel, []byte("m:"+tt.channel))
		} else {
			got = d.Publish(tt.channel, []byte("m:"+tt.channel))
		}
		if got != tt.want {
			t.Errorf("publish %q (sharded %v) = %d, want %d", tt.channel, tt.sharded, got, tt.want)
		}
	}
	if got, want := psShow(psRecv(t, s1, 2)), "message news m:news\nmessage sport m:sport\n"; got != want {
		t.Errorf("s1 got\n%s want\n%s", got, want)
	}
	want2 := "pmessage n* news m:news\npmessage *s news m:news\npmessage n* nope m:nope\n" +
		"pmessage n* ns m:ns\npmessage *s ns m:ns\npmessage n* n\x00s m:n\x00s\npmessage *s n\x00s m:n\x00s\n"
	if got := psShow(psRecv(t, s2, 7)); got != want2 {
		t.Errorf("s2 got\n%s want\n%s", got, want2)
	}
	if got, want := psShow(psRecv(t, s3, 1)), "smessage news m:news\n"; got != want {
		t.Errorf("s3 got %q want %q", got, want)
	}
	psNone(t, d, s1)
	psNone(t, d, s2)
	psNone(t, d, s3)
}

func TestPublishCopiesPayload(t *testing.T) {
	d, _ := openTestDB(t)
	s := d.Subscribe(context.Background(), "c")
	defer s.Close()
	buf := []byte("hello")
	d.Publish("c", buf)
	copy(buf, "XXXXX")
	if m := psRecv(t, s, 1)[0]; string(m.Payload) != "hello" {
		t.Fatalf("payload %q changed with the caller's buffer", m.Payload)
	}
}

func TestSubscriptionSets(t *testing.T) {
	d, _ := openTestDB(t)
	s := d.SubscribeArgs(context.Background(), SubscribeArgs{Channels: []string{"b", "a", "b"}, Patterns: []string{"p*"}, ShardChannels: []string{"s"}})
	defer s.Close()
	if got := s.Channels(); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("Channels = %q", got)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Subscribe("c"))
	must(s.PSubscribe("q*", "p*"))
	if got := s.Patterns(); !slices.Equal(got, []string{"p*", "q*"}) {
		t.Errorf("Patterns = %q", got)
	}
	if got := d.PubSubChannels(""); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("PubSubChannels = %q", got)
	}
	if got := d.PubSubChannels("[ab]"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("PubSubChannels([ab]) = %q", got)
	}
	if got := d.PubSubShardChannels(""); !slices.Equal(got, []string{"s"}) {
		t.Errorf("PubSubShardChannels = %q", got)
	}
	if n := d.PubSubNumPat(); n != 2 {
		t.Errorf("PubSubNumPat = %d", n)
	}
	s2 := d.PSubscribe(context.Background(), "p*")
	if n := d.PubSubNumPat(); n != 2 {
		t.Errorf("PubSubNumPat with a shared pattern = %d, want 2 (distinct patterns)", n)
	}
	s2.Subscribe("a")
	if got := d.PubSubNumSub("a", "b", "zz"); got["a"] != 2 || got["b"] != 1 || got["zz"] != 0 {
		t.Errorf("PubSubNumSub = %v", got)
	}
	s2.Close()
	if got := d.PubSubShardNumSub("s", "a"); got["s"] != 1 || got["a"] != 0 {
		t.Errorf("PubSubShardNumSub = %v", got)
	}
	if got := s.Unsubscribe("a", "zz"); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Unsubscribe(a, zz) = %q", got)
	}
	if got := s.Unsubscribe(); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("Unsubscribe() = %q, want subscription order", got)
	}
	if got := s.Unsubscribe(); got != nil {
		t.Errorf("Unsubscribe() again = %q", got)
	}
	if got := s.PUnsubscribe(); !slices.Equal(got, []string{"p*", "q*"}) {
		t.Errorf("PUnsubscribe() = %q", got)
	}
	if got := s.SUnsubscribe("s"); !slices.Equal(got, []string{"s"}) {
		t.Errorf("SUnsubscribe = %q", got)
	}
	if got := d.PubSubChannels(""); len(got) != 0 {
		t.Errorf("channels left after unsubscribing all: %q", got)
	}
	if d.PubSubNumPat() != 0 || len(d.PubSubShardChannels("")) != 0 {
		t.Error("patterns or shard channels left")
	}
	if n := d.Publish("b", []byte("x")); n != 0 {
		t.Errorf("Publish after unsubscribe reached %d", n)
	}
}

func TestSubscriptionDropAndBlock(t *testing.T) {
	d, _ := openTestDB(t)
	ctx := context.Background()
	drop := d.SubscribeArgs(ctx, SubscribeArgs{Channels: []string{"c"}, Buffer: 3})
	defer drop.Close()
	for i := 0; i < 10; i++ {
		if n := d.Publish("c", []byte{byte('0' + i)}); n != 1 {
			t.Fatalf("Publish = %d", n)
		}
	}
	if got := psShow(psRecv(t, drop, 3)); got != "message c 0\nmessage c 1\nmessage c 2\n" {
		t.Errorf("dropping subscription kept %q, want the first 3", got)
	}
	if n := drop.Dropped(); n != 7 {
		t.Errorf("Dropped = %d, want 7", n)
	}

	block := d.SubscribeArgs(ctx, SubscribeArgs{Channels: []string{"b"}, Buffer: 1, Block: true})
	defer block.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			d.Publish("b", []byte(fmt.Sprint(i)))
		}
	}()
	for i := 0; i < 50; i++ {
		m := psRecv(t, block, 1)[0]
		if string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("blocking subscription: message %d is %q", i, m.Payload)
		}
	}
	<-done
	if block.Dropped() != 0 {
		t.Errorf("blocking subscription dropped %d", block.Dropped())
	}

	// A publisher blocked on a full subscription is released by Close.
	stuck := d.SubscribeArgs(ctx, SubscribeArgs{Channels: []string{"s"}, Buffer: -1, Block: true})
	released := make(chan struct{})
	go func() { d.Publish("s", []byte("x")); close(released) }()
	time.Sleep(20 * time.Millisecond)
	stuck.Close()
	select {
	case <-released:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish still blocked after Close of the full subscription")
	}
}

func TestSubscriptionHandler(t *testing.T) {
	d, _ := openTestDB(t)
	var mu sync.Mutex
	var got []string
	s := d.SubscribeArgs(nil, SubscribeArgs{Patterns: []string{"h.*"}, Handler: func(m Message) {
		mu.Lock()
		got = append(got, m.Pattern+" "+m.Channel+" "+string(m.Payload))
		mu.Unlock()
	}})
	d.Publish("h.1", []byte("a"))
	d.Publish("h.2", []byte("b"))
	mu.Lock()
	if want := []string{"h.* h.1 a", "h.* h.2 b"}; !slices.Equal(got, want) {
		t.Errorf("handler got %q, want %q (synchronous, in order)", got, want)
	}
	mu.Unlock()
	if s.C() != nil {
		t.Error("C of a handler subscription is not nil")
	}
	if _, err := s.Receive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive on a handler subscription: %v", err)
	}
	s.Close()
	if n := d.Publish("h.3", []byte("c")); n != 0 {
		t.Errorf("Publish after Close reached %d", n)
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	d, _ := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := d.Subscribe(ctx, "c")
	d.Publish("c", []byte("1"))
	cancel()
	// Buffered messages are still readable, then the channel closes.
	var n int
	for range s.C() {
		n++
	}
	if n > 1 {
		t.Errorf("got %d messages", n)
	}
	if _, err := s.Receive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive after ctx cancel: %v", err)
	}
	if err := s.Subscribe("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe on closed subscription: %v", err)
	}
	if got := d.PubSubChannels(""); len(got) != 0 {
		t.Errorf("channels after ctx cancel: %q", got)
	}
	s.Close() // idempotent

	// Receive honours its own context.
	s2 := d.Subscribe(nil, "c")
	tctx, tcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer tcancel()
	if _, err := s2.Receive(tctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive with expired ctx: %v", err)
	}

	// Closing the DB closes subscriptions and feeds; new ones are born
	// closed; Publish reaches nobody.
	f := d.WatchChanges(nil, "*")
	d.Close()
	if _, err := s2.Receive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive after DB Close: %v", err)
	}
	if _, err := f.Receive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("feed Receive after DB Close: %v", err)
	}
	s3 := d.Subscribe(context.Background(), "c")
	if _, err := s3.Receive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive on a subscription of a closed DB: %v", err)
	}
	if n := d.Publish("c", nil); n != 0 {
		t.Errorf("Publish on closed DB = %d", n)
	}
}

func TestNotifyFlags(t *testing.T) {
	// Renderings checked against redis-server 7.0.15 (CONFIG SET then GET).
	tests := []struct{ in, want, err string }{
		{"", "", ""},
		{"K", "K", ""},
		{"E", "E", ""},
		{"g", "g", ""},
		{"A", "A", ""},
		{"KA", "AK", ""},
		{"KEA", "AKE", ""},
		{"Am", "Am", ""},
		{"An", "A", ""},
		{"gn$lshzxetd", "A", ""},
		{"KEAmn", "AKEm", ""},
		{"gKgE", "gKE", ""},
		{"xxKE", "xKE", ""},
		{"Ad", "A", ""},
		{"g$lshzxetd", "A", ""},
		{"Kg$", "g$K", ""},
		{"Elhn", "lhnE", ""},
		{"Q", "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{"KEa", "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
	}
	d, _ := openTestDB(t)
	for _, tt := range tests {
		d.SetNotifyKeyspaceEvents("")
		err := d.SetNotifyKeyspaceEvents(tt.in)
		if tt.err != "" {
			if !errors.Is(err, ErrInvalidArgument) || !strings.HasSuffix(err.Error(), ": "+tt.err) {
				t.Errorf("Set(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%q): %v", tt.in, err)
			continue
		}
		if got := d.NotifyKeyspaceEvents(); got != tt.want {
			t.Errorf("Set(%q) renders %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, err := Open(Options{NotifyKeyspaceEvents: "Z"}); err == nil || !strings.Contains(err.Error(), "NotifyKeyspaceEvents") {
		t.Errorf("Open with invalid NotifyKeyspaceEvents: %v", err)
	}
	d2, err := Open(Options{NotifyKeyspaceEvents: "Elg"})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if got := d2.NotifyKeyspaceEvents(); got != "glE" {
		t.Errorf("from Options: %q", got)
	}
}

// psEvents subscribes to every keyspace channel and returns a function
// that returns the events since the last call as "channel payload" lines.
func psEvents(t *testing.T, d *DB) func() string {
	t.Helper()
	s := d.PSubscribe(context.Background(), "__key*__:*")
	t.Cleanup(func() { s.Close() })
	return func() string {
		d.SyncEvents()
		var b strings.Builder
		for {
			select {
			case m := <-s.C():
				fmt.Fprintf(&b, "%s %s\n", m.Channel, m.Payload)
			default:
				return b.String()
			}
		}
	}
}

func TestKeyspaceNotifications(t *testing.T) {
	d, clk := openTestDB(t)
	events := psEvents(t, d)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Set("k", []byte("v")))
	if got := events(); got != "" {
		t.Fatalf("notifications off by default, got %q", got)
	}
	must(d.SetNotifyKeyspaceEvents("KEA"))
	d1, _ := d.Select(1)
	steps := []struct {
		name string
		do   func()
		want string
	}{
		{"SET existing", func() { must(d.Set("k", []byte("v2"))) }, "__keyspace@0__:k set\n__keyevent@0__:set k\n"},
		{"SET EX new (n off)", func() {
			_, _, err := d.SetArgs("t", []byte("1"), SetArgs{TTL: time.Minute})
			must(err)
		}, "__keyspace@0__:t set\n__keyevent@0__:set t\n__keyspace@0__:t expire\n__keyevent@0__:expire t\n"},
		{"n on", func() { must(d.SetNotifyKeyspaceEvents("KEAn")) }, ""},
		{"INCR new", func() { _, err := d.Incr("n"); must(err) },
			"__keyspace@0__:n new\n__keyevent@0__:new n\n__keyspace@0__:n incrby\n__keyevent@0__:incrby n\n"},
		{"HSET new", func() { _, err := d.HSet("h", FieldValue{"f", []byte("v")}); must(err) },
			"__keyspace@0__:h new\n__keyevent@0__:new h\n__keyspace@0__:h hset\n__keyevent@0__:hset h\n"},
		{"HSET existing", func() { _, err := d.HSet("h", FieldValue{"g", []byte("v")}); must(err) },
			"__keyspace@0__:h hset\n__keyevent@0__:hset h\n"},
		{"RENAME onto existing", func() { must(d.Rename("k", "h")) },
			"__keyspace@0__:h new\n__keyevent@0__:new h\n__keyspace@0__:k rename_from\n__keyevent@0__:rename_from k\n" +
				"__keyspace@0__:h rename_to\n__keyevent@0__:rename_to h\n"},
		{"MOVE", func() { _, err := d.Move("h", 1); must(err) },
			"__keyspace@1__:h new\n__keyevent@1__:new h\n__keyspace@0__:h move_from\n__keyevent@0__:move_from h\n" +
				"__keyspace@1__:h move_to\n__keyevent@1__:move_to h\n"},
		{"COPY REPLACE onto existing", func() { _, err := d1.Copy("h", "h", 0, true); must(err) },
			"__keyspace@0__:h new\n__keyevent@0__:new h\n__keyspace@0__:h copy_to\n__keyevent@0__:copy_to h\n"},
		{"LPUSH new", func() { _, err := d.LPush("l", []byte("1"), []byte("2")); must(err) },
			"__keyspace@0__:l new\n__keyevent@0__:new l\n__keyspace@0__:l lpush\n__keyevent@0__:lpush l\n"},
		// Redis 7.0's LMOVE order: the push on dst (created), the pop on
		// src, then del when src empties.
		{"LMOVE to new", func() { _, err := d.LMove("l", "l2", Left, Right); must(err) },
			"__keyspace@0__:l2 new\n__keyevent@0__:new l2\n__keyspace@0__:l2 rpush\n__keyevent@0__:rpush l2\n" +
				"__keyspace@0__:l lpop\n__keyevent@0__:lpop l\n"},
		{"LMOVE empties src", func() { _, err := d.LMove("l", "l2", Left, Right); must(err) },
			"__keyspace@0__:l2 rpush\n__keyevent@0__:rpush l2\n__keyspace@0__:l lpop\n__keyevent@0__:lpop l\n" +
				"__keyspace@0__:l del\n__keyevent@0__:del l\n"},
		{"HINCRBY new", func() { _, err := d.HIncrBy("hh", "n", 2); must(err) },
			"__keyspace@0__:hh new\n__keyevent@0__:new hh\n__keyspace@0__:hh hincrby\n__keyevent@0__:hincrby hh\n"},
		{"DEL two", func() { _, err := d.Del("h", "n", "l2", "missing"); must(err) },
			"__keyspace@0__:h del\n__keyevent@0__:del h\n__keyspace@0__:n del\n__keyevent@0__:del n\n" +
				"__keyspace@0__:l2 del\n__keyevent@0__:del l2\n"},
		{"PERSIST", func() { _, err := d.Persist("t"); must(err) }, "__keyspace@0__:t persist\n__keyevent@0__:persist t\n"},
		{"FLUSHDB announces nothing", func() { must(d1.FlushDB()) }, ""},
		{"K only", func() { must(d.SetNotifyKeyspaceEvents("Kg$")); must(d.Set("t", []byte("x"))) }, "__keyspace@0__:t set\n"},
		{"E only, no $", func() {
			must(d.SetNotifyKeyspaceEvents("Eg"))
			must(d.Set("t", []byte("y")))
			_, err := d.Del("t")
			must(err)
		}, "__keyevent@0__:del t\n"},
		{"classes without K or E", func() { must(d.SetNotifyKeyspaceEvents("A")); must(d.Set("t", []byte("y"))) }, ""},
		{"keymiss", func() {
			must(d.SetNotifyKeyspaceEvents("KEm"))
			if _, err := d.Get("nokey"); !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			must(d.Set("t", []byte("z")))
		}, "__keyspace@0__:nokey keymiss\n__keyevent@0__:keymiss nokey\n"},
		{"expired (lazy, on write)", func() {
			must(d.SetNotifyKeyspaceEvents("KEx"))
			_, _, err := d.SetArgs("e", []byte("1"), SetArgs{TTL: time.Second})
			must(err)
			clk.Advance(2 * time.Second)
			must(d.Set("e", []byte("2")))
		}, "__keyspace@0__:e expired\n__keyevent@0__:expired e\n"},
	}
	for _, st := range steps {
		st.do()
		if got := events(); got != st.want {
			t.Errorf("%s: events\n%s\nwant\n%s", st.name, got, st.want)
		}
	}
}

func TestKeyspaceNotificationsActiveExpiry(t *testing.T) {
	d, err := Open(Options{NotifyKeyspaceEvents: "Ex", ExpiryInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := d.Subscribe(context.Background(), "__keyevent@0__:expired")
	defer s.Close()
	start := time.Now()
	if _, _, err := d.SetArgs("gone", []byte("v"), SetArgs{TTL: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	m := psRecv(t, s, 1)[0]
	if string(m.Payload) != "gone" {
		t.Fatalf("expired event for %q", m.Payload)
	}
	if el := time.Since(start); el < 50*time.Millisecond || el > 500*time.Millisecond {
		t.Errorf("expired announced after %v for a 50ms TTL", el)
	}
}

func TestChangeFeed(t *testing.T) {
	d, _ := openTestDB(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Set("user:1", []byte("before-feed")))
	f := d.WatchChanges(ctx, "user:*")
	defer f.Close()
	all := d.WatchChangesArgs(ctx, ChangeFeedArgs{Pattern: "*", AllDBs: true})
	defer all.Close()

	must(d.Set("user:1", []byte("a")))
	must(d.Set("other", []byte("x")))
	_, err := d.HSet("user:2", FieldValue{"name", []byte("ann")}, FieldValue{"age", []byte("7")})
	must(err)
	must(d.Set("user:1", []byte("b")))
	_, err = d.Del("user:1")
	must(err)
	d1, _ := d.Select(1)
	must(d1.Set("user:9", []byte("db1")))
	must(d.FlushDB())

	recv := func(f *ChangeFeed, n int) []Mutation {
		t.Helper()
		var out []Mutation
		for len(out) < n {
			c, cancel := context.WithTimeout(ctx, 2*time.Second)
			m, err := f.Receive(c)
			cancel()
			if err != nil {
				t.Fatalf("Receive after %d: %v", len(out), err)
			}
			out = append(out, m)
		}
		return out
	}
	ms := recv(f, 5)
	var lines []string
	var lastSeq uint64
	for _, m := range ms {
		if m.Seq <= lastSeq {
			t.Errorf("seq %d after %d", m.Seq, lastSeq)
		}
		lastSeq = m.Seq
		var eds []string
		for _, e := range m.Edits {
			eds = append(eds, fmt.Sprintf("%d %s %q->%q", e.Kind, e.Field, e.Before, e.After))
		}
		lines = append(lines, fmt.Sprintf("%d %s %s [%s]", m.DB, m.Key, m.Op, strings.Join(eds, "; ")))
		if m.Time.IsZero() {
			t.Errorf("mutation without time: %+v", m)
		}
	}
	want := []string{
		fmt.Sprintf(`0 user:1 set [%d  "before-feed"->"a"]`, EditSet),
		fmt.Sprintf(`0 user:2 hset [%d  ""->""; %d name ""->"ann"; %d age ""->"7"]`, EditSet, EditHSet, EditHSet),
		fmt.Sprintf(`0 user:1 set [%d  "a"->"b"]`, EditSet),
		fmt.Sprintf(`0 user:1 del [%d  "b"->""]`, EditDel),
		fmt.Sprintf(`0  flushdb [%d  ""->""]`, EditFlushDB),
	}
	if !slices.Equal(lines, want) {
		t.Errorf("feed:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, m := range ms {
		for _, e := range m.Edits {
			if e.prev != nil || e.next != nil || e.flushed != (keyspace.DBData{}) {
				t.Errorf("delivered Edit keeps undo state: %+v", e)
			}
		}
	}
	// The AllDBs feed sees the other key and database 1 too.
	ms = recv(all, 7)
	var keys []string
	for _, m := range ms {
		keys = append(keys, fmt.Sprintf("%d:%s", m.DB, m.Key))
	}
	if want := []string{"0:user:1", "0:other", "0:user:2", "0:user:1", "0:user:1", "1:user:9", "0:"}; !slices.Equal(keys, want) {
		t.Errorf("AllDBs feed keys %q, want %q", keys, want)
	}
	f.Close()
	if _, err := f.Receive(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive after Close: %v", err)
	}
}

func TestChangeFeedOrderPerKeyConcurrent(t *testing.T) {
	d, _ := openTestDB(t)
	f := d.WatchChangesArgs(context.Background(), ChangeFeedArgs{Pattern: "k*", Buffer: 1, Block: true})
	defer f.Close()
	const writers, per = 4, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if _, err := d.Incr(fmt.Sprintf("k%d", w)); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	last := map[string]int{}
	for n := 0; n < writers*per; n++ {
		m, err := f.Receive(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		v := 0
		fmt.Sscan(string(m.Edits[0].After), &v)
		if v != last[m.Key]+1 {
			t.Fatalf("key %s: value %d after %d: not in commit order", m.Key, v, last[m.Key])
		}
		last[m.Key] = v
	}
	wg.Wait()
}

// A blocking subscriber's consumer may publish without deadlock even
// while the dispatcher waits for it.
func TestBlockingConsumerPublishes(t *testing.T) {
	d, _ := openTestDB(t)
	if err := d.SetNotifyKeyspaceEvents("KA"); err != nil {
		t.Fatal(err)
	}
	s := d.SubscribeArgs(context.Background(), SubscribeArgs{Patterns: []string{"__keyspace@0__:*"}, Buffer: 1, Block: true})
	defer s.Close()
	echo := d.Subscribe(context.Background(), "echo")
	defer echo.Close()
	for i := 0; i < 5; i++ {
		if err := d.Set(fmt.Sprint("k", i), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		psRecv(t, s, 1)
		d.Publish("echo", []byte("x"))
	}
	psRecv(t, echo, 5)
}

// Notifications of a write reach subscribers before a message published
// after the write, and a subscription made after a write does not see it.
func TestNotificationOrderWithPublish(t *testing.T) {
	d, _ := openTestDB(t)
	if err := d.SetNotifyKeyspaceEvents("KEA"); err != nil {
		t.Fatal(err)
	}
	s := d.PSubscribe(context.Background(), "*")
	defer s.Close()
	for i := 0; i < 200; i++ {
		if err := d.Set("k", []byte("v")); err != nil {
			t.Fatal(err)
		}
		d.Publish("after", []byte(fmt.Sprint(i)))
		late := d.Subscribe(context.Background(), "__keyspace@0__:k")
		ms := psRecv(t, s, 3)
		if ms[0].Channel != "__keyspace@0__:k" || ms[1].Channel != "__keyevent@0__:set" || ms[2].Channel != "after" {
			t.Fatalf("round %d: order %s", i, psShow(ms))
		}
		psNone(t, d, late)
		late.Close()
	}
}

func TestPubSubRace(t *testing.T) {
	d, _ := openTestDB(t)
	d.SetNotifyKeyspaceEvents("KEA")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				s := d.SubscribeArgs(ctx, SubscribeArgs{Channels: []string{"c", fmt.Sprint(i % 7)}, Patterns: []string{"*"}, Buffer: 4})
				d.Publish("c", []byte("x"))
				d.Set(fmt.Sprint("k", g), []byte("v"))
				s.Unsubscribe("c")
				s.PUnsubscribe()
				if i%3 == 0 {
					f := d.WatchChanges(ctx, "k*")
					f.Close()
				}
				s.Close()
			}
		}(g)
	}
	wg.Wait()
	if got := d.PubSubChannels(""); len(got) != 0 || d.PubSubNumPat() != 0 {
		t.Errorf("left: channels %q, %d patterns", got, d.PubSubNumPat())
	}
}

func BenchmarkPublishFanOut(b *testing.B) {
	d, err := Open(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	var subs []*Subscription
	for i := 0; i < 50; i++ {
		subs = append(subs, d.SubscribeArgs(nil, SubscribeArgs{Channels: []string{"ch"}, Handler: func(Message) {}}))
	}
	msg := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Publish("ch", msg)
	}
	b.ReportMetric(float64(b.N*50)/b.Elapsed().Seconds(), "deliveries/s")
}

func BenchmarkSetWithNotifications(b *testing.B) {
	for _, flags := range []string{"", "KEA"} {
		b.Run("flags="+flags, func(b *testing.B) {
			d, err := Open(Options{NotifyKeyspaceEvents: flags})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			s := d.PSubscribe(nil, "__key*")
			defer s.Close()
			go func() {
				for range s.C() {
				}
			}()
			v := []byte("v")
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				d.Set("k", v)
			}
		})
	}
}

// Publish counts a subscription with Accept only when it took the
// message.
func TestSubscribeAcceptCounts(t *testing.T) {
	db, _ := openTestDB(t)
	var took atomic.Bool
	var got []string
	var mu sync.Mutex
	sub := db.SubscribeArgs(nil, SubscribeArgs{Channels: []string{"ch"}, Accept: func(m Message) bool {
		if !took.Load() {
			return false
		}
		mu.Lock()
		got = append(got, string(m.Payload))
		mu.Unlock()
		return true
	}})
	defer sub.Close()
	if n := db.Publish("ch", []byte("declined")); n != 0 {
		t.Fatalf("declined message counted: %d", n)
	}
	took.Store(true)
	if n := db.Publish("ch", []byte("taken")); n != 1 {
		t.Fatalf("taken message counted %d, want 1", n)
	}
	if sub.C() != nil {
		t.Fatal("a subscription with Accept has a queue")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "taken" {
		t.Fatalf("got %q", got)
	}
}
