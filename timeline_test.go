package potato

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// liveDump is dumpStore without the keys whose deadline is at or before
// now: what a dump taken then shows of the keys still alive now.
func liveDump(dump string, now int64) string {
	var out []string
	for _, line := range strings.Split(dump, "\n") {
		if line == "" {
			continue
		}
		i := strings.Index(line, " ttl=")
		j := strings.Index(line[i+5:], " ")
		ttl, err := strconv.ParseInt(line[i+5:i+5+j], 10, 64)
		if err != nil {
			panic(line)
		}
		if ttl != 0 && ttl <= now {
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

type checkpoint struct {
	seq  uint64
	dump string
}

// runMetaStep runs one random transaction of genMetaOp operations (or
// advances the clock) and returns its description.
func runMetaStep(t *testing.T, r *rand.Rand, d *DB, clk *testClock) string {
	if r.IntN(10) == 0 {
		clk.Advance(time.Duration(r.IntN(1500)) * time.Millisecond)
		return "advance"
	}
	ops := make([]metaOp, 1+r.IntN(4))
	var names []string
	for i := range ops {
		ops[i] = genMetaOp(r)
		names = append(names, ops[i].name)
	}
	abort := r.IntN(10) == 0
	err := d.Update(func(tx *Tx) error {
		for _, op := range ops {
			_ = tx.Try(func(tx *Tx) error { op.run(tx); return nil })
		}
		if abort {
			return errors.New("abort")
		}
		return nil
	})
	if err != nil && !abort {
		t.Fatalf("update: %v", err)
	}
	return fmt.Sprintf("[%s] abort=%v", strings.Join(names, ", "), abort)
}

// TestTimelineRollbackMetamorphic runs random operations of every kind
// (FLUSHDB, SWAPDB, RENAME, MOVE, expiry, containers...) and, along the
// way, rolls back to random earlier points: the data must then equal what
// it was at that point (but for keys whose deadline passed since), a
// rollback of the rollback must bring back what was there before it, and
// a branch made AT an old seq must hold that old state while its parent
// is untouched. Durable: after a restart the rolled-back data is there.
func TestTimelineRollbackMetamorphic(t *testing.T) {
	seeds := []uint64{1, 2, 3, uint64(time.Now().UnixNano())}
	if s, err := strconv.ParseUint(os.Getenv("POTATO_SEED"), 10, 64); err == nil {
		seeds = []uint64{s}
	}
	steps := 800
	if testing.Short() || raceBuild {
		steps = 300
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed^0x7e))
			clk := newTestClock()
			dir := t.TempDir()
			d := openDurable(t, Options{Dir: dir, Clock: clk, ExpiryInterval: -1})
			defer func() { d.Close() }()
			cps := []checkpoint{{seq: d.TimelineInfo().Last, dump: dumpStore(t, d)}}
			var log []string
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("seed %d: panic %v\nlog:\n%s", seed, e, tail(log))
				}
			}()
			branches := 0
			for step := 0; step < steps; step++ {
				log = append(log, fmt.Sprintf("%d: %s", step, runMetaStep(t, r, d, clk)))
				cps = append(cps, checkpoint{seq: d.TimelineInfo().Last, dump: dumpStore(t, d)})
				if step%25 != 24 {
					continue
				}
				now := clk.Now().UnixMilli()
				to := cps[r.IntN(len(cps))]
				if r.IntN(3) == 0 {
					// A branch as the data was then; the parent stays.
					branches++
					name := fmt.Sprint("past", branches)
					before := dumpStore(t, d)
					args := BranchArgs{At: to.seq}
					if to.seq == 0 {
						args.AtTime = time.UnixMilli(0) // At 0 is "now": the very start is a time
					}
					if err := d.CreateBranch(name, args); err != nil {
						t.Fatalf("seed %d step %d: BRANCH CREATE AT %d: %v", seed, step, to.seq, err)
					}
					b, err := d.Branch(name)
					if err != nil {
						t.Fatal(err)
					}
					if want, got := liveDump(to.dump, now), liveDump(dumpStore(t, b), now); want != got {
						t.Fatalf("seed %d step %d: branch at %d: %s\nlog:\n%s", seed, step, to.seq, diffDumps(want, got), tail(log))
					}
					if got := dumpStore(t, d); got != before {
						t.Fatalf("seed %d step %d: the parent changed: %s", seed, step, diffDumps(before, got))
					}
					if err := d.DeleteBranch(name); err != nil {
						t.Fatal(err)
					}
					continue
				}
				before := cps[len(cps)-1]
				res, err := d.RollbackTo(to.seq)
				if err != nil {
					if os.Getenv("POTATO_SEED") != "" {
						for te := range d.Timeline(TimelineArgs{Since: to.seq}) {
							var eds []string
							for _, ed := range te.Edits {
								eds = append(eds, fmt.Sprintf("%v/%d/%q/%q", ed.Kind, ed.Index, ed.Before, ed.After))
							}
							t.Logf("%d db%d %q %s %v", te.Seq, te.DB, te.Key, te.Op, eds)
						}
					}
					t.Fatalf("seed %d step %d: ROLLBACK TO %d: %v\nlog:\n%s", seed, step, to.seq, err, tail(log))
				}
				log = append(log, fmt.Sprintf("rollback to %d: %d undone, %d changes", to.seq, res.Undone, len(res.Changes)))
				if want, got := liveDump(to.dump, now), liveDump(dumpStore(t, d), now); want != got {
					t.Fatalf("seed %d step %d: after ROLLBACK TO %d: %s\nlog:\n%s", seed, step, to.seq, diffDumps(want, got), tail(log))
				}
				cps = append(cps, checkpoint{seq: d.TimelineInfo().Last, dump: dumpStore(t, d)})
				if r.IntN(2) == 0 {
					// Undo the rollback.
					if _, err := d.RollbackTo(before.seq); err != nil {
						t.Fatalf("seed %d step %d: rollback of the rollback: %v", seed, step, err)
					}
					if want, got := liveDump(before.dump, now), liveDump(dumpStore(t, d), now); want != got {
						t.Fatalf("seed %d step %d: after undoing the rollback: %s\nlog:\n%s", seed, step, diffDumps(want, got), tail(log))
					}
					cps = append(cps, checkpoint{seq: d.TimelineInfo().Last, dump: dumpStore(t, d)})
				}
				if r.IntN(4) == 0 {
					want := dumpStore(t, d)
					d.Close()
					d = openDurable(t, Options{Dir: dir, Clock: clk, ExpiryInterval: -1})
					if got := dumpStore(t, d); got != want {
						t.Fatalf("seed %d step %d: after a restart: %s", seed, step, diffDumps(want, got))
					}
					// History starts at open: the checkpoints before it
					// are out of reach.
					cps = []checkpoint{{seq: d.TimelineInfo().Last, dump: want}}
					if _, err := d.RollbackTo(d.TimelineInfo().Last - 1); !errors.Is(err, ErrTimelineTrimmed) && d.TimelineInfo().Last > 0 {
						t.Fatalf("rollback past the open: %v", err)
					}
				}
			}
		})
	}
}

// historyValue renders what a HistoryEntry says a key held, comparable
// with valueNow.
func historyValue(he HistoryEntry) string {
	if he.Type == "none" {
		return "none"
	}
	items := he.Items
	if he.Type == "hash" {
		var pairs []string
		for i := 0; i+1 < len(items); i += 2 {
			pairs = append(pairs, fmt.Sprintf("%q=%q", items[i], items[i+1]))
		}
		slices.Sort(pairs)
		return fmt.Sprintf("%s %d %s", he.Type, he.ExpireAt.UnixMilli(), strings.Join(pairs, " "))
	}
	return fmt.Sprintf("%s %d %q %q", he.Type, he.ExpireAt.UnixMilli(), he.Value, items)
}

func valueNow(t *testing.T, d *DB, key string) string {
	var s string
	err := d.View(func(tx *Tx) error {
		e := tx.ks.Get(tx.db, key)
		if e == nil {
			s = "none"
			return nil
		}
		he := historyOf(&TimelineEntry{}, e)
		s = historyValue(he)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTimelineHistoryModel checks HISTORY against the values a key was
// seen to hold after every step of random operations: at each step's
// seq, the newest history entry at or before it holds the value seen.
func TestTimelineHistoryModel(t *testing.T) {
	for _, seed := range []uint64{4, 5, uint64(time.Now().UnixNano())} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 9))
			clk := newTestClock()
			d, err := Open(Options{Clock: clk, ExpiryInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			type seen struct {
				seq uint64
				val string
			}
			keys := []string{"k0", "k1", "k2"}
			obs := map[string][]seen{}
			for step := 0; step < 400; step++ {
				runMetaStep(t, r, d, clk)
				seq := d.TimelineInfo().Last
				for _, k := range keys {
					obs[k] = append(obs[k], seen{seq, valueNow(t, d, k)})
				}
			}
			for _, k := range keys {
				hist, err := d.History(k, 0)
				if err != nil {
					t.Fatal(err)
				}
				for i := 1; i < len(hist); i++ {
					if hist[i].Seq >= hist[i-1].Seq {
						t.Fatalf("history of %s not newest first: %d then %d", k, hist[i-1].Seq, hist[i].Seq)
					}
				}
				for _, o := range obs[k] {
					// The newest history entry at or before o.seq.
					i := slices.IndexFunc(hist, func(he HistoryEntry) bool { return he.Seq <= o.seq })
					got := "none" // before the first change the key did not exist
					if i >= 0 {
						got = historyValue(hist[i])
					}
					if got != o.val {
						t.Fatalf("seed %d: %s at seq %d: history says %s, it was %s", seed, k, o.seq, got, o.val)
					}
				}
				if len(hist) > 2 {
					two, _ := d.History(k, 2)
					if len(two) != 2 || two[0].Seq != hist[0].Seq || two[1].Seq != hist[1].Seq {
						t.Fatalf("COUNT 2: %v", two)
					}
				}
			}
		})
	}
}

// TestTimelineChanges follows the change feed from a seq, resumes after a
// "disconnect", and gets the compaction-style error once fallen behind.
func TestTimelineChanges(t *testing.T) {
	d, err := Open(Options{Timeline: TimelineOptions{MaxEntries: 50}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := 0; i < 10; i++ {
		if err := d.Set(fmt.Sprint("k", i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.Changes(0, 4, 0)
	if err != nil || len(got) != 4 || got[0].Seq != 1 || got[3].Seq != 4 || got[0].Key != "k0" || got[0].Op != "set" {
		t.Fatalf("first page: %v %v", got, err)
	}
	if !bytes.Equal(got[2].Edits[0].After, []byte("2")) {
		t.Fatalf("after value: %q", got[2].Edits[0].After)
	}
	rest, err := d.Changes(got[3].Seq, 0, 0)
	if err != nil || len(rest) != 6 || rest[0].Seq != 5 {
		t.Fatalf("resume: %d %v", len(rest), err)
	}
	// Blocking: a change made while waiting is returned.
	done := make(chan []TimelineEntry)
	go func() {
		out, err := d.Changes(10, 0, 5*time.Second)
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	time.Sleep(50 * time.Millisecond)
	if err := d.Set("late", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if out := <-done; len(out) != 1 || out[0].Key != "late" || out[0].Seq != 11 {
		t.Fatalf("blocked read: %v", out)
	}
	// A timeout returns nothing.
	if out, err := d.Changes(11, 0, 20*time.Millisecond); err != nil || len(out) != 0 {
		t.Fatalf("timeout: %v %v", out, err)
	}
	for i := 0; i < 100; i++ {
		if err := d.Set("k", []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	_, err = d.Changes(5, 0, 0)
	if !errors.Is(err, ErrTimelineTrimmed) || !strings.Contains(err.Error(), "oldest retained seq 61") {
		t.Fatalf("fallen behind: %v", err)
	}
	if _, err := d.RollbackTo(30); !errors.Is(err, ErrTimelineTrimmed) {
		t.Fatalf("rollback past retention: %v", err)
	}
	if _, err := d.RollbackTo(1000); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("rollback to the future: %v", err)
	}
	if info := d.TimelineInfo(); !info.Enabled || info.First != 61 || info.Last != 111 || info.Entries != 50 {
		t.Fatalf("info: %+v", info)
	}
	d.SetTimelineOptions(TimelineOptions{Disabled: true})
	if _, err := d.History("k", 1); !errors.Is(err, ErrTimelineOff) {
		t.Fatalf("history with the timeline off: %v", err)
	}
	if _, err := d.RollbackTo(100); !errors.Is(err, ErrTimelineOff) {
		t.Fatalf("rollback with the timeline off: %v", err)
	}
}

// TestTimelineRollbackDryRunAndTime: DRY-RUN changes nothing and lists
// what a rollback would do; a rollback by time picks the last change at
// or before it; the rollback is on the timeline with its origin.
func TestTimelineRollbackDryRunAndTime(t *testing.T) {
	clk := newTestClock()
	d, err := Open(Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Set("a", []byte("1")))
	_, err = d.HSet("h", FieldValue{Field: "f", Value: []byte("x")})
	must(err)
	t1 := clk.Now()
	clk.Advance(time.Second)
	must(d.Set("a", []byte("2")))
	_, err = d.Del("h")
	must(err)
	must(d.Set("new", []byte("n")))
	res, err := d.RollbackToArgs(RollbackArgs{Time: t1, DryRun: true})
	must(err)
	want := []RollbackChange{{0, "a", "restore", "string"}, {0, "h", "restore", "hash"}, {0, "new", "del", "none"}}
	slices.SortFunc(res.Changes, func(a, b RollbackChange) int { return strings.Compare(a.Key, b.Key) })
	if res.To != 2 || res.Undone != 3 || !slices.Equal(res.Changes, want) {
		t.Fatalf("dry run: %+v", res)
	}
	if v, _ := d.Get("a"); string(v) != "2" {
		t.Fatalf("dry run wrote: a=%q", v)
	}
	res, err = d.RollbackToArgs(RollbackArgs{Time: t1})
	must(err)
	if v, _ := d.Get("a"); string(v) != "1" {
		t.Fatalf("a=%q", v)
	}
	if v, err := d.HGet("h", "f"); err != nil || string(v) != "x" {
		t.Fatalf("h.f=%q %v", v, err)
	}
	if n, _ := d.Exists("new"); n != 0 {
		t.Fatal("new still exists")
	}
	var ops []string
	for te, err := range d.Timeline(TimelineArgs{Since: 5}) {
		must(err)
		ops = append(ops, te.Key+":"+te.Op+":"+te.Origin.Cmd)
	}
	slices.Sort(ops)
	if !slices.Equal(ops, []string{"a:restore:rollback", "h:restore:rollback", "new:del:rollback"}) {
		t.Fatalf("timeline of the rollback: %v", ops)
	}
	// History of a across it all.
	hist, err := d.History("a", 0)
	must(err)
	var vals []string
	for _, he := range hist {
		vals = append(vals, he.Op+"="+string(he.Value))
	}
	if !slices.Equal(vals, []string{"restore=1", "set=2", "set=1"}) {
		t.Fatalf("history: %v", vals)
	}
}

// TestTimelineReplayFeed: a change feed with Since replays the retained
// changes and follows live ones, every seq once and in order even while
// writers commit concurrently; one fallen behind closes with
// ErrTimelineTrimmed.
func TestTimelineReplayFeed(t *testing.T) {
	d, err := Open(Options{Timeline: TimelineOptions{MaxEntries: 100000}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := 0; i < 10; i++ {
		d.Set(fmt.Sprint("k", i), []byte("v"))
	}
	ctx := t.Context()
	f := d.WatchChangesArgs(ctx, ChangeFeedArgs{Pattern: "*", Since: 3})
	defer f.Close()
	const writers, each = 4, 500
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < each; i++ {
				if err := d.Set(fmt.Sprint("w", w, "-", i), []byte("x")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	want := uint64(4)
	last := uint64(10 + writers*each)
	for want <= last {
		m, err := f.Receive(ctx)
		if err != nil {
			t.Fatalf("receive at %d: %v (feed err %v)", want, err, f.Err())
		}
		if m.Seq != want {
			t.Fatalf("got seq %d, want %d", m.Seq, want)
		}
		want++
	}
	for w := 0; w < writers; w++ {
		<-done
	}
	// A pattern filters; the seqs stay in order.
	g := d.WatchChangesArgs(ctx, ChangeFeedArgs{Pattern: "k*", Replay: true})
	defer g.Close()
	for i := 0; i < 10; i++ {
		m, err := g.Receive(ctx)
		if err != nil || m.Key != fmt.Sprint("k", i) || m.Seq != uint64(i+1) {
			t.Fatalf("filtered replay %d: %+v %v", i, m, err)
		}
	}
	// Fallen behind: the feed closes with the oldest retained seq.
	d.SetTimelineOptions(TimelineOptions{MaxEntries: 5})
	h := d.WatchChangesArgs(ctx, ChangeFeedArgs{Pattern: "*", Since: 2})
	if _, err := h.Receive(ctx); !errors.Is(err, ErrClosed) || !errors.Is(h.Err(), ErrTimelineTrimmed) {
		t.Fatalf("trimmed feed: %v, Err %v", err, h.Err())
	}
}

// TestTimelineMaxAge: entries older than MaxAge go, also with no writes
// (the background trim).
func TestTimelineMaxAge(t *testing.T) {
	clk := newTestClock()
	d, err := Open(Options{Clock: clk, ExpiryInterval: 5 * time.Millisecond, Timeline: TimelineOptions{MaxAge: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Set("a", []byte("1"))
	d.Set("b", []byte("2"))
	clk.Advance(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for d.TimelineInfo().Entries != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("entries past MaxAge kept: %+v", d.TimelineInfo())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if info := d.TimelineInfo(); info.First != 2 {
		t.Fatalf("first: %+v", info)
	}
}

// TestAccountingAfterRollbacks: random writes of every type, rollbacks
// among them, then every key deleted: the memory accounting (eviction's
// figure) is back to zero, so in-place edits, undo and the rollback's
// writes all keep it exact.
func TestAccountingAfterRollbacks(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	clk := newTestClock()
	d, err := Open(Options{Clock: clk, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var seqs []uint64
	for step := 0; step < 400; step++ {
		runMetaStep(t, r, d, clk)
		seqs = append(seqs, d.TimelineInfo().Last)
		if step%40 == 39 {
			if _, err := d.RollbackTo(seqs[r.IntN(len(seqs))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for db := 0; db < NumDBs; db++ {
		h := &DB{c: d.c, br: d.br, db: db}
		keys, err := h.Keys("*")
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 0 {
			if _, err := h.Del(keys...); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := d.MemoryStats().DatasetBytes; n != 0 {
		t.Fatalf("after deleting every key %d bytes are accounted", n)
	}
}

// TestTimelineInheritedFlushSurvivesParentDelete: a branch forked after
// its parent's FLUSHDB can roll back over it even once the parent is
// deleted and its layers folded: the inherited history pins the flushed
// contents.
func TestTimelineInheritedFlushSurvivesParentDelete(t *testing.T) {
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := 0; i < 10; i++ {
		d.Set(fmt.Sprint("m", i), []byte("main"))
	}
	if err := d.CreateBranch("b1", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	b1, _ := d.Branch("b1")
	for i := 0; i < 20; i++ {
		b1.Set(fmt.Sprint("k", i), []byte("v"))
	}
	b1.HSet("h", FieldValue{Field: "f", Value: []byte("x")})
	before := b1.TimelineInfo().Last
	if err := b1.FlushDB(); err != nil {
		t.Fatal(err)
	}
	b1.Set("after", []byte("1"))
	if err := d.CreateBranch("b2", BranchArgs{From: "b1"}); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteBranch("b1"); err != nil {
		t.Fatal(err)
	}
	// main changes the keys of the layer under the flushed contents, and
	// folds it with its own.
	for i := 0; i < 10; i++ {
		d.Del(fmt.Sprint("m", i))
	}
	d.c.foldLayers()
	b2, _ := d.Branch("b2")
	if _, err := b2.RollbackTo(before); err != nil {
		t.Fatal(err)
	}
	if n, _ := b2.DBSize(); n != 31 {
		t.Fatalf("after the rollback over the inherited FLUSHDB: %d keys, want 31", n)
	}
	if v, _ := b2.Get("m3"); string(v) != "main" {
		t.Fatalf("m3 = %q, want main", v)
	}
	if v, err := b2.HGet("h", "f"); err != nil || string(v) != "x" {
		t.Fatalf("h.f = %q %v", v, err)
	}
}
