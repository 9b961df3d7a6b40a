package potato

import (
	"fmt"
	"testing"
)

// Benchmarks of SET under hooks: none, 1,000 hooks none of which matches
// the keys written, one matching int validator, one matching Go hook.
// Report the ratios to BenchmarkHookSet/none (BENCHMARKS.md, "Hooks").

var benchIntValue = []byte("12345")

func BenchmarkHookSet(b *testing.B) {
	setups := []struct {
		name  string
		hooks func(d *DB)
	}{
		{"none", func(*DB) {}},
		{"1000-nonmatching", func(d *DB) {
			for i := range 1000 {
				// Literal prefixes, wild-card suffixes: what real
				// deployments install (age:*, email:*, ...).
				h := Hook{Name: fmt.Sprintf("h%04d", i), Pattern: fmt.Sprintf("other%d:*", i), Builtin: "int"}
				if i%10 == 0 {
					h.Pattern = fmt.Sprintf("exact:%d", i)
				}
				if err := d.AddHook(h); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"int-validator", func(d *DB) {
			if err := d.AddHook(Hook{Name: "int", Pattern: "bench:*", Builtin: "int", Args: []string{"0", "100000"}}); err != nil {
				b.Fatal(err)
			}
		}},
		{"go-hook", func(d *DB) {
			if err := d.AddHook(Hook{Name: "go", Pattern: "bench:*", Func: func(hc *HookContext) error {
				if len(hc.Value) == 0 {
					return fmt.Errorf("empty")
				}
				return nil
			}}); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			d := openBenchDB(b)
			s.hooks(d)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := d.Set(benchKeys[i&1023], benchIntValue); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
