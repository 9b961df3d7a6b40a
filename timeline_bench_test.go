package potato

import (
	"testing"
)

// BenchmarkTimelineSet is SET with the timeline on (the default) and
// off: the cost of keeping every change (issue 18: >= 0.9x of off).
func BenchmarkTimelineSet(b *testing.B) {
	for _, mode := range []struct {
		name string
		opt  TimelineOptions
	}{{"off", TimelineOptions{Disabled: true}}, {"on", TimelineOptions{}}} {
		b.Run(mode.name, func(b *testing.B) {
			d, err := Open(Options{Timeline: mode.opt})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { d.Close() })
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := d.Set(benchKeys[i&1023], benchValue); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(mode.name+"/parallel", func(b *testing.B) {
			d, err := Open(Options{Timeline: mode.opt})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { d.Close() })
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
		})
	}
}

// BenchmarkTimelineHSet is HSET on a 100-field hash, on and off.
func BenchmarkTimelineHSet(b *testing.B) {
	for _, mode := range []struct {
		name string
		opt  TimelineOptions
	}{{"off", TimelineOptions{Disabled: true}}, {"on", TimelineOptions{}}} {
		b.Run(mode.name, func(b *testing.B) {
			d, err := Open(Options{Timeline: mode.opt})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { d.Close() })
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := d.HSet("h", FieldValue{Field: benchKeys[i%100], Value: benchValue}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
