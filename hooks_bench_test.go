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

// BenchmarkHookCheck measures what hooks add to one write: checkHook
// alone, inside one transaction, for the same configurations. It is
// steadier than BenchmarkHookSet on a loaded machine (no allocation, no
// lock) and is compared with BenchmarkSet's time per write.
func BenchmarkHookCheck(b *testing.B) {
	cases := []struct {
		name  string
		hooks []Hook
	}{
		{"none", nil},
		{"1000-nonmatching", func() []Hook {
			var hs []Hook
			for i := range 1000 {
				h := Hook{Name: fmt.Sprintf("h%04d", i), Pattern: fmt.Sprintf("other%d:*", i), Builtin: "int"}
				if i%10 == 0 {
					h.Pattern = fmt.Sprintf("exact:%d", i)
				}
				hs = append(hs, h)
			}
			return hs
		}()},
		{"int-validator", []Hook{{Name: "int", Pattern: "bench:*", Builtin: "int", Args: []string{"0", "100000"}}}},
		{"go-hook", []Hook{{Name: "go", Pattern: "bench:*", Func: func(hc *HookContext) error { return nil }}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			d, _ := Open(Options{})
			defer d.Close()
			for _, h := range c.hooks {
				if err := d.AddHook(h); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			d.Update(func(tx *Tx) error {
				i := 0
				for b.Loop() {
					if v := tx.checkHook(benchKeys[i&1023], "set", "", -1, nil, benchIntValue); len(v) != len(benchIntValue) {
						b.Fatal("value changed")
					}
					i++
				}
				return nil
			})
		})
	}
}
