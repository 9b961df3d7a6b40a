package potato

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/puzpuzpuz/xsync/v4"
)

// benchKeys are the keys benchmarks spread over, so that parallel runs
// measure the store rather than one stripe's lock.
var benchKeys = func() []string {
	ks := make([]string, 1024)
	for i := range ks {
		ks[i] = fmt.Sprintf("bench:key:%04d", i)
	}
	return ks
}()

var benchValue = []byte("a value of some thirty-two bytes")

func openBenchDB(b *testing.B) *DB {
	b.Helper()
	d, err := Open(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	for _, k := range benchKeys {
		if err := d.Set(k, benchValue); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

// seqStart gives each RunParallel goroutine its own starting offset.
var seqStart atomic.Uint64

func BenchmarkGet(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := d.Get(benchKeys[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetParallel(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seqStart.Add(389))
		for pb.Next() {
			if _, err := d.Get(benchKeys[i&1023]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkGetMissing(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	for b.Loop() {
		d.Get("no such key")
	}
}

func BenchmarkSet(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.Set(benchKeys[i&1023], benchValue); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkSetParallel(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seqStart.Add(389))
		for pb.Next() {
			if err := d.Set(benchKeys[i&1023], benchValue); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkIncr(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Incr("bench:counter"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIncrParallel increments counters spread over stripes.
func BenchmarkIncrParallel(b *testing.B) {
	d := openBenchDB(b)
	counters := make([]string, 64)
	for i := range counters {
		counters[i] = fmt.Sprint("bench:counter:", i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seqStart.Add(17))
		for pb.Next() {
			if _, err := d.Incr(counters[i&63]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkIncrParallelOneKey is the worst case: every goroutine on one key.
func BenchmarkIncrParallelOneKey(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := d.Incr("bench:counter"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUpdateTwoKeys is a small multi-key transaction.
func BenchmarkUpdateTwoKeys(b *testing.B) {
	d := openBenchDB(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k1, k2 := benchKeys[i&1023], benchKeys[(i+512)&1023]
		err := d.Update(func(tx *Tx) error {
			v, err := tx.Get(k1)
			if err != nil {
				return err
			}
			return tx.Set(k2, v)
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// The floor: the raw concurrent map the keyspace is built on, with the
// same keys and the same kind of value.

type benchEntry struct{ v []byte }

func benchMap() *xsync.Map[string, *benchEntry] {
	m := xsync.NewMap[string, *benchEntry]()
	for _, k := range benchKeys {
		m.Store(k, &benchEntry{v: benchValue})
	}
	return m
}

func BenchmarkXsyncLoad(b *testing.B) {
	m := benchMap()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := m.Load(benchKeys[i&1023]); !ok {
			b.Fatal("missing")
		}
		i++
	}
}

func BenchmarkXsyncLoadParallel(b *testing.B) {
	m := benchMap()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seqStart.Add(389))
		for pb.Next() {
			if _, ok := m.Load(benchKeys[i&1023]); !ok {
				b.Fatal("missing")
			}
			i++
		}
	})
}

func BenchmarkXsyncStore(b *testing.B) {
	m := benchMap()
	e := &benchEntry{v: benchValue}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Store(benchKeys[i&1023], e)
		i++
	}
}

func BenchmarkXsyncStoreParallel(b *testing.B) {
	m := benchMap()
	e := &benchEntry{v: benchValue}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seqStart.Add(389))
		for pb.Next() {
			m.Store(benchKeys[i&1023], e)
			i++
		}
	})
}

// BenchmarkHSet sets one field of a 10-field (flat) hash and one of a
// 10k-field one; BenchmarkHGet reads them.
func BenchmarkHSet(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d := openBenchDB(b)
			for i := 0; i < n; i++ {
				d.HSet("h", FieldValue{Field: fmt.Sprint("f", i), Value: []byte("v")})
			}
			v := []byte("value")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.HSet("h", FieldValue{Field: "f5", Value: v})
			}
		})
	}
}

func BenchmarkHGet(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d := openBenchDB(b)
			for i := 0; i < n; i++ {
				d.HSet("h", FieldValue{Field: fmt.Sprint("f", i), Value: []byte("v")})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.HGet("h", "f5")
			}
		})
	}
}

// BenchmarkListPushPopLong pushes and pops at both ends of a 100k list.
func BenchmarkListPushPopLong(b *testing.B) {
	d := openBenchDB(b)
	for i := 0; i < 100000; i++ {
		d.RPush("l", []byte("x"))
	}
	v := []byte("v")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.LPush("l", v)
		d.RPop("l")
	}
}
