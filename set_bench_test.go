package potato

import (
	"fmt"
	"strconv"
	"testing"
)

// BenchmarkSAdd adds new members to a set of integers (an intset, past
// its limit a hashtable) and of strings, and BenchmarkSIsMember reads
// them; compare with BenchmarkHSet.
func BenchmarkSAdd(b *testing.B) {
	for _, kind := range []string{"int", "str"} {
		b.Run(kind, func(b *testing.B) {
			d := openBenchDB(b)
			ms := make([]string, 1<<16)
			for i := range ms {
				if kind == "int" {
					ms[i] = strconv.Itoa(i)
				} else {
					ms[i] = fmt.Sprint("element:", i)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i&(len(ms)-1) == 0 {
					d.Del("s")
				}
				d.SAdd("s", ms[i&(len(ms)-1)])
			}
		})
	}
}

func BenchmarkSIsMember(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d := openBenchDB(b)
			for i := range n {
				d.SAdd("s", fmt.Sprint("m", i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.SIsMember("s", "m5")
			}
		})
	}
}
