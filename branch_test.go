package potato

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"rustypotato/internal/store"
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
				if a, b := runOps(mem, ops, abort), runOps(work, ops, abort); os.Getenv("POTATO_SEED") != "" && durable {
					if p, ok := sub.c.durable.(*persister); ok {
						lay, _ := p.st.Reader().Layout()
						for id := range lay.Spaces {
							if err := p.st.Reader().ScanSpace(id, func(*store.Record) error { return nil }); err != nil {
								t.Fatalf("step %d: space %d: %v\n%s", step, id, err, tail(log))
							}
						}
					}
					_ = a
					_ = b
				} else if a != b {
					t.Fatalf("seed %d step %d on %s: replies differ:\n  mem    %s\n  branch %s\nlog:\n%s", seed, step, work.BranchName(), a, b, tail(log))
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
