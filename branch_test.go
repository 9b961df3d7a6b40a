package potato

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"rustypotato/internal/store"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBranchMetamorphic runs one random op log on a plain in-memory store
// and, on a second store, on a chain of branches: every so often the
// working branch forks and work goes on on the fork, while the branch it
// left receives other random writes (which must never show), an old
// branch is deleted (its layers fold), or the store restarts (durable
// runs). Replies and final data must be identical.
func TestBranchMetamorphic(t *testing.T) {
	seeds := []uint64{11, 12, 13, 14, uint64(time.Now().UnixNano())}
	if s := os.Getenv("POTATO_SEED"); s != "" {
		n, _ := strconv.ParseUint(s, 10, 64)
		seeds = []uint64{n, n}
	}
	steps := 2500
	if testing.Short() || raceBuild {
		steps = 500
	}
	for i, seed := range seeds {
		durable := i%2 == 0
		t.Run(fmt.Sprintf("seed=%d/durable=%v", seed, durable), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed))
			noise := rand.New(rand.NewPCG(seed, 7))
			clk := newTestClock()
			mem, err := Open(Options{Clock: clk, ExpiryInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer mem.Close()
			dir := t.TempDir()
			open := func() *DB {
				if durable {
					return openDurable(t, Options{Dir: dir, Clock: clk, Fsync: FsyncNo})
				}
				d, err := Open(Options{Clock: clk, ExpiryInterval: -1})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				return d
			}
			sub := open()
			work := sub // the handle the program runs on
			var others []string
			forks := 0
			var log []string
			runOps := func(d *DB, ops []metaOp, abort bool) string {
				var out []string
				err := d.Update(func(tx *Tx) error {
					out = out[:0]
					for _, op := range ops {
						var res string
						if err := tx.Try(func(tx *Tx) error { res = op.run(tx); return nil }); err != nil {
							res = "try " + err.Error()
						}
						out = append(out, res)
					}
					if abort {
						return errors.New("abort")
					}
					return nil
				})
				if err != nil {
					out = append(out, "update "+err.Error())
				}
				return strings.Join(out, "; ")
			}
			check := func(when string) {
				t.Helper()
				if want, got := dumpStore(t, mem), dumpStore(t, work); want != got {
					t.Fatalf("seed %d: %s: %s\nlog:\n%s", seed, when, diffDumps(want, got), tail(log))
				}
			}
			for step := 0; step < steps; step++ {
				switch x := r.IntN(40); {
				case x == 0:
					// Fork and move on to the fork.
					forks++
					name := fmt.Sprintf("w%d", forks)
					if err := work.CreateBranch(name, BranchArgs{}); err != nil {
						t.Fatal(err)
					}
					others = append(others, work.BranchName())
					if work, err = work.Branch(name); err != nil {
						t.Fatal(err)
					}
					log = append(log, "fork "+name)
					continue
				case x == 1 && len(others) > 0:
					// Delete a branch left behind (never main).
					j := r.IntN(len(others))
					if name := others[j]; name != MainBranch {
						if err := sub.DeleteBranch(name); err != nil {
							t.Fatal(err)
						}
						others = append(others[:j], others[j+1:]...)
						log = append(log, "delete "+name)
					}
					continue
				case x == 2 && durable && step > 0 && r.IntN(5) == 0:
					name := work.BranchName()
					if os.Getenv("POTATO_SEED") != "" {
						t.Logf("restart after:\n%s", tail(log))
					}
					sub.Close()
					sub = open()
					if work, err = sub.Branch(name); err != nil {
						t.Fatal(err)
					}
					log = append(log, "restart")
					check(fmt.Sprintf("after restart at step %d", step))
					continue
				case x < 8 && len(others) > 0:
					// Noise on a branch left behind: must not show.
					o, err := sub.Branch(others[noise.IntN(len(others))])
					if err != nil {
						t.Fatal(err)
					}
					ops := []metaOp{genMetaOp(noise), genMetaOp(noise)}
					runOps(o, ops, false)
					continue
				case x < 11:
					d := time.Duration(r.IntN(1500)) * time.Millisecond
					clk.Advance(d)
					log = append(log, fmt.Sprintf("advance %v", d))
					continue
				}
				ops := make([]metaOp, 1+r.IntN(4))
				for i := range ops {
					ops[i] = genMetaOp(r)
				}
				abort := r.IntN(10) == 0
				var names []string
				for _, op := range ops {
					names = append(names, op.name)
				}
				log = append(log, fmt.Sprintf("%d: [%s] abort=%v", step, strings.Join(names, ", "), abort))
				if a, b := runOps(mem, ops, abort), runOps(work, ops, abort); a != b {
					t.Fatalf("seed %d step %d on %s: replies differ:\n  mem    %s\n  branch %s\nlog:\n%s", seed, step, work.BranchName(), a, b, tail(log))
				}
				if os.Getenv("POTATO_SEED") != "" && durable {
					// A chosen seed also checks every space on disk after
					// each step, to catch a bad record where it is written.
					if p, ok := sub.c.durable.(*persister); ok {
						lay, _ := p.st.Reader().Layout()
						for id := range lay.Spaces {
							if err := p.st.Reader().ScanSpace(id, func(*store.Record) error { return nil }); err != nil {
								t.Fatalf("step %d: space %d: %v\n%s", step, id, err, tail(log))
							}
						}
					}
				}
			}
			check("at the end")
			if durable {
				name := work.BranchName()
				sub.Close()
				sub = open()
				if work, err = sub.Branch(name); err != nil {
					t.Fatal(err)
				}
				check("after the last restart")
			}
			t.Logf("%d forks, %d branches at the end", forks, len(sub.Branches()))
		})
	}
}

// branchPair opens an in-memory store with a fork "dev" of main.
func branchPair(t *testing.T, prefill func(d *DB)) (main, dev *DB) {
	t.Helper()
	d, err := Open(Options{ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if prefill != nil {
		prefill(d)
	}
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	dev, err = d.Branch("dev")
	if err != nil {
		t.Fatal(err)
	}
	return d, dev
}

func TestBranchIsolation(t *testing.T) {
	main, dev := branchPair(t, func(d *DB) {
		mustSet(t, d, "a", "1")
		d.HSet("h", FieldValue{"f", bs("1")}, FieldValue{"g", bs("2")})
		d.RPush("l", bs("x"), bs("y"))
	})
	mustSet(t, dev, "a", "dev")
	dev.HSet("h", FieldValue{"f", bs("dev")})
	dev.LPush("l", bs("w"))
	dev.Del("nothing")
	mustSet(t, main, "b", "main only")
	if getStr(t, main, "a") != "1" || getStr(t, dev, "a") != "dev" {
		t.Fatal("a leaked across branches")
	}
	if v, _ := main.HGet("h", "f"); string(v) != "1" {
		t.Fatalf("main's hash changed: %q", v)
	}
	if n, _ := main.LLen("l"); n != 2 {
		t.Fatalf("main's list has %d elements", n)
	}
	if n, _ := dev.Exists("b"); n != 0 {
		t.Fatal("a key written on main after the fork shows on dev")
	}
	if n, _ := dev.DBSize(); n != 3 {
		t.Fatalf("dev DBSIZE = %d", n)
	}
	if n, _ := main.DBSize(); n != 4 {
		t.Fatalf("main DBSIZE = %d", n)
	}
	dev.Del("a")
	if n, _ := dev.Exists("a"); n != 0 || getStr(t, main, "a") != "1" {
		t.Fatal("a delete on dev did not hide main's key there, or touched main")
	}
	if err := main.CreateBranch("dev", BranchArgs{}); !errors.Is(err, ErrBranchExists) {
		t.Fatalf("CreateBranch of an existing name: %v", err)
	}
	for _, bad := range []string{"", "a b", strings.Repeat("x", 65), "ü", hiddenPrefix + "1"} {
		if err := main.CreateBranch(bad, BranchArgs{}); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("CreateBranch(%q): %v", bad, err)
		}
	}
	if err := main.DeleteBranch(MainBranch); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("DeleteBranch(main): %v", err)
	}
	if err := main.DeleteBranch("dev"); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Get("a"); !errors.Is(err, ErrNoBranch) {
		t.Fatalf("Get on a deleted branch: %v", err)
	}
	if err := dev.Set("x", bs("y")); !errors.Is(err, ErrNoBranch) {
		t.Fatalf("Set on a deleted branch: %v", err)
	}
	if got := len(main.Branches()); got != 1 {
		t.Fatalf("%d branches after delete", got)
	}
}

func diffOf(t *testing.T, d *DB, a, b string) string {
	t.Helper()
	var out []string
	for e, err := range d.Diff(a, b, DiffArgs{AllDBs: true}) {
		if err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("%d:%s %s %s", e.DB, e.Key, e.Kind, e.Type)
		if len(e.Fields) > 0 {
			s += " " + strings.Join(e.Fields, ",")
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func TestBranchDiff(t *testing.T) {
	main, dev := branchPair(t, func(d *DB) {
		for i := 0; i < 1000; i++ {
			mustSet(t, d, fmt.Sprint("k", i), "v")
		}
		d.HSet("h", FieldValue{"f", bs("1")}, FieldValue{"g", bs("2")})
	})
	mustSet(t, dev, "k1", "changed")
	dev.Del("k2")
	mustSet(t, dev, "new", "x")
	dev.HSet("h", FieldValue{"g", bs("3")}, FieldValue{"z", bs("4")})
	mustSet(t, dev, "k3", "v") // same value as main: no difference
	mustSet(t, main, "k4", "main")
	got := diffOf(t, main, "main", "dev")
	want := "0:h changed hash g,z; 0:k1 changed string; 0:k2 removed string; 0:k4 changed string; 0:new added string"
	if got != want {
		t.Fatalf("diff:\n %s\nwant\n %s", got, want)
	}
	var matched int
	for range main.Diff("main", "dev", DiffArgs{Match: "k*", Count: 2}) {
		matched++
	}
	if matched != 2 {
		t.Fatalf("MATCH k* COUNT 2 gave %d", matched)
	}
	for _, err := range main.Diff("main", "nope", DiffArgs{}) {
		if !errors.Is(err, ErrNoBranch) {
			t.Fatalf("Diff with an unknown branch: %v", err)
		}
	}
}

// TestBranchMerge is the merge table: one-sided changes, the same change
// on both sides, field-level hash merges, delete against change, and each
// ON-CONFLICT policy.
func TestBranchMerge(t *testing.T) {
	prefill := func(d *DB) {
		mustSet(t, d, "s1", "base")
		mustSet(t, d, "s2", "base")
		mustSet(t, d, "s3", "base")
		mustSet(t, d, "s4", "base")
		d.HSet("h", FieldValue{"a", bs("1")}, FieldValue{"b", bs("1")}, FieldValue{"c", bs("1")})
		d.HSet("hc", FieldValue{"a", bs("1")})
	}
	type want struct {
		merged    int
		conflicts string
		main      map[string]string // key -> GET (or "hash:..." for HGETALL sorted)
	}
	for _, tc := range []struct {
		policy OnConflict
		want   want
	}{
		{ConflictFail, want{0, "hc a; s3", map[string]string{"s1": "base", "s2": "main", "s3": "main", "h": "a=1 b=main c=1"}}},
		{ConflictOurs, want{3, "hc a; s3", map[string]string{"s1": "dev", "s2": "main", "s3": "main", "s4": "", "h": "a=dev b=main", "hc": "a=main"}}},
		{ConflictTheirs, want{5, "hc a; s3", map[string]string{"s1": "dev", "s2": "main", "s3": "dev", "s4": "", "h": "a=dev b=main", "hc": "a=dev"}}},
	} {
		t.Run(fmt.Sprint(tc.policy), func(t *testing.T) {
			main, dev := branchPair(t, prefill)
			mustSet(t, dev, "s1", "dev")   // one side: taken
			mustSet(t, main, "s2", "main") // other side: kept
			mustSet(t, main, "s3", "main") // both, differently: conflict
			mustSet(t, dev, "s3", "dev")
			dev.Del("s4")                                // deleted on one side: deleted
			mustSet(t, main, "same", "x")                // both alike
			mustSet(t, dev, "same", "x")                 //
			dev.HSet("h", FieldValue{"a", bs("dev")})    // field merge
			main.HSet("h", FieldValue{"b", bs("main")})  //
			dev.HDel("h", "c")                           //
			main.HSet("hc", FieldValue{"a", bs("main")}) // field conflict
			dev.HSet("hc", FieldValue{"a", bs("dev")})   //
			res, err := main.Merge("dev", MainBranch, MergeArgs{OnConflict: tc.policy})
			if err != nil {
				t.Fatal(err)
			}
			var cs []string
			for _, c := range res.Conflicts {
				s := c.Key
				if len(c.Fields) > 0 {
					s += " " + strings.Join(c.Fields, ",")
				}
				cs = append(cs, s)
			}
			if got := strings.Join(cs, "; "); got != tc.want.conflicts || res.Merged != tc.want.merged {
				t.Fatalf("merge: merged %d conflicts %q; want %d %q", res.Merged, got, tc.want.merged, tc.want.conflicts)
			}
			for k, w := range tc.want.main {
				var got string
				if k[0] == 'h' {
					fvs, _ := main.HGetAll(k)
					var ps []string
					for _, fv := range fvs {
						ps = append(ps, fv.Field+"="+string(fv.Value))
					}
					slices.Sort(ps)
					got = strings.Join(ps, " ")
				} else {
					v, _ := main.Get(k)
					got = string(v)
				}
				if got != w {
					t.Errorf("%s on main after merge = %q, want %q", k, got, w)
				}
			}
			// The source is untouched.
			if v, _ := dev.Get("s3"); string(v) != "dev" {
				t.Fatalf("merge changed the source: s3=%q", v)
			}
		})
	}
}

// dumpLines splits a dumpStore dump by key ("db key" -> line).
func dumpLines(dump string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(dump, "\n") {
		if l == "" {
			continue
		}
		f := strings.SplitN(l, " ttl=", 2)
		out[f[0]] = l
	}
	return out
}

// TestBranchDiffMatchesDump: after random writes on both sides of a fork
// (durable, with a restart in between), DIFF names exactly the keys whose
// dumps differ, and a MERGE with theirs followed by one with ours leaves
// the target equal to what the three-way rules give key by key.
func TestBranchDiffMatchesDump(t *testing.T) {
	for _, seed := range []uint64{21, 22, 23} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 1))
			clk := newTestClock()
			dir := t.TempDir()
			d := openDurable(t, Options{Dir: dir, Clock: clk, Fsync: FsyncNo})
			run := func(d *DB, n int) {
				for i := 0; i < n; i++ {
					op := genMetaOp(r)
					d.Update(func(tx *Tx) error { op.run(tx); return nil })
				}
			}
			run(d, 300)
			if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
				t.Fatal(err)
			}
			dev, _ := d.Branch("dev")
			run(d, 150)
			run(dev, 150)
			d.Close()
			d = openDurable(t, Options{Dir: dir, Clock: clk, Fsync: FsyncNo})
			dev, _ = d.Branch("dev")
			a, b := dumpLines(dumpStore(t, d)), dumpLines(dumpStore(t, dev))
			want := map[string]bool{}
			for k, l := range a {
				if b[k] != l {
					want[k] = true
				}
			}
			for k := range b {
				if _, ok := a[k]; !ok {
					want[k] = true
				}
			}
			got := map[string]bool{}
			for e, err := range d.Diff(MainBranch, "dev", DiffArgs{AllDBs: true}) {
				if err != nil {
					t.Fatal(err)
				}
				got[fmt.Sprintf("%d %q", e.DB, e.Key)] = true
			}
			if len(got) != len(want) {
				t.Fatalf("DIFF names %d keys, the dumps differ in %d", len(got), len(want))
			}
			for k := range want {
				if !got[k] {
					t.Fatalf("DIFF misses %s", k)
				}
			}
			// Merge dev into main with theirs: every key dev changed now
			// has dev's value on main (conflicts taken from dev).
			if _, err := d.Merge("dev", MainBranch, MergeArgs{OnConflict: ConflictTheirs}); err != nil {
				t.Fatal(err)
			}
			// After the merge, a diff shows only keys main changed alone.
			for e, err := range d.Diff(MainBranch, "dev", DiffArgs{AllDBs: true}) {
				if err != nil {
					t.Fatal(err)
				}
				k := fmt.Sprintf("%d %q", e.DB, e.Key)
				if !want[k] {
					t.Fatalf("after merge, %s differs but did not before", k)
				}
			}
			before := dumpStore(t, d)
			d.Close()
			d = openDurable(t, Options{Dir: dir, Clock: clk, Fsync: FsyncNo})
			if got := dumpStore(t, d); got != before {
				t.Fatalf("merge not durable: %s", diffDumps(before, got))
			}
		})
	}
}
