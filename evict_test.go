package potato

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

func openEvict(t *testing.T, o Options) (*DB, *testClock) {
	t.Helper()
	clk := newTestClock()
	o.Clock = clk
	o.ExpiryInterval = -1 // no background work: the test drives eviction
	db, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clk
}

func exists(db *DB, key string) int64 {
	n, _ := db.Exists(key)
	return n
}

// setEvict sets cfg with Redis's defaults for its zero fields.
func setEvict(db *DB, cfg EvictionConfig) error {
	return db.SetEvictionConfig(Options{MaxMemory: cfg.MaxMemory, EvictionPolicy: cfg.Policy, MaxMemorySamples: cfg.Samples,
		EvictionTenacity: cfg.Tenacity, LFULogFactor: cfg.LFULogFactor, LFUDecayTime: cfg.LFUDecayTime}.evictionConfig())
}

func used(db *DB) int64 { return db.MemoryStats().DatasetBytes }

// Every change of the data moves the accounted bytes, and removing every
// key brings them back to zero exactly, whatever the keys went through
// (containers changed in place, failed transactions undone).
func TestMemoryAccountingReturnsToZero(t *testing.T) {
	db, _ := openEvict(t, Options{})
	if n := used(db); n != 0 {
		t.Fatalf("empty store accounts %d bytes", n)
	}
	for i := 0; i < 100; i++ {
		if err := db.Set(fmt.Sprint("s", i), make([]byte, i*10)); err != nil {
			t.Fatal(err)
		}
	}
	afterStrings := used(db)
	if afterStrings < 100*(80+40) {
		t.Fatalf("100 strings account %d bytes", afterStrings)
	}
	for i := 0; i < 50; i++ {
		if _, err := db.HSet("h", FieldValue{fmt.Sprint("f", i), []byte("value")}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RPush("l", []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	grown := used(db)
	if grown <= afterStrings {
		t.Fatalf("hash and list did not grow the accounting: %d then %d", afterStrings, grown)
	}
	// A failed transaction leaves the figure as it was.
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		tx.HSet("h", FieldValue{"new", []byte("x")})
		tx.LPop("l")
		tx.Set("s1", make([]byte, 5000))
		tx.Del("s2")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := used(db); n != grown {
		t.Fatalf("rolled-back transaction changed the accounting: %d, want %d", n, grown)
	}
	db.HDel("h", "f1", "f2")
	db.LPop("l")
	db.LSet("l", 0, make([]byte, 300))
	db.Rename("s3", "renamed")
	if _, err := db.Copy("s4", "copied", 0, false); err != nil {
		t.Fatal(err)
	}
	keys, err := db.Keys("*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Del(keys...); err != nil {
		t.Fatal(err)
	}
	if n := used(db); n != 0 {
		t.Fatalf("after deleting every key %d bytes are accounted", n)
	}
}

// The accounted size is within 10% of what the Go heap holds for the
// data, for values from 10 B to 100 KB: the heap the filled store frees
// when closed, less what an empty one frees. Memory that earlier tests
// release meanwhile only disturbs a measurement one way or the other, so
// it is taken three times and the smallest positive figure counts.
func TestEntrySizeTracksHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates")
	}
	heapNow := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	for _, size := range []int{10, 100, 1000, 10000, 100000} {
		n := 200000 / (size/10 + 1)
		n = max(n, 200)
		val := make([]byte, size)
		var acc, heap int64
		for try := 0; try < 3; try++ {
			var h int64
			m0 := heapNow()
			// The timeline keeps each write's record: not data.
			db, err := Open(Options{Timeline: TimelineOptions{Disabled: true}, ExpiryInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			m1 := heapNow()
			for i := 0; i < n; i++ {
				if err := db.Set(fmt.Sprintf("key:%012d", i), val); err != nil {
					t.Fatal(err)
				}
			}
			acc = used(db)
			m2 := heapNow()
			db.Close()
			db = nil
			m3 := heapNow()
			h = (m2 - m3) - (m1 - m0)
			if h > 0 && (heap <= 0 || h < heap) {
				heap = h
			}
		}
		ratio := float64(acc) / float64(heap)
		t.Logf("value %6d B x %6d keys: accounted %d, heap %d, ratio %.3f", size, n, acc, heap, ratio)
		if ratio < 0.9 || ratio > 1.1 {
			t.Errorf("value size %d: accounted/heap = %.3f, want within 10%%", size, ratio)
		}
	}
}

// Under noeviction a write that adds data fails with ErrOOM past the
// limit; reads and deletes work, and after a delete writes work again.
func TestNoEvictionOOM(t *testing.T) {
	db, _ := openEvict(t, Options{MaxMemory: 20000})
	var i int
	var err error
	for i = 0; i < 10000; i++ {
		if err = db.Set(fmt.Sprint("k", i), make([]byte, 100)); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrOOM) {
		t.Fatalf("no OOM after %d keys: %v", i, err)
	}
	if _, err := db.Get("k0"); err != nil {
		t.Fatalf("read at OOM: %v", err)
	}
	if _, err := db.HSet("h", FieldValue{"f", []byte("v")}); !errors.Is(err, ErrOOM) {
		t.Fatalf("HSET at OOM: %v", err)
	}
	if _, err := db.RPush("l", []byte("v")); !errors.Is(err, ErrOOM) {
		t.Fatalf("RPUSH at OOM: %v", err)
	}
	if exists(db, "h") != 0 {
		t.Fatal("the failed HSET left its key")
	}
	if n, err := db.Del("k0", "k1", "k2", "k3", "k4"); err != nil || n != 5 {
		t.Fatalf("DEL at OOM: %d %v", n, err)
	}
	if err := db.Set("again", []byte("x")); err != nil {
		t.Fatalf("write after freeing memory: %v", err)
	}
	if got := db.MemoryStats().EvictedKeys; got != 0 {
		t.Fatalf("noeviction evicted %d keys", got)
	}
	// Raising the limit at run time lifts the OOM.
	cfg := db.EvictionConfig()
	cfg.MaxMemory = 0
	if err := db.SetEvictionConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if err := db.Set("k5000", make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
}

func fillN(t *testing.T, db *DB, prefix string, n int, ttl time.Duration) {
	t.Helper()
	for i := 0; i < n; i++ {
		var err error
		if ttl > 0 {
			_, _, err = db.SetArgs(fmt.Sprint(prefix, i), make([]byte, 50), SetArgs{TTL: ttl})
		} else {
			err = db.Set(fmt.Sprint(prefix, i), make([]byte, 50))
		}
		if err != nil {
			t.Fatalf("%s%d: %v", prefix, i, err)
		}
	}
}

// allkeys-lru keeps the keys read recently and evicts the idle ones.
func TestAllKeysLRU(t *testing.T) {
	db, clk := openEvict(t, Options{MaxMemory: 200 << 10, EvictionPolicy: AllKeysLRU, MaxMemorySamples: 10})
	fillN(t, db, "old", 1000, 0)
	used0 := used(db)
	clk.Advance(100 * time.Second)
	db.Set("tick", nil)        // a transaction moves the coarse clock, as the expiry ticker does
	for i := 0; i < 100; i++ { // the hot set, read now
		db.Get(fmt.Sprint("old", i))
	}
	clk.Advance(10 * time.Second)
	setEvict(db, EvictionConfig{MaxMemory: used0, Policy: AllKeysLRU, Samples: 10})
	fillN(t, db, "new", 500, 0)
	// As in Redis, eviction runs before each write: the last one may
	// leave the data over the limit by its own size.
	if u := used(db); u > used0+1000 {
		t.Fatalf("over the limit after writes: %d > %d", u, used0)
	}
	hot := 0
	for i := 0; i < 100; i++ {
		if exists(db, fmt.Sprint("old", i)) == 1 {
			hot++
		}
	}
	cold := 0
	for i := 100; i < 1000; i++ {
		if exists(db, fmt.Sprint("old", i)) == 1 {
			cold++
		}
	}
	ev := db.MemoryStats().EvictedKeys
	t.Logf("evicted %d: hot kept %d/100, cold kept %d/900", ev, hot, cold)
	if ev < 400 {
		t.Fatalf("evicted only %d keys", ev)
	}
	// Sampling is approximate, as Redis's is: once the cold keys thin out,
	// a sample can hold none of them and a hot key goes (about a dozen of
	// the 100 here, 80 to 95 in 13 runs). The claim is the
	// preference: hot keys survive far more often than cold ones.
	if hot < 70 || float64(hot)/100-float64(cold)/900 < 0.4 {
		t.Fatalf("LRU kept %d/100 hot and %d/900 cold keys", hot, cold)
	}
}

// volatile-* policies never touch keys without a deadline: with only
// those left, writes fail with ErrOOM. volatile-ttl evicts the nearest
// deadlines first.
func TestVolatilePolicies(t *testing.T) {
	for _, p := range []EvictionPolicy{VolatileLRU, VolatileLFU, VolatileRandom, VolatileTTL} {
		t.Run(p.String(), func(t *testing.T) {
			db, _ := openEvict(t, Options{})
			fillN(t, db, "persistent", 300, 0)
			for i := 0; i < 300; i++ {
				// Deadlines increase with i: volatile-ttl evicts low i first.
				if _, _, err := db.SetArgs(fmt.Sprint("ttl", i), make([]byte, 50), SetArgs{TTL: time.Hour + time.Duration(i)*time.Second}); err != nil {
					t.Fatal(err)
				}
			}
			limit := used(db) - 30000
			// Tenacity 100: evict to the limit now, whatever the machine's speed.
			if err := setEvict(db, EvictionConfig{MaxMemory: limit, Policy: p, Tenacity: 100}); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckMemory(); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 300; i++ {
				if exists(db, fmt.Sprint("persistent", i)) != 1 {
					t.Fatalf("%v evicted persistent%d", p, i)
				}
			}
			if p == VolatileTTL {
				// Sampled, like Redis: the nearest deadlines go first.
				near, far := 0, 0
				for i := 0; i < 50; i++ {
					near += 1 - int(exists(db, fmt.Sprint("ttl", i)))
					far += int(exists(db, fmt.Sprint("ttl", 250+i)))
				}
				if near < 40 || far < 45 {
					t.Fatalf("volatile-ttl evicted %d/50 nearest deadlines, kept %d/50 farthest", near, far)
				}
			}
			// Only keys without a deadline can make room now: none can.
			limit = used(db) / 3
			// Tenacity 100: no time limit, so the write waits for the
			// verdict.
			setEvict(db, EvictionConfig{MaxMemory: limit, Policy: p, Tenacity: 100})
			if err := db.Set("more", []byte("x")); !errors.Is(err, ErrOOM) {
				t.Fatalf("write with only persistent keys left: %v", err)
			}
			if exists(db, "persistent0") != 1 {
				t.Fatal("persistent key evicted")
			}
			if n, _ := db.Keys("ttl*"); len(n) != 0 {
				t.Fatalf("%d keys with a deadline left while OOM", len(n))
			}
		})
	}
}

// allkeys-random and allkeys-lfu evict until the data fit.
func TestAllKeysPoliciesFit(t *testing.T) {
	for _, p := range []EvictionPolicy{AllKeysRandom, AllKeysLFU, AllKeysLRU} {
		t.Run(p.String(), func(t *testing.T) {
			db, _ := openEvict(t, Options{MaxMemory: 50 << 10, EvictionPolicy: p, EvictionTenacity: 100})
			fillN(t, db, "k", 3000, 0)
			if err := db.CheckMemory(); err != nil {
				t.Fatal(err)
			}
			if u := used(db); u > 50<<10 {
				t.Fatalf("used %d > limit", u)
			}
			if ev := db.MemoryStats().EvictedKeys; ev < 2000 {
				t.Fatalf("evicted %d", ev)
			}
		})
	}
}

// LFU keeps the keys read often.
func TestAllKeysLFUKeepsFrequent(t *testing.T) {
	db, _ := openEvict(t, Options{MaxMemory: 1 << 30, EvictionPolicy: AllKeysLFU})
	fillN(t, db, "k", 1000, 0)
	for r := 0; r < 200; r++ {
		for i := 0; i < 100; i++ {
			db.Get(fmt.Sprint("k", i))
		}
	}
	setEvict(db, EvictionConfig{MaxMemory: used(db) / 2, Policy: AllKeysLFU, Samples: 10, Tenacity: 100})
	if err := db.CheckMemory(); err != nil {
		t.Fatal(err)
	}
	hot := 0
	for i := 0; i < 100; i++ {
		hot += int(exists(db, fmt.Sprint("k", i)))
	}
	if hot < 95 {
		t.Fatalf("LFU kept %d/100 frequent keys", hot)
	}
	var f int64
	db.View(func(tx *Tx) error { f, _ = tx.Freq("k1"); return nil })
	if f <= lfuInitVal {
		t.Fatalf("OBJECT FREQ of a key read 200 times: %d", f)
	}
}

// The LFU counter follows Redis's formulas: it grows with probability
// 1/((c-5)*factor+1) and decays by one per lfu-decay-time minutes.
func TestLFUFormulas(t *testing.T) {
	if got := lfuLogIncr(5, 10, 0.999); got != 6 {
		t.Fatalf("counter at LFU_INIT_VAL must always grow: %d", got)
	}
	// c = 15: p = 1/(10*10+1) ~ 0.0099.
	if got := lfuLogIncr(15, 10, 0.0098); got != 16 {
		t.Fatalf("r below p: %d", got)
	}
	if got := lfuLogIncr(15, 10, 0.0100); got != 15 {
		t.Fatalf("r above p: %d", got)
	}
	if got := lfuLogIncr(255, 0, 0); got != 255 {
		t.Fatalf("saturated counter: %d", got)
	}
	// Redis's table (redis.conf): factor 10 reaches ~10 after 100 hits,
	// ~18 after 1000, ~142 after 100K... check the 1000-hit figure.
	c := uint32(lfuInitVal)
	rng := newTestRand()
	for i := 0; i < 1000; i++ {
		c = lfuLogIncr(c, 10, rng())
	}
	if c < 14 || c > 24 {
		t.Fatalf("factor 10, 1000 hits: counter %d, Redis documents 18", c)
	}
	sec := int64(1_700_000_000 / 60 * 60)
	w := lfuWord(sec, 20)
	if got := lfuDecayBy(w, sec+59, 1); got != 20 {
		t.Fatalf("decay before a minute: %d", got)
	}
	if got := lfuDecayBy(w, sec+5*60, 1); got != 15 {
		t.Fatalf("decay after 5 minutes: %d", got)
	}
	if got := lfuDecayBy(w, sec+10*60, 2); got != 15 {
		t.Fatalf("decay-time 2, 10 minutes: %d", got)
	}
	if got := lfuDecayBy(w, sec+100*60, 1); got != 0 {
		t.Fatalf("decay past zero: %d", got)
	}
	if got := lfuDecayBy(w, sec+100*60, 0); got != 20 {
		t.Fatalf("decay-time 0 never decays: %d", got)
	}
}

func newTestRand() func() float64 {
	x := uint64(88172645463325252)
	return func() float64 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return float64(x>>11) / (1 << 53)
	}
}

// An eviction is a Mutation "evicted" on the one path: subscribers see
// it, WATCH is touched, the metric counts it.
func TestEvictionIsAMutation(t *testing.T) {
	db, _ := openEvict(t, Options{})
	fillN(t, db, "k", 100, 0)
	var mu sync.Mutex
	evicted := map[string]bool{}
	cancel := db.c.subscribe(func(m *Mutation) {
		if m.Op == "evicted" {
			mu.Lock()
			evicted[m.Key] = true
			mu.Unlock()
		}
	})
	defer cancel()
	w := db.WatchKeys(func() []string {
		var ks []string
		for i := 0; i < 100; i++ {
			ks = append(ks, fmt.Sprint("k", i))
		}
		return ks
	}()...)
	defer w.Close()
	setEvict(db, EvictionConfig{MaxMemory: used(db) / 2, Policy: AllKeysRandom})
	if err := db.CheckMemory(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := len(evicted)
	mu.Unlock()
	if n == 0 || int64(n) != db.Metrics().EvictedKeys {
		t.Fatalf("%d evicted events, metric %d", n, db.Metrics().EvictedKeys)
	}
	for k := range evicted {
		if exists(db, k) != 0 {
			t.Fatalf("%s announced evicted but exists", k)
		}
	}
	if !w.Changed() {
		t.Fatal("eviction did not touch the WATCH")
	}
}

// An evicted key is deleted from the data directory too.
func TestEvictionPersists(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	fillN(t, db, "k", 500, 0)
	setEvict(db, EvictionConfig{MaxMemory: used(db) / 2, Policy: AllKeysLRU})
	if err := db.CheckMemory(); err != nil {
		t.Fatal(err)
	}
	left, _ := db.Keys("*")
	if len(left) == 500 || len(left) == 0 {
		t.Fatalf("%d keys left", len(left))
	}
	db.Close()
	db, err = Open(Options{Dir: dir, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after, _ := db.Keys("*")
	if len(after) != len(left) {
		t.Fatalf("after restart %d keys, before %d", len(after), len(left))
	}
}

// A branch evicts only what it wrote since the fork: the frozen layer it
// shares with main is not its to free.
func TestEvictionOnBranch(t *testing.T) {
	db, _ := openEvict(t, Options{})
	fillN(t, db, "base", 200, 0)
	if err := db.CreateBranch("b", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	bdb, err := db.Branch("b")
	if err != nil {
		t.Fatal(err)
	}
	fillN(t, bdb, "onb", 200, 0)
	setEvict(db, EvictionConfig{MaxMemory: used(db) - 5000, Policy: AllKeysLRU})
	if err := db.CheckMemory(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if exists(db, fmt.Sprint("base", i)) != 1 || exists(bdb, fmt.Sprint("base", i)) != 1 {
			t.Fatalf("base%d, in the shared frozen layer, was evicted", i)
		}
	}
	gone := 0
	for i := 0; i < 200; i++ {
		gone += 1 - int(exists(bdb, fmt.Sprint("onb", i)))
	}
	if gone == 0 {
		t.Fatal("nothing evicted on the branch")
	}
}

// Writers and readers race with continuous eviction (run with -race).
func TestEvictionConcurrent(t *testing.T) {
	db, err := Open(Options{MaxMemory: 100 << 10, EvictionPolicy: AllKeysLRU})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				k := fmt.Sprintf("g%d:%d", g, i%700)
				if err := db.Set(k, make([]byte, 64)); err != nil {
					t.Error(err)
					return
				}
				db.Get(fmt.Sprintf("g%d:%d", g, (i*7)%700))
				if i%10 == 0 {
					db.HSet("h"+strconv.Itoa(g), FieldValue{strconv.Itoa(i % 50), []byte("v")})
				}
			}
		}(g)
	}
	wg.Wait()
	if u := used(db); u > 110<<10 {
		t.Fatalf("used %d over the limit", u)
	}
	if db.MemoryStats().EvictedKeys == 0 {
		t.Fatal("nothing evicted")
	}
}

// BenchmarkSetEvicting is Set over a key space larger than MaxMemory
// holds: every write evicts about one key.
func BenchmarkSetEvicting(b *testing.B) {
	db, err := Open(Options{MaxMemory: 2 << 20, EvictionPolicy: AllKeysLRU, Timeline: TimelineOptions{Disabled: true}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	keys := make([]string, 1<<18)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	v := []byte("value")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.Set(keys[i&(len(keys)-1)], v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetUnderLimit is Set with MaxMemory set and not reached.
func BenchmarkSetUnderLimit(b *testing.B) {
	db, err := Open(Options{MaxMemory: 1 << 40, EvictionPolicy: AllKeysLRU})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	v := []byte("value")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.Set("key", v); err != nil {
			b.Fatal(err)
		}
	}
}
