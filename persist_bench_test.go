package potato

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkDurableSet measures SET through the library on a durable store
// with 50 concurrent writers per policy, and reports the WAL fsyncs per
// write: under FsyncAlways it shows the group commit (far fewer fsyncs
// than writes).
//
//	go test -run XXX -bench DurableSet -benchtime 20000x
func BenchmarkDurableSet(b *testing.B) {
	for _, fs := range []Fsync{FsyncAlways, FsyncEverySec, FsyncNo} {
		b.Run(fs.String(), func(b *testing.B) {
			d, err := Open(Options{Dir: b.TempDir(), Fsync: fs, Logger: quietLogger()})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			val := []byte("0123456789abcdef0123456789abcdef")
			var n atomic.Int64
			syncs := d.Persistence().WALSyncs
			b.SetParallelism(25) // 2 cores x 25 = 50 writers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					if err := d.Set(fmt.Sprintf("key:%012d", i%1000000), val); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(d.Persistence().WALSyncs-syncs)/float64(b.N), "fsyncs/op")
		})
	}
}
