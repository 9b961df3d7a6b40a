package potato

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var errRollback = errors.New("test: roll back")

// richState fills a DB with strings (some with TTLs, one already past its
// deadline), a hash, and keys in two other databases.
func richState(t testing.TB, d *DB, clk *testClock) {
	t.Helper()
	d1, _ := d.Select(1)
	d5, _ := d.Select(5)
	for i := 0; i < 20; i++ {
		mustSet(t, d, fmt.Sprint("s", i), fmt.Sprint("v", i))
	}
	mustSetTTL(t, d, "ttl1", "a", time.Minute)
	mustSetTTL(t, d, "ttl2", "b", time.Hour)
	mustSetTTL(t, d, "dead", "gone", time.Second)
	mustSet(t, d, "n", "41")
	mustSet(t, d, "f", "1.5")
	mustSet(t, d, "ap", "abc")
	d.Append("ap", []byte("def")) // spare capacity for the next APPEND
	makeHash(t, d, "h", "a", "1", "b", "2")
	mustSet(t, d1, "one", "1")
	mustSetTTL(t, d1, "onettl", "1", time.Minute)
	mustSet(t, d5, "five", "5")
	clk.Advance(time.Second) // "dead" is past its deadline, not yet removed
}

// stateOf is the full observable state: every live key of every database
// with value and deadline, plus DBSIZEs (which count keys past their
// deadline that are not yet removed).
func stateOf(t testing.TB, d *DB) string {
	t.Helper()
	var sizes []string
	for i := 0; i < NumDBs; i++ {
		h, _ := d.Select(i)
		n, _ := h.DBSize()
		sizes = append(sizes, fmt.Sprint(n))
	}
	return dumpAll(t, d) + "sizes " + strings.Join(sizes, ",")
}

// TestUpdateRollback runs, for each kind of write, an Update that makes
// it and then fails, and requires the state (values, TTLs, sizes) to be
// exactly as before, and the store to keep working afterwards.
func TestUpdateRollback(t *testing.T) {
	writes := []struct {
		name string
		fn   func(tx *Tx) error
	}{
		{"set", func(tx *Tx) error { return tx.Set("s1", []byte("changed")) }},
		{"set new", func(tx *Tx) error { return tx.Set("brand new", []byte("x")) }},
		{"set with ttl", func(tx *Tx) error {
			_, _, err := tx.SetArgs("s2", []byte("x"), SetArgs{TTL: time.Second})
			return err
		}},
		{"set over ttl", func(tx *Tx) error { return tx.Set("ttl1", []byte("x")) }},
		{"set keepttl", func(tx *Tx) error {
			_, _, err := tx.SetArgs("ttl2", []byte("x"), SetArgs{KeepTTL: true})
			return err
		}},
		{"set over hash", func(tx *Tx) error { return tx.Set("h", []byte("x")) }},
		{"set over expired", func(tx *Tx) error { return tx.Set("dead", []byte("x")) }},
		{"mset", func(tx *Tx) error {
			return tx.MSet(KeyValue{"s3", []byte("x")}, KeyValue{"m", []byte("y")})
		}},
		{"del", func(tx *Tx) error { _, err := tx.Del("s4", "ttl1", "h", "dead"); return err }},
		{"getdel", func(tx *Tx) error { _, err := tx.GetDel("s5"); return err }},
		{"getex", func(tx *Tx) error { _, err := tx.GetEx("ttl1", GetExArgs{Persist: true}); return err }},
		{"expire", func(tx *Tx) error { _, err := tx.Expire("s6", time.Second); return err }},
		{"expire again", func(tx *Tx) error { _, err := tx.Expire("ttl1", time.Hour); return err }},
		{"expire past", func(tx *Tx) error { _, err := tx.Expire("s7", -time.Second); return err }},
		{"persist", func(tx *Tx) error { _, err := tx.Persist("ttl2"); return err }},
		{"rename", func(tx *Tx) error { return tx.Rename("ttl1", "s8") }},
		{"rename to new", func(tx *Tx) error { return tx.Rename("h", "h2") }},
		{"renamenx", func(tx *Tx) error { _, err := tx.RenameNX("s9", "renamed"); return err }},
		{"copy", func(tx *Tx) error { _, err := tx.Copy("ttl2", "s10", 0, true); return err }},
		{"copy to db", func(tx *Tx) error { _, err := tx.Copy("h", "h", 1, false); return err }},
		{"move", func(tx *Tx) error { _, err := tx.Move("ttl1", 5); return err }},
		{"incr", func(tx *Tx) error { _, err := tx.Incr("n"); return err }},
		{"incr new", func(tx *Tx) error { _, err := tx.IncrBy("counter", 7); return err }},
		{"incrbyfloat", func(tx *Tx) error { _, err := tx.IncrByFloatText("f", "0.1"); return err }},
		{"append", func(tx *Tx) error { _, err := tx.Append("ap", []byte("XYZ")); return err }},
		{"setrange", func(tx *Tx) error { _, err := tx.SetRange("s11", 10, []byte("pad")); return err }},
		{"lazy expiry", func(tx *Tx) error { _, err := tx.Get("dead"); return err }},
		{"flushdb", func(tx *Tx) error { return tx.FlushDB() }},
		{"flushall", func(tx *Tx) error { return tx.FlushAll() }},
		{"swapdb", func(tx *Tx) error { return tx.SwapDB(0, 1) }},
		{"swapdb twice", func(tx *Tx) error {
			if err := tx.SwapDB(0, 5); err != nil {
				return err
			}
			return tx.SwapDB(5, 1)
		}},
		{"select and write", func(tx *Tx) error {
			tx.Select(1)
			return tx.Set("one", []byte("changed"))
		}},
		{"write, flush, write", func(tx *Tx) error {
			tx.Set("s12", []byte("x"))
			tx.FlushDB()
			tx.Set("s12", []byte("y"))
			_, err := tx.Incr("n")
			return err
		}},
		{"write, swap, write", func(tx *Tx) error {
			tx.Set("s13", []byte("x"))
			tx.SwapDB(0, 1)
			tx.Set("one", []byte("y"))
			_, err := tx.Expire("onettl", time.Hour)
			return err
		}},
	}
	// Each write alone, then all of them in one transaction.
	each := slices.Clone(writes)
	all := func(tx *Tx) error {
		for _, w := range each {
			w.fn(tx)
			tx.Select(0)
		}
		return nil
	}
	writes = append(writes, struct {
		name string
		fn   func(tx *Tx) error
	}{"all", all})

	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			d, clk := openTestDB(t)
			richState(t, d, clk)
			before := stateOf(t, d)
			var mu sync.Mutex
			var published []string
			cancel := d.c.subscribe(func(m *Mutation) {
				mu.Lock()
				published = append(published, m.Op)
				mu.Unlock()
			})
			defer cancel()

			err := d.Update(func(tx *Tx) error {
				w.fn(tx) // some writes fail (a key already gone): still roll back
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatalf("Update = %v; want errRollback", err)
			}
			if after := stateOf(t, d); after != before {
				t.Fatalf("state changed by a rolled-back Update:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if len(published) != 0 {
				t.Fatalf("a rolled-back Update published mutations %q", published)
			}
			// The store still works: expiry index and slots are intact.
			checkExpiryWorks(t, d, clk)
		})
	}
}

// checkExpiryWorks moves the clock past every deadline set by richState
// and checks that active expiry removes exactly the keys with TTLs.
func checkExpiryWorks(t testing.TB, d *DB, clk *testClock) {
	t.Helper()
	want := map[string]bool{}
	for i := 0; i < NumDBs; i++ {
		h, _ := d.Select(i)
		h.View(func(tx *Tx) error {
			keys, _ := tx.Keys("*")
			for _, k := range keys {
				if ttl, _ := tx.TTL(k); ttl == NoExpiry {
					want[fmt.Sprint(i, k)] = true
				}
			}
			return nil
		})
	}
	clk.Advance(2 * time.Hour)
	for d.c.expireCycle() {
	}
	total := 0
	for i := 0; i < NumDBs; i++ {
		h, _ := d.Select(i)
		n, _ := h.DBSize()
		total += int(n)
		keys, _ := h.Keys("*")
		for _, k := range keys {
			if !want[fmt.Sprint(i, k)] {
				t.Errorf("db%d key %q survived its deadline", i, k)
			}
		}
	}
	if total != len(want) {
		t.Errorf("after expiry %d keys remain; want %d", total, len(want))
	}
}

func TestUpdatePanicRollsBack(t *testing.T) {
	d, clk := openTestDB(t)
	richState(t, d, clk)
	before := stateOf(t, d)
	func() {
		defer func() {
			r := recover()
			if r != "test panic" {
				t.Fatalf("recovered %v; want the closure's panic value", r)
			}
		}()
		d.Update(func(tx *Tx) error {
			tx.Set("s1", []byte("changed"))
			tx.Del("h")
			tx.FlushDB()
			tx.Select(1)
			tx.Set("one", []byte("x"))
			panic("test panic")
		})
		t.Fatal("Update returned after a panic")
	}()
	if after := stateOf(t, d); after != before {
		t.Fatalf("state changed by a panicking Update:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Every lock was released: writers of any key, and KEYS (which locks
	// every stripe), proceed.
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Set("s1", []byte("after"))
		d.FlushAll()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("locks still held after a panic in Update")
	}
}

func TestViewIsReadOnly(t *testing.T) {
	d, clk := openTestDB(t)
	richState(t, d, clk)
	before := stateOf(t, d)
	writes := map[string]func(tx *Tx){
		"Set":         func(tx *Tx) { tx.Set("s1", []byte("x")) },
		"SetArgs":     func(tx *Tx) { tx.SetArgs("new", []byte("x"), SetArgs{NX: true}) },
		"MSet":        func(tx *Tx) { tx.MSet(KeyValue{"a", []byte("b")}) },
		"MSetNX":      func(tx *Tx) { tx.MSetNX(KeyValue{"a", []byte("b")}) },
		"Del":         func(tx *Tx) { tx.Del("s1") },
		"Del missing": func(tx *Tx) { tx.Del("nope") },
		"GetDel":      func(tx *Tx) { tx.GetDel("s1") },
		"GetEx":       func(tx *Tx) { tx.GetEx("s1", GetExArgs{}) },
		"Expire":      func(tx *Tx) { tx.Expire("s1", time.Second) },
		"Persist":     func(tx *Tx) { tx.Persist("ttl1") },
		"Rename":      func(tx *Tx) { tx.Rename("s1", "x") },
		"Copy":        func(tx *Tx) { tx.Copy("s1", "x", 0, false) },
		"Move":        func(tx *Tx) { tx.Move("s1", 1) },
		"Incr":        func(tx *Tx) { tx.Incr("n") },
		"IncrByFloat": func(tx *Tx) { tx.IncrByFloatText("f", "1") },
		"Append":      func(tx *Tx) { tx.Append("ap", []byte("x")) },
		"SetRange":    func(tx *Tx) { tx.SetRange("s1", 0, []byte("x")) },
		"FlushDB":     func(tx *Tx) { tx.FlushDB() },
		"FlushAll":    func(tx *Tx) { tx.FlushAll() },
		"SwapDB":      func(tx *Tx) { tx.SwapDB(0, 1) },
	}
	for name, w := range writes {
		reachedEnd := false
		err := d.View(func(tx *Tx) error {
			w(tx)
			reachedEnd = true
			return nil
		})
		if !errors.Is(err, ErrTxReadOnly) {
			t.Errorf("%s in View = %v; want ErrTxReadOnly", name, err)
		}
		if reachedEnd {
			t.Errorf("%s in View: the closure went on after the refused write", name)
		}
	}
	// Reading an expired key in a View does not remove it.
	d.View(func(tx *Tx) error {
		if _, err := tx.Get("dead"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(expired) in View = %v", err)
		}
		return nil
	})
	if after := stateOf(t, d); after != before {
		t.Fatalf("View changed the state:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestTxUseAfterDone(t *testing.T) {
	d, _ := openTestDB(t)
	var leaked *Tx
	d.Update(func(tx *Tx) error { leaked = tx; return nil })
	defer func() {
		if r := recover(); r != ErrTxDone {
			t.Fatalf("using a finished Tx: recovered %v; want ErrTxDone", r)
		}
	}()
	leaked.Get("k")
	t.Fatal("no panic using a finished Tx")
}

func TestClosed(t *testing.T) {
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := d.Get("k"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v", err)
	}
	if err := d.Set("k", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Set after Close = %v", err)
	}
	if err := d.Update(func(tx *Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close = %v", err)
	}
	if _, err := d.DBSize(); !errors.Is(err, ErrClosed) {
		t.Errorf("DBSize after Close = %v", err)
	}
}

func TestUpdateCommitsAtomically(t *testing.T) {
	d, _ := openTestDB(t)
	ops := recordOps(t, d)
	err := d.Update(func(tx *Tx) error {
		tx.Set("a", []byte("1"))
		tx.Incr("a")
		tx.Select(3)
		tx.Set("b", []byte("x"))
		v, err := tx.Get("b") // a transaction reads its own writes
		if string(v) != "x" || err != nil {
			t.Errorf("read own write = %q, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := ops(); !slices.Equal(got, []string{"set a", "incrby a", "set b"}) {
		t.Fatalf("mutations %q", got)
	}
	d3, _ := d.Select(3)
	if getStr(t, d, "a") != "2" || getStr(t, d3, "b") != "x" {
		t.Fatal("Update did not commit")
	}
	if err := d.Update(func(tx *Tx) error { return tx.Select(16) }); !errors.Is(err, ErrDBIndex) {
		t.Fatalf("Select(16) in a Tx = %v", err)
	}
}

// TestRetryOnLockOrder makes a closure take a lower stripe while holding a
// higher one that another goroutine holds, so that it must undo and re-run
// with its locks in order; the re-run must see none of the first run's
// writes.
func TestRetryOnLockOrder(t *testing.T) {
	d, _ := openTestDB(t)
	ks := d.c.ks
	// Two keys on different stripes, lo's below hi's. (Comparing with a
	// fixed third key looped forever when, with the keyspace's random
	// hash seed, that key fell on the lowest or highest stripe.)
	lo, hi := "key0", ""
	for i := 1; hi == ""; i++ {
		k := fmt.Sprint("key", i)
		switch s := ks.StripeOf(0, k); {
		case s > ks.StripeOf(0, lo):
			hi = k
		case s < ks.StripeOf(0, lo):
			lo, hi = k, lo
		}
	}
	loS := ks.StripeOf(0, lo)
	ks.Lock(loS) // another party holds the low stripe for a while
	released := make(chan struct{})
	go func() {
		time.Sleep(50 * time.Millisecond)
		close(released)
		ks.Unlock(loS)
	}()
	runs := 0
	err := d.Update(func(tx *Tx) error {
		runs++
		if _, err := tx.Incr(hi); err != nil {
			return err
		}
		_, err := tx.Incr(lo) // below hi: TryLock fails while held
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	<-released
	if runs != 2 {
		t.Fatalf("closure ran %d times; want 2 (one undone run, one in lock order)", runs)
	}
	if getStr(t, d, hi) != "1" || getStr(t, d, lo) != "1" {
		t.Fatalf("after retry: %s=%s %s=%s; want 1 and 1 (first run undone)", hi, getStr(t, d, hi), lo, getStr(t, d, lo))
	}
}

// ---------------------------------------------------------------------
// Watcher (WATCH / EXEC).
// ---------------------------------------------------------------------

// execWatched is EXEC: it sets "result" if none of w's keys changed.
func execWatched(d *DB, w *Watcher) error {
	return d.Update(func(tx *Tx) error {
		if err := tx.Check(w); err != nil {
			return err
		}
		return tx.Set("result", []byte("ran"))
	})
}

func TestWatcher(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(d *DB, clk *testClock)
		keys    []string
		change  func(d *DB, clk *testClock)
		aborted bool
	}{
		{"untouched", nil, []string{"k"}, nil, false},
		{"set", nil, []string{"k"}, func(d *DB, _ *testClock) { mustSet(t, d, "k", "2") }, true},
		{"set to the same value", nil, []string{"k"}, func(d *DB, _ *testClock) { mustSet(t, d, "k", "1") }, true},
		{"other key", nil, []string{"k"}, func(d *DB, _ *testClock) { mustSet(t, d, "other", "2") }, false},
		{"missing key created", nil, []string{"missing"}, func(d *DB, _ *testClock) { mustSet(t, d, "missing", "2") }, true},
		{"del", nil, []string{"k"}, func(d *DB, _ *testClock) { d.Del("k") }, true},
		{"del of missing key", nil, []string{"missing"}, func(d *DB, _ *testClock) { d.Del("missing") }, false},
		{"expire", nil, []string{"k"}, func(d *DB, _ *testClock) { d.Expire("k", time.Hour) }, true},
		{"incr", nil, []string{"n"}, func(d *DB, _ *testClock) { d.Incr("n") }, true},
		{"failed incr", nil, []string{"s"}, func(d *DB, _ *testClock) { d.Incr("s") }, false},
		{"rename from", nil, []string{"k"}, func(d *DB, _ *testClock) { d.Rename("k", "k2") }, true},
		{"rename to", nil, []string{"k2"}, func(d *DB, _ *testClock) { d.Rename("k", "k2") }, true},
		{"rolled back write", nil, []string{"k"}, func(d *DB, _ *testClock) {
			d.Update(func(tx *Tx) error { tx.Set("k", []byte("x")); return errRollback })
		}, false},
		{"flushdb", nil, []string{"k"}, func(d *DB, _ *testClock) { d.FlushDB() }, true},
		{"flushdb of another db", nil, []string{"k"}, func(d *DB, _ *testClock) {
			d1, _ := d.Select(1)
			d1.FlushDB()
		}, false},
		{"flushall", nil, []string{"k"}, func(d *DB, _ *testClock) { d.FlushAll() }, true},
		{"swapdb", nil, []string{"k"}, func(d *DB, _ *testClock) { d.SwapDB(1, 0) }, true},
		{"swapdb of others", nil, []string{"k"}, func(d *DB, _ *testClock) { d.SwapDB(1, 2) }, false},
		{"deadline passes", func(d *DB, _ *testClock) { d.Expire("k", time.Second) }, []string{"k"},
			func(d *DB, clk *testClock) { clk.Advance(time.Second) }, true},
		{"deadline not yet", func(d *DB, _ *testClock) { d.Expire("k", time.Second) }, []string{"k"},
			func(d *DB, clk *testClock) { clk.Advance(999 * time.Millisecond) }, false},
		{"live key expires and is removed", func(d *DB, _ *testClock) { d.Expire("k", time.Second) }, []string{"k"},
			func(d *DB, clk *testClock) {
				clk.Advance(time.Second)
				for d.c.expireCycle() {
				}
			}, true},
		// Redis 7: a key already expired when watched that is then removed
		// by expiry did not logically change.
		{"expired when watched, then removed", func(d *DB, clk *testClock) {
			d.Expire("k", time.Second)
			clk.Advance(time.Second)
		}, []string{"k"}, func(d *DB, _ *testClock) {
			d.Persist("k") // a write lookup removes the expired key
		}, false},
		{"expired when watched, removed by active expiry", func(d *DB, clk *testClock) {
			d.Expire("k", time.Second)
			clk.Advance(time.Second)
		}, []string{"k"}, func(d *DB, _ *testClock) {
			for d.c.expireCycle() {
			}
		}, false},
		{"expired when watched, then set", func(d *DB, clk *testClock) {
			d.Expire("k", time.Second)
			clk.Advance(time.Second)
		}, []string{"k"}, func(d *DB, _ *testClock) { mustSet(t, d, "k", "new") }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, clk := openTestDB(t)
			mustSet(t, d, "k", "1")
			mustSet(t, d, "n", "1")
			mustSet(t, d, "s", "not a number")
			if tc.setup != nil {
				tc.setup(d, clk)
			}
			w := d.WatchKeys(tc.keys...)
			defer w.Close()
			if tc.change != nil {
				tc.change(d, clk)
			}
			if got := w.Changed(); got != tc.aborted {
				t.Errorf("Changed() = %v; want %v", got, tc.aborted)
			}
			err := execWatched(d, w)
			ran := getStr(t, d, "result") == "ran"
			if tc.aborted {
				if !errors.Is(err, ErrTxAborted) || ran {
					t.Fatalf("EXEC = %v, ran %v; want ErrTxAborted and nothing done", err, ran)
				}
			} else if err != nil || !ran {
				t.Fatalf("EXEC = %v, ran %v; want success", err, ran)
			}
		})
	}
}

func TestWatcherAddCloseOtherDB(t *testing.T) {
	d, _ := openTestDB(t)
	d2, _ := d.Select(2)
	w := d.WatchKeys("a")
	w.Add(d2, "b")
	mustSet(t, d, "b", "db0") // a different key: same name, other db
	if w.Changed() {
		t.Fatal("write of b in db0 dirtied a watch of b in db2")
	}
	mustSet(t, d2, "b", "db2")
	if !w.Changed() {
		t.Fatal("write of a watched key in db2 not seen")
	}
	w.Close()
	// Closing removes every registration.
	for s := range d.c.watched {
		if len(d.c.watched[s]) != 0 {
			t.Fatalf("stripe %d still has watch registrations after Close", s)
		}
	}
	// Two watchers of one key; closing one leaves the other working.
	w1, w2 := d.WatchKeys("k"), d.WatchKeys("k")
	w1.Close()
	mustSet(t, d, "k", "v")
	if !w2.Changed() {
		t.Fatal("closing one watcher of a key silenced the other")
	}
	w2.Close()
}
