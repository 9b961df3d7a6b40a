package potato

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// The benchmarks of issue 11 (branches), results in BENCHMARKS.md
// ("Branches"):
//
//	go test -run XXX -bench 'BenchmarkBranch' -benchtime 200x -count 3 .

// branchBenchStore opens a store (durable on a temporary directory when
// durable is set) holding n string keys key:0000000... on main, written
// in transactions of 1000 keys.
func branchBenchStore(b *testing.B, n int, durable bool) *DB {
	b.Helper()
	o := Options{Logger: quietLogger(), ExpiryInterval: -1}
	if durable {
		o.Dir = b.TempDir()
	}
	d, err := Open(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	for i := 0; i < n; i += 1000 {
		err := d.Update(func(tx *Tx) error {
			for j := i; j < i+1000 && j < n; j++ {
				if err := tx.Set(fmt.Sprintf("key:%07d", j), benchValue); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return d
}

// heapAfterGC returns the live heap once the garbage is collected.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkBranchCreate measures DB.CreateBranch of main holding 10k,
// 100k and 1M keys, in memory and durable: ns/op is one create (the
// branch is deleted outside the timer after each), B/create the live
// heap a branch keeps (the heap after GC with 50 more branches, minus
// before, over 50). The claim: < 1 ms and < 1 MB, flat in the dataset.
func BenchmarkBranchCreate(b *testing.B) {
	for _, mode := range []string{"mem", "durable"} {
		for _, n := range []int{10_000, 100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/keys=%d", mode, n), func(b *testing.B) {
				d := branchBenchStore(b, n, mode == "durable")
				i := 0
				for b.Loop() {
					name := fmt.Sprintf("bench-%d", i)
					i++
					if err := d.CreateBranch(name, BranchArgs{}); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if err := d.DeleteBranch(name); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				b.StopTimer()
				const k = 50
				before := heapAfterGC()
				for j := 0; j < k; j++ {
					if err := d.CreateBranch(fmt.Sprintf("mem-%d", j), BranchArgs{}); err != nil {
						b.Fatal(err)
					}
				}
				after := heapAfterGC()
				b.ReportMetric(float64(int64(after)-int64(before))/k, "B/create")
				if got, _ := d.DBSize(); got != int64(n) {
					b.Fatal("main lost keys")
				}
			})
		}
	}
}

// forkChain makes branches b1..b(depth) on d, each forked from the one
// before (b1 from main) after writing one key of its own, so that every
// fork adds a layer: a read on b(depth) of a key written on main walks
// depth+1 layers. It returns a handle on the deepest branch.
func forkChain(b *testing.B, d *DB, depth int) *DB {
	b.Helper()
	h := d
	for i := 1; i <= depth; i++ {
		name := fmt.Sprintf("b%d", i)
		if err := h.CreateBranch(name, BranchArgs{}); err != nil {
			b.Fatal(err)
		}
		nh, err := h.Branch(name)
		if err != nil {
			b.Fatal(err)
		}
		h = nh
		if err := h.Set(fmt.Sprintf("own:%d", i), benchValue); err != nil {
			b.Fatal(err)
		}
	}
	if got := h.br.ks.Depth(0); got != depth+1 {
		b.Fatalf("chain of b%d has %d layers, want %d", depth, got, depth+1)
	}
	return h
}

// BenchmarkBranchGet compares GET of the 1024 bench keys (written on
// main) on main and on a branch 4 forks deep, in the same store: the
// target is <= 1.5x main.
func BenchmarkBranchGet(b *testing.B) {
	d := openBenchDB(b)
	deep := forkChain(b, d, 4)
	for _, c := range []struct {
		name string
		h    *DB
	}{{"main", d}, {"depth4", deep}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := c.h.Get(benchKeys[i&1023]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkBranchSet compares SET of the 1024 bench keys on main, on a
// fresh branch and on a branch 4 forks deep, in the same store: the
// target is <= 1.2x main.
func BenchmarkBranchSet(b *testing.B) {
	d := openBenchDB(b)
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		b.Fatal(err)
	}
	dev, err := d.Branch("dev")
	if err != nil {
		b.Fatal(err)
	}
	deep := forkChain(b, d, 4)
	for _, c := range []struct {
		name string
		h    *DB
	}{{"main", d}, {"branch", dev}, {"depth4", deep}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := c.h.Set(benchKeys[i&1023], benchValue); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// changeKeys sets 100 of main's keys (spread over the 1M) on h.
func changeKeys(b *testing.B, h *DB, round int) {
	b.Helper()
	err := h.Update(func(tx *Tx) error {
		for j := 0; j < 100; j++ {
			if err := tx.Set(fmt.Sprintf("key:%07d", j*9973), fmt.Appendf(nil, "changed %d", round)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBranchDiff measures DIFF main dev where dev changed 100 keys
// of main's 1M: the target is < 5 ms.
func BenchmarkBranchDiff(b *testing.B) {
	d := branchBenchStore(b, 1_000_000, false)
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		b.Fatal(err)
	}
	dev, err := d.Branch("dev")
	if err != nil {
		b.Fatal(err)
	}
	changeKeys(b, dev, 0)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range d.Diff(MainBranch, "dev", DiffArgs{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100 {
			b.Fatalf("diff has %d keys, want 100", n)
		}
	}
}

// BenchmarkBranchMerge measures MERGE of a fresh branch that changed 100
// keys into main holding 1M keys (in memory and durable): each iteration
// forks, writes and, after the merge, deletes the branch outside the
// timer. The target is < 5 ms.
func BenchmarkBranchMerge(b *testing.B) {
	for _, mode := range []string{"mem", "durable"} {
		b.Run(mode, func(b *testing.B) {
			d := branchBenchStore(b, 1_000_000, mode == "durable")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				b.StopTimer()
				name := fmt.Sprintf("dev-%d", i)
				i++
				if err := d.CreateBranch(name, BranchArgs{}); err != nil {
					b.Fatal(err)
				}
				dev, err := d.Branch(name)
				if err != nil {
					b.Fatal(err)
				}
				changeKeys(b, dev, i)
				b.StartTimer()
				res, err := d.Merge(name, MainBranch, MergeArgs{})
				if err != nil || res.Merged != 100 || len(res.Conflicts) != 0 {
					b.Fatalf("merge: %+v, %v", res, err)
				}
				b.StopTimer()
				if err := d.DeleteBranch(name); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkBranchCopyUp measures the first write on a fresh branch to a
// container of 1M elements on main: HSET of one field of a 1M-field hash,
// LPUSH of one element on a 1M-element list. ns/op and B/op are that one
// write (the fork and the deletion of the branch are outside the timer);
// container-B is MEMORY USAGE of the container, which a copy would cost.
func BenchmarkBranchCopyUp(b *testing.B) {
	d, err := Open(Options{Logger: quietLogger(), ExpiryInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	const n = 1_000_000
	for i := 0; i < n; i += 1000 {
		fv := make([]FieldValue, 0, 1000)
		vs := make([][]byte, 0, 1000)
		for j := i; j < i+1000; j++ {
			fv = append(fv, FieldValue{fmt.Sprintf("field:%07d", j), benchValue})
			vs = append(vs, benchValue)
		}
		if _, err := d.HSet("h", fv...); err != nil {
			b.Fatal(err)
		}
		if _, err := d.RPush("l", vs...); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, key string
		write     func(h *DB) error
	}{
		{"HSet", "h", func(h *DB) error {
			_, err := h.HSet("h", FieldValue{"field:0000007", []byte("new")})
			return err
		}},
		{"LPush", "l", func(h *DB) error {
			_, err := h.LPush("l", []byte("new"))
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			size, err := d.MemoryUsage(c.key, 0)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				b.StopTimer()
				name := fmt.Sprintf("cu-%d", i)
				i++
				if err := d.CreateBranch(name, BranchArgs{}); err != nil {
					b.Fatal(err)
				}
				h, err := d.Branch(name)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := c.write(h); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := d.DeleteBranch(name); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(size), "container-B")
		})
	}
}

// BenchmarkBranchCreateUnderWrites measures DB.CreateBranch of main (10k
// keys, in memory) while two goroutines SET main's keys as fast as they
// can: the fork takes every stripe of main, one at a time, against them.
func BenchmarkBranchCreateUnderWrites(b *testing.B) {
	d := branchBenchStore(b, 10_000, false)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Go(func() {
			for i := w; ; i += 2 {
				select {
				case <-stop:
					return
				default:
				}
				if err := d.Set(fmt.Sprintf("key:%07d", i%10_000), benchValue); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("bench-%d", i)
		i++
		if err := d.CreateBranch(name, BranchArgs{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := d.DeleteBranch(name); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
}
