package potato

import (
	"fmt"
	"testing"
)

// benchZSet returns a store holding a sorted set of n members.
func benchZSet(b *testing.B, n int) *DB {
	d, err := Open(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	zs := make([]Z, n)
	for i := range zs {
		zs[i] = Z{Score: float64(i * 7 % n), Member: fmt.Sprint("member:", i)}
	}
	if _, err := d.ZAdd("z", zs...); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkZAdd updates a member's score in sets of growing size: the
// cost grows as log² n (a search of the order, plus the map).
func BenchmarkZAdd(b *testing.B) {
	for _, n := range []int{100, 10_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d := benchZSet(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.ZAdd("z", Z{Score: float64(i % n), Member: fmt.Sprint("member:", i%n)})
			}
		})
	}
}

// BenchmarkZRank looks up ranks in sets of growing size.
func BenchmarkZRank(b *testing.B) {
	for _, n := range []int{100, 10_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d := benchZSet(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.ZRank("z", fmt.Sprint("member:", i%n))
			}
		})
	}
}

// BenchmarkZRangeByScore reads 10 members by score from a big set.
func BenchmarkZRangeByScore(b *testing.B) {
	d := benchZSet(b, 1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lo := fmt.Sprint(i % 999_000)
		d.ZRangeArgs(ZRangeArgs{Key: "z", Start: lo, Stop: "+inf", ByScore: true, Count: 10})
	}
}
