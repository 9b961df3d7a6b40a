package potato

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// branchWriter writes its own keys (strings and the fields of one hash)
// on its own branch and remembers what it wrote, so that the branch can
// be checked against it at the end and after a restart.
type branchWriter struct {
	branch string
	prefix string
	str    map[string]string // live string keys and their values
	hash   map[string]string // fields of prefix+"h"
	merged map[string]string // keys merged in from forks of the branch
	writes int               // rounds done
	mu     sync.Mutex        // guards merged (written by the forker)
}

func newBranchWriter(branch, prefix string) *branchWriter {
	return &branchWriter{branch: branch, prefix: prefix, str: map[string]string{}, hash: map[string]string{}, merged: map[string]string{}}
}

// run writes until stop is closed, checking as it goes that each write
// reads back and that DBSIZE equals the count of KEYS * (in one
// transaction).
func (w *branchWriter) run(t *testing.T, h *DB, stop <-chan struct{}) {
	hkey := w.prefix + "h"
	for j := 0; ; j++ {
		select {
		case <-stop:
			return
		default:
		}
		w.writes = j
		k, v := fmt.Sprintf("%sk%d", w.prefix, j%40), fmt.Sprintf("v%d", j)
		if err := h.Set(k, []byte(v)); err != nil {
			t.Errorf("%s: SET %s: %v", w.branch, k, err)
			return
		}
		w.str[k] = v
		f := fmt.Sprintf("f%d", j%30)
		if _, err := h.HSet(hkey, FieldValue{f, []byte(v)}); err != nil {
			t.Errorf("%s: HSET %s: %v", w.branch, hkey, err)
			return
		}
		w.hash[f] = v
		if got, err := h.Get(k); err != nil || string(got) != v {
			t.Errorf("%s: GET %s right after SET %s = %q, %v", w.branch, k, v, got, err)
			return
		}
		if j%13 == 0 {
			dk := fmt.Sprintf("%sk%d", w.prefix, (j+7)%40)
			if _, err := h.Del(dk); err != nil {
				t.Errorf("%s: DEL %s: %v", w.branch, dk, err)
				return
			}
			delete(w.str, dk)
		}
		if j%25 == 0 {
			if err := checkDBSize(h); err != nil {
				t.Errorf("%s: %v", w.branch, err)
				return
			}
		}
	}
}

// check compares the branch with what the writer wrote.
func (w *branchWriter) check(d *DB) error {
	h, err := d.Branch(w.branch)
	if err != nil {
		return err
	}
	if w.prefix == "" { // only merged keys to check
		return w.checkMerged(h)
	}
	for k, v := range w.str {
		if got, err := h.Get(k); err != nil || string(got) != v {
			return fmt.Errorf("%s: %s = %q, %v; want %q", w.branch, k, got, err, v)
		}
	}
	for i := 0; i < 40; i++ {
		k := fmt.Sprintf("%sk%d", w.prefix, i)
		if _, live := w.str[k]; !live {
			if n, _ := h.Exists(k); n != 0 {
				return fmt.Errorf("%s: deleted key %s is back", w.branch, k)
			}
		}
	}
	pairs, err := h.HGetAll(w.prefix + "h")
	if err != nil {
		return err
	}
	got := map[string]string{}
	for _, p := range pairs {
		got[p.Field] = string(p.Value)
	}
	if !maps.Equal(got, w.hash) {
		return fmt.Errorf("%s: hash %sh = %v, want %v", w.branch, w.prefix, got, w.hash)
	}
	return w.checkMerged(h)
}

// checkMerged checks the keys merged into the writer's branch.
func (w *branchWriter) checkMerged(h *DB) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, v := range w.merged {
		if got, err := h.Get(k); err != nil || string(got) != v {
			return fmt.Errorf("%s: merged key %s = %q, %v; want %q", w.branch, k, got, err, v)
		}
	}
	return nil
}

// checkDBSize compares DBSIZE with the number of keys KEYS * returns, in
// one transaction.
func checkDBSize(h *DB) error {
	return h.View(func(tx *Tx) error {
		keys, err := tx.Keys("*")
		if err != nil {
			return err
		}
		if n, _ := tx.DBSize(); n != int64(len(keys)) {
			return fmt.Errorf("DBSIZE %d but KEYS * has %d keys", n, len(keys))
		}
		return nil
	})
}

// TestBranchConcurrency runs writers on several branches (and on main)
// while other goroutines fork the writers' branches, write on the forks,
// diff and merge them back and delete them, fork pairs of main that
// conflict and merge them with each policy, merge forks into main, and
// list and diff branches. It fails on a deadlock (the run must finish
// within a timeout) and checks the invariants: every writer's keys read
// back what it wrote on its branch, a merge takes each key from one side
// as its policy says, DBSIZE equals the count of KEYS *. The durable
// store is then reopened and every branch must hold the same data.
func TestBranchConcurrency(t *testing.T) {
	run, minRounds := 1500*time.Millisecond, int64(5)
	if testing.Short() {
		run, minRounds = 300*time.Millisecond, 2
	}
	for _, mode := range []string{"mem", "durable"} {
		t.Run(mode, func(t *testing.T) {
			o := Options{ExpiryInterval: -1, Logger: quietLogger()}
			if mode == "durable" {
				o.Dir = t.TempDir()
			}
			d := openDurable(t, o)
			for i := 0; i < 100; i++ {
				mustSet(t, d, fmt.Sprintf("base:%d", i), "base")
			}
			const nw = 3
			writers := []*branchWriter{newBranchWriter(MainBranch, "main:")}
			for i := 0; i < nw; i++ {
				name := fmt.Sprintf("w%d", i)
				if err := d.CreateBranch(name, BranchArgs{}); err != nil {
					t.Fatal(err)
				}
				writers = append(writers, newBranchWriter(name, name+":"))
			}
			mainMerged := newBranchWriter(MainBranch, "")

			stop := make(chan struct{})
			var wg sync.WaitGroup
			for _, w := range writers {
				h, err := d.Branch(w.branch)
				if err != nil {
					t.Fatal(err)
				}
				wg.Go(func() { w.run(t, h, stop) })
			}
			var forks, pairs, intoMain, lists int
			var rounds [4]atomic.Int64
			wg.Go(func() { forks = forkAndMergeBack(t, d, writers[1:], stop, &rounds[0]) })
			wg.Go(func() { pairs = conflictingPairs(t, d, stop, &rounds[1]) })
			wg.Go(func() { intoMain = mergeIntoMain(t, d, mainMerged, stop, &rounds[2]) })
			wg.Go(func() { lists = listAndDiff(t, d, writers, stop, &rounds[3]) })

			// Run for at least run and until every churner did
			// minRounds rounds; a deadlock (or starvation) shows as the
			// timeout.
			start, timeout := time.Now(), 2*time.Minute
			for !t.Failed() && (time.Since(start) < run || lagging(rounds[:], minRounds)) {
				if time.Since(start) > timeout {
					pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
					t.Fatalf("deadlock or starvation: rounds %d %d %d %d after %v", rounds[0].Load(), rounds[1].Load(), rounds[2].Load(), rounds[3].Load(), timeout)
				}
				time.Sleep(10 * time.Millisecond)
			}
			close(stop)
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(timeout):
				pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
				t.Fatalf("deadlock: the branch workers did not stop within %v", timeout)
			}
			if t.Failed() {
				return
			}
			t.Logf("%d forks merged back, %d conflicting pairs, %d merges into main, %d lists+diffs; writes per branch: %d %d %d %d",
				forks, pairs, intoMain, lists, writers[0].writes, writers[1].writes, writers[2].writes, writers[3].writes)

			want := []string{MainBranch}
			for _, w := range writers[1:] {
				want = append(want, w.branch)
			}
			checkAll := func(d *DB) {
				t.Helper()
				var names []string
				for _, bi := range d.Branches() {
					names = append(names, bi.Name)
				}
				if !slices.Equal(names, want) {
					t.Fatalf("branches %v, want %v (every fork was deleted)", names, want)
				}
				for _, w := range append(writers, mainMerged) {
					if err := w.check(d); err != nil {
						t.Fatal(err)
					}
				}
				for _, name := range want {
					h, _ := d.Branch(name)
					if err := checkDBSize(h); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				}
			}
			checkAll(d)
			if mode != "durable" {
				return
			}
			dumps := map[string]string{}
			for _, name := range want {
				h, _ := d.Branch(name)
				dumps[name] = dumpStore(t, h)
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			d = openDurable(t, o)
			checkAll(d)
			for _, name := range want {
				h, err := d.Branch(name)
				if err != nil {
					t.Fatal(err)
				}
				if diff := diffDumps(dumps[name], dumpStore(t, h)); diff != "" {
					t.Fatalf("branch %s after restart: %s", name, diff)
				}
			}
		})
	}
}

// lagging reports whether a counter is below min.
func lagging(rounds []atomic.Int64, min int64) bool {
	for i := range rounds {
		if rounds[i].Load() < min {
			return true
		}
	}
	return false
}

// stopped reports whether stop is closed.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// forkAndMergeBack forks the writers' branches while they write, writes
// one key of its own on the fork, checks DIFF shows it, merges the fork
// back (no conflict: the fork wrote nothing the writer writes) and
// deletes it.
func forkAndMergeBack(t *testing.T, d *DB, writers []*branchWriter, stop <-chan struct{}, done *atomic.Int64) (n int) {
	policies := []OnConflict{ConflictFail, ConflictOurs, ConflictTheirs}
	for n = 0; !stopped(stop); n++ {
		done.Store(int64(n))
		w := writers[n%len(writers)]
		name := fmt.Sprintf("f-%d", n)
		if err := d.CreateBranch(name, BranchArgs{From: w.branch}); err != nil {
			t.Errorf("fork %s of %s: %v", name, w.branch, err)
			return n
		}
		fh, err := d.Branch(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return n
		}
		k, v := name+":a", fmt.Sprintf("x-%d", n)
		if err := fh.Set(k, []byte(v)); err != nil {
			t.Errorf("%s: SET: %v", name, err)
			return n
		}
		found := false
		for de, err := range d.Diff(w.branch, name, DiffArgs{}) {
			if err != nil {
				t.Errorf("DIFF %s %s: %v", w.branch, name, err)
				return n
			}
			if de.Key == k {
				found = de.Kind == DiffAdded
			}
		}
		if !found {
			t.Errorf("DIFF %s %s does not show %s added", w.branch, name, k)
			return n
		}
		res, err := d.Merge(name, w.branch, MergeArgs{OnConflict: policies[n%3]})
		if err != nil || res.Merged != 1 || len(res.Conflicts) != 0 {
			t.Errorf("MERGE %s INTO %s: %+v, %v; want 1 key merged, no conflict", name, w.branch, res, err)
			return n
		}
		w.mu.Lock()
		w.merged[k] = v
		w.mu.Unlock()
		wh, _ := d.Branch(w.branch)
		if got, err := wh.Get(k); err != nil || string(got) != v {
			t.Errorf("%s after MERGE: %s = %q, %v", w.branch, k, got, err)
			return n
		}
		if err := d.DeleteBranch(name); err != nil {
			t.Errorf("DELETE %s: %v", name, err)
			return n
		}
		if _, err := fh.Get(k); !errors.Is(err, ErrNoBranch) {
			t.Errorf("GET on deleted %s: %v", name, err)
			return n
		}
	}
	return n
}

// conflictingPairs forks two branches of main, sets one key differently
// on each (and one key of its own on each), merges one into the other
// with each policy and checks that every key comes from the side the
// policy says.
func conflictingPairs(t *testing.T, d *DB, stop <-chan struct{}, done *atomic.Int64) (n int) {
	for n = 0; !stopped(stop); n++ {
		done.Store(int64(n))
		a, b := fmt.Sprintf("a-%d", n), fmt.Sprintf("b-%d", n)
		hs := map[string]*DB{}
		for _, name := range []string{a, b} {
			if err := d.CreateBranch(name, BranchArgs{}); err != nil {
				t.Errorf("CREATE %s: %v", name, err)
				return n
			}
			h, err := d.Branch(name)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return n
			}
			hs[name] = h
			if err := h.MSet(KeyValue{"cfl", []byte(name)}, KeyValue{"only:" + name, []byte("1")}); err != nil {
				t.Errorf("%s: MSET: %v", name, err)
				return n
			}
		}
		policy := []OnConflict{ConflictFail, ConflictOurs, ConflictTheirs}[n%3]
		res, err := d.Merge(a, b, MergeArgs{OnConflict: policy})
		if err != nil || len(res.Conflicts) != 1 || res.Conflicts[0].Key != "cfl" {
			t.Errorf("MERGE %s INTO %s ON-CONFLICT %s: %+v, %v; want the conflict on cfl", a, b, policy, res, err)
			return n
		}
		wantCfl, wantOnlyA, wantMerged := b, policy != ConflictFail, map[OnConflict]int{ConflictFail: 0, ConflictOurs: 1, ConflictTheirs: 2}[policy]
		if policy == ConflictTheirs {
			wantCfl = a
		}
		hb := hs[b]
		if got, err := hb.Get("cfl"); err != nil || string(got) != wantCfl {
			t.Errorf("%s after MERGE ON-CONFLICT %s: cfl = %q, %v; want %q", b, policy, got, err, wantCfl)
			return n
		}
		if ex, _ := hb.Exists("only:" + a); (ex == 1) != wantOnlyA || res.Merged != wantMerged {
			t.Errorf("%s after MERGE ON-CONFLICT %s: only:%s exists=%d, merged %d; want %v, %d", b, policy, a, ex, res.Merged, wantOnlyA, wantMerged)
			return n
		}
		if got, err := hs[a].Get("cfl"); err != nil || string(got) != a {
			t.Errorf("MERGE changed its source %s: cfl = %q, %v", a, got, err)
			return n
		}
		for _, name := range []string{a, b} {
			if err := d.DeleteBranch(name); err != nil {
				t.Errorf("DELETE %s: %v", name, err)
				return n
			}
		}
	}
	return n
}

// mergeIntoMain forks main while its writer writes, sets one key on the
// fork and merges it into main.
func mergeIntoMain(t *testing.T, d *DB, into *branchWriter, stop <-chan struct{}, done *atomic.Int64) (n int) {
	for n = 0; !stopped(stop); n++ {
		done.Store(int64(n))
		name := fmt.Sprintf("m-%d", n)
		if err := d.CreateBranch(name, BranchArgs{}); err != nil {
			t.Errorf("CREATE %s: %v", name, err)
			return n
		}
		h, err := d.Branch(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return n
		}
		k, v := "merged:"+name, fmt.Sprint(n)
		if err := h.Set(k, []byte(v)); err != nil {
			t.Errorf("%s: SET: %v", name, err)
			return n
		}
		if res, err := d.Merge(name, MainBranch, MergeArgs{}); err != nil || res.Merged != 1 {
			t.Errorf("MERGE %s INTO main: %+v, %v", name, res, err)
			return n
		}
		into.mu.Lock()
		into.merged[k] = v
		into.mu.Unlock()
		if err := d.DeleteBranch(name); err != nil {
			t.Errorf("DELETE %s: %v", name, err)
			return n
		}
		runtime.Gosched()
	}
	return n
}

// listAndDiff lists the branches and diffs main with each writer's
// branch while everything else runs: the writers' branches are always
// listed and diff never fails on them.
func listAndDiff(t *testing.T, d *DB, writers []*branchWriter, stop <-chan struct{}, done *atomic.Int64) (n int) {
	for n = 0; !stopped(stop); n++ {
		done.Store(int64(n))
		names := map[string]bool{}
		for _, bi := range d.Branches() {
			names[bi.Name] = true
		}
		for _, w := range writers {
			if !names[w.branch] {
				t.Errorf("BRANCH LIST lacks %s", w.branch)
				return n
			}
		}
		w := writers[1+n%(len(writers)-1)]
		for _, err := range d.Diff(MainBranch, w.branch, DiffArgs{Match: "*:k1*"}) {
			if err != nil {
				t.Errorf("DIFF main %s: %v", w.branch, err)
				return n
			}
		}
		time.Sleep(time.Millisecond)
	}
	return n
}

// TestBranchCopyUpCost checks that the first write to a big container on
// a fresh branch costs what is written, not the container: one HSET on a
// 100k-field hash and one LPUSH on a 100k-element list of main each
// allocate (bytes, over the whole process) far less than any copy of the
// container could, and main is unchanged. A copy of either needs at
// least 16 bytes per element (1.6 MB); the bound is 256 KiB.
func TestBranchCopyUpCost(t *testing.T) {
	d, err := Open(Options{ExpiryInterval: -1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	const n = 100_000
	for i := 0; i < n; i += 1000 {
		fv := make([]FieldValue, 0, 1000)
		vs := make([][]byte, 0, 1000)
		for j := i; j < i+1000; j++ {
			fv = append(fv, FieldValue{fmt.Sprintf("f%06d", j), fmt.Appendf(nil, "v%d", j)})
			vs = append(vs, fmt.Appendf(nil, "e%d", j))
		}
		if _, err := d.HSet("h", fv...); err != nil {
			t.Fatal(err)
		}
		if _, err := d.RPush("l", vs...); err != nil {
			t.Fatal(err)
		}
	}
	mainDump := dumpStore(t, d)
	const bound = 256 << 10
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	for i := 0; i < 3; i++ { // three fresh branches: each first write copies up
		name := fmt.Sprintf("dev%d", i)
		if err := d.CreateBranch(name, BranchArgs{}); err != nil {
			t.Fatal(err)
		}
		dev, err := d.Branch(name)
		if err != nil {
			t.Fatal(err)
		}
		var herr, lerr error
		hb := allocated(func() { _, herr = dev.HSet("h", FieldValue{"f000007", []byte("dev")}) })
		lb := allocated(func() { _, lerr = dev.LPush("l", []byte("dev")) })
		if herr != nil || lerr != nil {
			t.Fatal(herr, lerr)
		}
		t.Logf("%s: first HSET allocated %d B, first LPUSH %d B", name, hb, lb)
		if hb > bound || lb > bound {
			t.Fatalf("%s: first HSET allocated %d B, first LPUSH %d B: over %d B, as if the container were copied", name, hb, lb, bound)
		}
		if v, _ := dev.HGet("h", "f000007"); string(v) != "dev" {
			t.Fatalf("%s: HGET h f000007 = %q", name, v)
		}
		if v, _ := dev.HGet("h", "f099999"); string(v) != "v99999" {
			t.Fatalf("%s: HGET h f099999 = %q (the rest of the hash)", name, v)
		}
		if hl, _ := dev.HLen("h"); hl != n {
			t.Fatalf("%s: HLEN h = %d", name, hl)
		}
		if ll, _ := dev.LLen("l"); ll != n+1 {
			t.Fatalf("%s: LLEN l = %d", name, ll)
		}
		first, _ := dev.LIndex("l", 0)
		last, _ := dev.LIndex("l", -1)
		if string(first) != "dev" || string(last) != "e99999" {
			t.Fatalf("%s: LINDEX l 0 / -1 = %q / %q", name, first, last)
		}
		if diff := diffDumps(mainDump, dumpStore(t, d)); diff != "" {
			t.Fatalf("main changed by a write on %s: %s", name, diff)
		}
	}
}

// TestBranchesWhileWriting is the regression test of a data race: DB.Branches
// sized the layers only one branch reads (BRANCH LIST's keys changed and
// bytes) without locks, while that branch's writers changed them (a hash
// growing under Hash.Len). Run with -race.
func TestBranchesWhileWriting(t *testing.T) {
	d, err := Open(Options{ExpiryInterval: -1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	dev, err := d.Branch("dev")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; !stopped(stop); i++ {
			if _, err := dev.HSet("h", FieldValue{fmt.Sprint(i % 500), []byte("v")}); err != nil {
				t.Error(err)
				return
			}
			if _, err := dev.RPush("l", []byte("v")); err != nil {
				t.Error(err)
				return
			}
			if i%100 == 0 {
				if err := dev.FlushDB(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	for i := 0; i < 300; i++ {
		bs := d.Branches()
		if len(bs) != 2 || bs[1].Name != "dev" || bs[1].KeysChanged > 2 {
			t.Fatalf("Branches() = %+v", bs)
		}
	}
	close(stop)
	wg.Wait()
}
