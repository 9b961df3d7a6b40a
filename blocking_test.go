package potato

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rustypotato/internal/keyspace"
)

// waitBlocked waits until n clients are blocked in d's store.
func waitBlocked(t *testing.T, d *DB, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.br.blocked.n.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients blocked, want %d", d.br.blocked.n.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkNoWaiters checks that the registry is empty: no count, no queues.
func checkNoWaiters(t *testing.T, d *DB) {
	t.Helper()
	waitBlocked(t, d, 0)
	r := &d.br.blocked
	for s := range r.queues {
		d.br.ks.RLock(keyspace.Stripe(s))
		n := len(r.queues[s])
		d.br.ks.RUnlock(keyspace.Stripe(s))
		if n != 0 {
			t.Fatalf("stripe %d still has %d queues", s, n)
		}
	}
}

type popResult struct {
	key string
	val string
	err error
}

// goBLPop runs BLPop in a goroutine and waits until it is blocked (the
// store then has want clients blocked).
func goBLPop(t *testing.T, d *DB, ctx context.Context, timeout time.Duration, want int64, keys ...string) <-chan popResult {
	t.Helper()
	ch := make(chan popResult, 1)
	go func() {
		k, v, err := d.BLPop(ctx, timeout, keys...)
		ch <- popResult{k, string(v), err}
	}()
	waitBlocked(t, d, want)
	return ch
}

func recvPop(t *testing.T, ch <-chan popResult) popResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("blocked client was not woken")
	}
	return popResult{}
}

func noPop(t *testing.T, ch <-chan popResult) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("blocked client woken with %+v", r)
	case <-time.After(30 * time.Millisecond):
	}
}

func TestBLPopWakesOnPush(t *testing.T) {
	d, _ := openTestDB(t)
	events := listCollectEvents(d)
	var seqs []uint64
	var mu sync.Mutex
	d.c.subscribe(func(m *Mutation) { mu.Lock(); seqs = append(seqs, m.Seq); mu.Unlock() })
	ch := goBLPop(t, d, context.Background(), 0, 1, "a", "b")
	if n, err := d.RPush("b", []byte("x")); n != 1 || err != nil {
		t.Fatalf("RPush = %d, %v (the reply is the length before serving)", n, err)
	}
	if r := recvPop(t, ch); r != (popResult{"b", "x", nil}) {
		t.Fatalf("BLPop = %+v", r)
	}
	// The push and the pop that served the client are one transaction,
	// with Redis's events in Redis's order.
	if got, want := events(), []string{"rpush b", "lpop b", "del b"}; !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if seqs[1] != seqs[0]+1 || seqs[2] != seqs[1]+1 {
		t.Fatalf("seqs %v are not one transaction's", seqs)
	}
	checkNoWaiters(t, d)
}

func TestBlockingFIFO(t *testing.T) {
	d, _ := openTestDB(t)
	const n = 6
	var chs []<-chan popResult
	for i := 0; i < n; i++ {
		chs = append(chs, goBLPop(t, d, context.Background(), 0, int64(i+1), "k"))
	}
	// One push of n values serves the waiters in the order they came.
	var vals [][]byte
	for i := 0; i < n; i++ {
		vals = append(vals, []byte(strconv.Itoa(i)))
	}
	d.RPush("k", vals...)
	for i, ch := range chs {
		if r := recvPop(t, ch); r.val != strconv.Itoa(i) || r.err != nil {
			t.Fatalf("waiter %d got %+v", i, r)
		}
	}
	// Separate pushes too, with a waiter on two keys in the middle.
	c1 := goBLPop(t, d, context.Background(), 0, 1, "k")
	c2 := goBLPop(t, d, context.Background(), 0, 2, "other", "k")
	c3 := goBLPop(t, d, context.Background(), 0, 3, "k")
	for i, ch := range []<-chan popResult{c1, c2, c3} {
		d.LPush("k", []byte{byte('a' + i)})
		if r := recvPop(t, ch); r.key != "k" || r.val != string(rune('a'+i)) {
			t.Fatalf("waiter %d got %+v", i, r)
		}
	}
	checkNoWaiters(t, d)
}

func TestBlockingTimeout(t *testing.T) {
	d, _ := openTestDB(t)
	ctx := context.Background()
	start := time.Now()
	if _, _, err := d.BLPop(ctx, 50*time.Millisecond, "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BLPop: %v", err)
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Fatalf("returned after %v", el)
	}
	if _, err := d.BLMove(ctx, "k", "d", Left, Left, time.Millisecond); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BLMove: %v", err)
	}
	if _, _, err := d.BLMPop(ctx, time.Millisecond, Right, 2, "k", "j"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BLMPop: %v", err)
	}
	if _, err := d.BRPopLPush(ctx, "k", "d", time.Millisecond); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BRPopLPush: %v", err)
	}
	if _, _, err := d.BRPop(ctx, -time.Millisecond, "k"); !errors.Is(err, ErrInvalidArgument) ||
		listErrText(err) != "ERR timeout is negative" {
		t.Fatalf("negative timeout: %v", err)
	}
	checkNoWaiters(t, d)
	// A later push stays in the list.
	d.RPush("k", []byte("x"))
	if n, _ := d.LLen("k"); n != 1 {
		t.Fatalf("LLen = %d", n)
	}
}

func TestBlockingContext(t *testing.T) {
	d, _ := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := goBLPop(t, d, ctx, 0, 1, "k")
	cancel()
	if r := recvPop(t, ch); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("BLPop after cancel: %+v", r)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := d.BRPop(ctx, time.Hour, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("BRPop with deadline: %v", err)
	}
	// A context already done does nothing, even with data there.
	d.RPush("k", []byte("x"))
	if _, _, err := d.BLPop(ctx, 0, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("BLPop with done ctx: %v", err)
	}
	if n, _ := d.LLen("k"); n != 1 {
		t.Fatal("element popped by a call with a done context")
	}
	checkNoWaiters(t, d)
}

func TestBlockingClose(t *testing.T) {
	d, err := Open(Options{ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var chs []<-chan popResult
	for i := 0; i < 3; i++ {
		chs = append(chs, goBLPop(t, d, ctx, 0, int64(i+1), "k", fmt.Sprint(i)))
	}
	mv := make(chan error, 1)
	go func() { _, err := d.BLMove(ctx, "src", "dst", Left, Right, 0); mv <- err }()
	waitBlocked(t, d, 4)
	d.Close()
	for _, ch := range chs {
		if r := recvPop(t, ch); !errors.Is(r.err, ErrClosed) {
			t.Fatalf("after Close: %+v", r)
		}
	}
	if err := <-mv; !errors.Is(err, ErrClosed) {
		t.Fatalf("BLMove after Close: %v", err)
	}
	if _, _, err := d.BLPop(ctx, 0, "k"); !errors.Is(err, ErrClosed) {
		t.Fatalf("BLPop on closed DB: %v", err)
	}
	checkNoWaiters(t, d)
}

func TestBlockingRollback(t *testing.T) {
	d, _ := openTestDB(t)
	events := listCollectEvents(d)
	ch := goBLPop(t, d, context.Background(), 0, 1, "k")
	boom := errors.New("boom")
	err := d.Update(func(tx *Tx) error {
		tx.RPush("k", []byte("rolled back"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	noPop(t, ch)
	if evs := events(); len(evs) != 0 {
		t.Fatalf("events %q", evs)
	}
	// A push then a pop in one transaction leaves nothing to serve.
	d.Update(func(tx *Tx) error {
		tx.RPush("k", []byte("gone"))
		tx.LPop("k")
		return nil
	})
	noPop(t, ch)
	// Two pushes in one transaction serve the waiter once, at the end.
	ch2 := goBLPop(t, d, context.Background(), 0, 2, "k")
	events()
	d.Update(func(tx *Tx) error {
		tx.RPush("k", []byte("1"))
		tx.RPush("k", []byte("2"), []byte("3"))
		return nil
	})
	if r := recvPop(t, ch); r.val != "1" {
		t.Fatalf("first waiter got %+v", r)
	}
	if r := recvPop(t, ch2); r.val != "2" {
		t.Fatalf("second waiter got %+v", r)
	}
	if got, want := events(), []string{"rpush k", "lpop k"}; !slices.Equal(got, want) {
		// Consecutive edits of one key and op are one event, as in Redis
		// (which fires one per command; the pops serve two clients).
		t.Fatalf("events %q, want %q", got, want)
	}
	if got := listContents(t, d, "k"); !slices.Equal(got, []string{"3"}) {
		t.Fatalf("k = %q", got)
	}
	checkNoWaiters(t, d)
}

// TestBlockingRetry forces the pushing transaction to re-run while it
// serves a BLMOVE (its destination's stripe is below the source's and
// busy): the claim is given back and taken again, and the element moves
// once.
func TestBlockingRetry(t *testing.T) {
	d, _ := openTestDB(t)
	src, dst := "src", ""
	for i := 0; ; i++ {
		k := "dst" + strconv.Itoa(i)
		if d.br.ks.StripeOf(0, k) < d.br.ks.StripeOf(0, src) {
			dst = k
			break
		}
	}
	moved := make(chan string, 1)
	go func() {
		v, err := d.BLMove(context.Background(), src, dst, Left, Right, 0)
		if err != nil {
			moved <- err.Error()
			return
		}
		moved <- string(v)
	}()
	waitBlocked(t, d, 1)
	ss := d.br.ks.StripeOf(0, src)
	d.br.ks.RLock(ss)
	w := d.br.blocked.queues[ss][src].head.w
	d.br.ks.RUnlock(ss)
	s := d.br.ks.StripeOf(0, dst)
	d.br.ks.Lock(s)
	pushed := make(chan error, 1)
	go func() { _, err := d.RPush(src, []byte("v")); pushed <- err }()
	// The push claims the waiter, fails to take dst's lock without
	// waiting, rolls back (giving the claim back, which leaves a token
	// in w.wake) and waits for the lock in sorted order.
	for deadline := time.Now().Add(10 * time.Second); len(w.wake) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the push never gave its claim back")
		}
	}
	if st := w.state.Load(); st != waitWaiting {
		t.Fatalf("waiter state %d after the rollback", st)
	}
	d.br.ks.Unlock(s)
	if err := <-pushed; err != nil {
		t.Fatal(err)
	}
	if v := <-moved; v != "v" {
		t.Fatalf("BLMove = %q", v)
	}
	if got := listContents(t, d, dst); !slices.Equal(got, []string{"v"}) {
		t.Fatalf("%s = %q", dst, got)
	}
	if n, _ := d.Exists(src); n != 0 {
		t.Fatal("src still exists")
	}
	checkNoWaiters(t, d)
}

// TestBlockingCancelRace cancels waiters while elements are pushed for
// them: each element must end up either returned or still in the list.
func TestBlockingCancelRace(t *testing.T) {
	d, _ := openTestDB(t)
	for i := 0; i < 300; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		ch := goBLPop(t, d, ctx, 0, 1, "k")
		v := strconv.Itoa(i)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); cancel() }()
		go func() { defer wg.Done(); d.RPush("k", []byte(v)) }()
		wg.Wait()
		r := recvPop(t, ch)
		left := listContents(t, d, "k")
		switch {
		case r.err == nil && r.val == v && len(left) == 0:
		case errors.Is(r.err, context.Canceled) && slices.Equal(left, []string{v}):
			d.Del("k")
		default:
			t.Fatalf("round %d: waiter got %+v, list %q", i, r, left)
		}
		waitBlocked(t, d, 0)
	}
	checkNoWaiters(t, d)
}

// TestBlockingProducersConsumers has producers push distinct values while
// consumers pop them with BRPOP (and BLMPOP on two keys): every value
// must be received exactly once.
func TestBlockingProducersConsumers(t *testing.T) {
	d, _ := openTestDB(t)
	const producers, perProducer, consumers = 4, 500, 5
	// Every fifth push pushes two values.
	total := producers*perProducer + producers*perProducer/5
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu       sync.Mutex
		received = map[string]int{}
		count    atomic.Int64
		done     = make(chan struct{})
	)
	record := func(v string) {
		mu.Lock()
		received[v]++
		mu.Unlock()
		if count.Add(1) == int64(total) {
			close(done)
		}
	}
	var cwg sync.WaitGroup
	for c := 0; c < consumers; c++ {
		cwg.Add(1)
		go func(c int) {
			defer cwg.Done()
			for {
				if c%2 == 0 {
					_, v, err := d.BRPop(ctx, 0, "q1")
					if err != nil {
						return
					}
					record(string(v))
					continue
				}
				_, vs, err := d.BLMPop(ctx, 0, Right, 3, "q2", "q1")
				if err != nil {
					return
				}
				for _, v := range vs {
					record(string(v))
				}
			}
		}(c)
	}
	var pwg sync.WaitGroup
	for p := 0; p < producers; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			for i := 0; i < perProducer; i++ {
				key := "q1"
				if i%3 == 0 {
					key = "q2"
				}
				v := []byte(fmt.Sprintf("%d-%d", p, i))
				var err error
				if i%5 == 0 {
					_, err = d.RPush(key, v, []byte(string(v)+"b"))
				} else {
					_, err = d.LPush(key, v)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}(p)
	}
	pwg.Wait()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("received %d of %d", count.Load(), total)
	}
	cancel()
	cwg.Wait()
	for p := 0; p < producers; p++ {
		for i := 0; i < perProducer; i++ {
			v := fmt.Sprintf("%d-%d", p, i)
			if received[v] != 1 {
				t.Errorf("%s received %d times", v, received[v])
			}
			if i%5 == 0 && received[v+"b"] != 1 {
				t.Errorf("%sb received %d times", v, received[v+"b"])
			}
		}
	}
	if len(received) != total {
		t.Errorf("received %d distinct values, want %d", len(received), total)
	}
	if n, _ := d.Exists("q1", "q2"); n != 0 {
		t.Errorf("%d queues left non-empty", n)
	}
	checkNoWaiters(t, d)
}

// TestBlockingMultiKeyServedOnce has one client wait on two keys that
// one transaction pushes to: it is served from the first key pushed, once.
func TestBlockingMultiKeyServedOnce(t *testing.T) {
	d, _ := openTestDB(t)
	ch := goBLPop(t, d, context.Background(), 0, 1, "k1", "k2", "k1")
	d.Update(func(tx *Tx) error {
		tx.RPush("k2", []byte("x"))
		tx.RPush("k1", []byte("y"))
		return nil
	})
	if r := recvPop(t, ch); r != (popResult{"k2", "x", nil}) {
		t.Fatalf("BLPop = %+v", r)
	}
	if got := listContents(t, d, "k1"); !slices.Equal(got, []string{"y"}) {
		t.Fatalf("k1 = %q", got)
	}
	checkNoWaiters(t, d)
}

// TestBlockingMoveChain has a BLMOVE waiter feed a BLPOP waiter in the
// same transaction, with Redis's events.
func TestBlockingMoveChain(t *testing.T) {
	d, _ := openTestDB(t)
	events := listCollectEvents(d)
	mv := make(chan string, 1)
	go func() {
		v, err := d.BLMove(context.Background(), "a", "b", Right, Left, 0)
		mv <- fmt.Sprintf("%s %v", v, err)
	}()
	waitBlocked(t, d, 1)
	ch := goBLPop(t, d, context.Background(), 0, 2, "b")
	d.RPush("a", []byte("x"), []byte("y"))
	if v := <-mv; v != "y <nil>" {
		t.Fatalf("BLMove = %s", v)
	}
	if r := recvPop(t, ch); r != (popResult{"b", "y", nil}) {
		t.Fatalf("BLPop = %+v", r)
	}
	want := []string{"rpush a", "lpush b", "rpop a", "lpop b", "del b"}
	if got := events(); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	checkNoWaiters(t, d)
}

// TestBlockingMoveWrongType: a BLMOVE served while its destination holds
// another type gets WRONGTYPE, the element stays, and the next waiter is
// served (Redis 7.0).
func TestBlockingMoveWrongType(t *testing.T) {
	d, _ := openTestDB(t)
	d.Set("str", []byte("v"))
	mv := make(chan error, 1)
	go func() { _, err := d.BLMove(context.Background(), "src", "str", Left, Left, 0); mv <- err }()
	waitBlocked(t, d, 1)
	ch := goBLPop(t, d, context.Background(), 0, 2, "src")
	d.RPush("src", []byte("a"), []byte("b"))
	if err := <-mv; !errors.Is(err, ErrWrongType) {
		t.Fatalf("BLMove = %v", err)
	}
	if r := recvPop(t, ch); r.val != "a" {
		t.Fatalf("next waiter got %+v", r)
	}
	if got := listContents(t, d, "src"); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("src = %q", got)
	}
	checkNoWaiters(t, d)
}

func TestBlockingMoveSameKey(t *testing.T) {
	d, _ := openTestDB(t)
	mv := make(chan string, 1)
	go func() {
		v, _ := d.BLMove(context.Background(), "k", "k", Left, Right, 0)
		mv <- string(v)
	}()
	waitBlocked(t, d, 1)
	d.RPush("k", []byte("x"))
	if v := <-mv; v != "x" {
		t.Fatalf("BLMove = %q", v)
	}
	if got := listContents(t, d, "k"); !slices.Equal(got, []string{"x"}) {
		t.Fatalf("k = %q", got)
	}
	checkNoWaiters(t, d)
}

func TestBlockingMPopCount(t *testing.T) {
	d, _ := openTestDB(t)
	res := make(chan string, 1)
	go func() {
		k, vs, err := d.BLMPop(context.Background(), 0, Left, 2, "x", "m")
		res <- fmt.Sprintf("%s %q %v", k, listStrings(vs), err)
	}()
	waitBlocked(t, d, 1)
	d.RPush("m", []byte("1"), []byte("2"), []byte("3"))
	if r := <-res; r != `m ["1" "2"] <nil>` {
		t.Fatalf("BLMPop = %s", r)
	}
	if got := listContents(t, d, "m"); !slices.Equal(got, []string{"3"}) {
		t.Fatalf("m = %q", got)
	}
	checkNoWaiters(t, d)
}

func listStrings(vs [][]byte) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// TestBlockingOtherWritesWake: any way a list appears at a key serves its
// waiters (RENAME, COPY, MOVE, SWAPDB), as Redis does.
func TestBlockingOtherWritesWake(t *testing.T) {
	d, _ := openTestDB(t)
	d1, _ := d.Select(1)
	ctx := context.Background()

	ch := goBLPop(t, d, ctx, 0, 1, "k")
	d.RPush("tmp", []byte("renamed"))
	d.Rename("tmp", "k")
	if r := recvPop(t, ch); r.val != "renamed" {
		t.Fatalf("after RENAME: %+v", r)
	}

	ch = goBLPop(t, d, ctx, 0, 1, "k")
	d1.RPush("k", []byte("moved"))
	d1.Move("k", 0)
	if r := recvPop(t, ch); r.val != "moved" {
		t.Fatalf("after MOVE: %+v", r)
	}

	ch = goBLPop(t, d, ctx, 0, 1, "k")
	d.RPush("tmp", []byte("copied"))
	d.Copy("tmp", "k", 0, false)
	if r := recvPop(t, ch); r.val != "copied" {
		t.Fatalf("after COPY: %+v", r)
	}

	ch = goBLPop(t, d, ctx, 0, 1, "k")
	d1.RPush("k", []byte("swapped"), []byte("rest"))
	d.SwapDB(0, 1)
	if r := recvPop(t, ch); r.val != "swapped" {
		t.Fatalf("after SWAPDB: %+v", r)
	}
	if got := listContents(t, d, "k"); !slices.Equal(got, []string{"rest"}) {
		t.Fatalf("k = %q", got)
	}
	// A string does not wake a list waiter.
	d.Del("k")
	ch = goBLPop(t, d, ctx, 0, 1, "k")
	d.Set("k", []byte("s"))
	noPop(t, ch)
	d.Del("k")
	d.LPush("k", []byte("l"))
	if r := recvPop(t, ch); r.val != "l" {
		t.Fatalf("after LPUSH: %+v", r)
	}
	checkNoWaiters(t, d)
}

// TestBlockingDatabases: a waiter waits on its handle's database only.
func TestBlockingDatabases(t *testing.T) {
	d, _ := openTestDB(t)
	d3, _ := d.Select(3)
	ch := goBLPop(t, d3, context.Background(), 0, 1, "k")
	d.RPush("k", []byte("db0"))
	noPop(t, ch)
	d3.RPush("k", []byte("db3"))
	if r := recvPop(t, ch); r.val != "db3" {
		t.Fatalf("got %+v", r)
	}
	checkNoWaiters(t, d)
}

// TestBlockingOracleEvents compares the events of serving blocked clients
// with redis-server's.
func TestBlockingOracleEvents(t *testing.T) {
	addr := listStartRedis(t)
	rc := listDial(t, addr)
	revs := listSubscribeRedis(t, addr)
	revs.collect()
	blocked := func(n int) {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if strings.Contains(rc.do("INFO", "clients"), fmt.Sprintf("blocked_clients:%d", n)) {
				return
			}
		}
		t.Fatalf("redis: %d clients never blocked", n)
	}
	c1, c2, c3 := listDial(t, addr), listDial(t, addr), listDial(t, addr)
	c1.send("BLMOVE", "a", "b", "RIGHT", "LEFT", "0")
	blocked(1)
	c2.send("BLPOP", "b", "0")
	blocked(2)
	c3.send("BLMPOP", "0", "2", "x", "a", "LEFT", "COUNT", "5")
	blocked(3)
	rc.do("RPUSH", "a", "1", "2", "3")
	r1, r2, r3 := listFormat(c1.read()), listFormat(c2.read()), listFormat(c3.read())
	want := revs.collect()

	d, _ := openTestDB(t)
	events := listCollectEvents(d)
	ctx := context.Background()
	res := make(chan string, 3)
	go func() {
		v, err := d.BLMove(ctx, "a", "b", Right, Left, 0)
		res <- fmt.Sprintf("1 %s %v", v, err)
	}()
	waitBlocked(t, d, 1)
	go func() {
		k, v, err := d.BLPop(ctx, 0, "b")
		res <- fmt.Sprintf("2 %s %s %v", k, v, err)
	}()
	waitBlocked(t, d, 2)
	go func() {
		k, vs, err := d.BLMPop(ctx, 0, Left, 5, "x", "a")
		res <- fmt.Sprintf("3 %s %q %v", k, listStrings(vs), err)
	}()
	waitBlocked(t, d, 3)
	d.RPush("a", []byte("1"), []byte("2"), []byte("3"))
	var got []string
	for i := 0; i < 3; i++ {
		got = append(got, <-res)
	}
	slices.Sort(got)
	if r1 != `"3"` || r2 != `["b", "3"]` || r3 != `["a", ["1", "2"]]` {
		t.Fatalf("redis replies %s %s %s", r1, r2, r3)
	}
	if w := []string{"1 3 <nil>", "2 b 3 <nil>", `3 a ["1" "2"] <nil>`}; !slices.Equal(got, w) {
		t.Fatalf("replies %q, want %q", got, w)
	}
	if ev := events(); !slices.Equal(ev, want) {
		t.Fatalf("events:\n ours  %q\nredis %q", ev, want)
	}
}
