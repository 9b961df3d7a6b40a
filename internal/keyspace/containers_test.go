package keyspace

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// hashModel is a Hash under test beside the Go map it must equal.
type hashModel struct {
	h *Hash
	m map[string]string
}

func (hm *hashModel) check(t *testing.T) {
	t.Helper()
	h, model := hm.h, hm.m
	if h.Len() != len(model) {
		t.Fatalf("Len = %d; model %d", h.Len(), len(model))
	}
	seen := map[string]string{}
	prev := uint64(0)
	h.All(func(f HashField) bool {
		if _, dup := seen[f.Name]; dup {
			t.Fatalf("All visits %q twice", f.Name)
		}
		if p := HashOf(f.Name); p < prev && !h.Listpack() {
			t.Fatalf("All out of hash order at %q", f.Name)
		} else {
			prev = p
		}
		seen[f.Name] = string(f.Value)
		return true
	})
	if !maps.Equal(seen, model) {
		t.Fatalf("All = %v; model %v", seen, model)
	}
	for i := 0; i < h.Len(); i += 1 + h.Len()/17 {
		f := h.At(i)
		if model[f.Name] != string(f.Value) {
			t.Fatalf("At(%d) = %q=%q; model %q", i, f.Name, f.Value, model[f.Name])
		}
	}
	for f, v := range model {
		got, ok := h.Get(f)
		if !ok || string(got) != v {
			t.Fatalf("Get(%q) = %q, %v; model %q", f, got, ok, v)
		}
	}
}

// TestHashAgainstMap runs random Set/Del on several Hashes cloned from
// each other (sharing structure) and on Go maps, and requires each to
// equal its map: a write to one copy never shows in another.
func TestHashAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	hs := []*hashModel{{h: NewHash(0), m: map[string]string{}}}
	for i := 0; i < 60000; i++ {
		hm := hs[r.IntN(len(hs))]
		f := fmt.Sprint("f", r.IntN(300))
		switch op := r.IntN(12); {
		case op < 5:
			v := fmt.Sprint(i)
			old, existed := hm.h.Set(f, []byte(v))
			mv, mok := hm.m[f]
			if existed != mok || string(old) != mv {
				t.Fatalf("Set(%q) = %q, %v; model %q, %v", f, old, existed, mv, mok)
			}
			hm.m[f] = v
		case op < 10:
			old, existed := hm.h.Del(f)
			mv, mok := hm.m[f]
			if existed != mok || string(old) != mv {
				t.Fatalf("Del(%q) = %q, %v; model %q, %v", f, old, existed, mv, mok)
			}
			delete(hm.m, f)
		case op == 10 && len(hs) < 6:
			c := &hashModel{m: maps.Clone(hm.m)}
			if r.IntN(2) == 0 {
				c.h = hm.h.Clone()
			} else {
				// A frozen original: only the copy is written from now.
				c.h = hm.h.CloneFrozen()
				*hm = *c
				c = &hashModel{h: c.h.Clone(), m: maps.Clone(c.m)}
			}
			hs = append(hs, c)
		case op == 11 && len(hs) > 1 && r.IntN(4) == 0:
			j := r.IntN(len(hs))
			hs[j].check(t)
			hs = slices.Delete(hs, j, j+1)
		}
		if i%2000 == 0 {
			for _, hm := range hs {
				hm.check(t)
			}
		}
	}
	for _, hm := range hs {
		hm.check(t)
	}
}

// TestHashScanCursor: a full scan in small steps visits every field
// present throughout, once per position, while others come and go.
func TestHashScanCursor(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := NewHash(0)
	h.Set("big", make([]byte, 100)) // past the flat encoding
	stable := map[string]bool{}
	for i := 0; i < 2000; i++ {
		f := fmt.Sprint("s", i)
		h.Set(f, []byte("x"))
		stable[f] = true
	}
	seen := map[string]int{}
	cursor := uint64(0)
	for step := 0; ; step++ {
		cursor = h.Scan(cursor, 1+r.IntN(20), func(f HashField) { seen[f.Name]++ })
		for j := 0; j < 10; j++ {
			f := fmt.Sprint("t", r.IntN(5000))
			if r.IntN(2) == 0 {
				h.Set(f, []byte("y"))
			} else {
				h.Del(f)
			}
		}
		if cursor == 0 {
			break
		}
		if step > 10000 {
			t.Fatal("scan does not end")
		}
	}
	for f := range stable {
		if seen[f] != 1 {
			t.Fatalf("field %q seen %d times", f, seen[f])
		}
	}
	if got := NewHash(0).Scan(0, 10, func(HashField) { t.Fatal("empty hash visited") }); got != 0 {
		t.Fatalf("scan of an empty hash returned cursor %d", got)
	}
}

// TestPMapCollisions forces entries with equal positions through the
// collision nodes at the bottom of the trie by using keys found to share
// their top bits, then checks order, At and deletion there.
func TestPMapCollisions(t *testing.T) {
	// Keys whose positions agree on the top 40 bits go 8 levels deep.
	byPrefix := map[uint64][]string{}
	var deep []string
	for i := 0; deep == nil && i < 1<<22; i++ {
		k := fmt.Sprint("k", i)
		p := HashOf(k) >> 36
		byPrefix[p] = append(byPrefix[p], k)
		if len(byPrefix[p]) == 3 {
			deep = byPrefix[p]
		}
	}
	if deep == nil {
		t.Skip("no deep prefix found")
	}
	var m PMap[int]
	for i, k := range deep {
		m.Set(k, i)
	}
	m.Set("other", 9)
	for i, k := range deep {
		if v, ok := m.Get(k); !ok || v != i {
			t.Fatalf("Get(%q) = %d, %v", k, v, ok)
		}
	}
	for _, k := range deep {
		c := m.Clone()
		if _, ok := c.Del(k); !ok {
			t.Fatalf("Del(%q) on a clone failed", k)
		}
		if _, ok := m.Get(k); !ok {
			t.Fatalf("Del on a clone removed %q from the original", k)
		}
		if c.Len() != m.Len()-1 {
			t.Fatalf("clone Len = %d", c.Len())
		}
	}
	for i := 0; i < m.Len(); i++ {
		m.At(i)
	}
}

// listModel is a List under test beside the slice it must equal.
type listModel struct {
	l *List
	s [][]byte
}

func (lm *listModel) check(t *testing.T, step int) {
	t.Helper()
	if lm.l.Len() != len(lm.s) {
		t.Fatalf("step %d: Len = %d; model %d", step, lm.l.Len(), len(lm.s))
	}
	for j := range lm.s {
		if string(lm.l.Index(j)) != string(lm.s[j]) {
			t.Fatalf("step %d: Index(%d) = %q; model %q", step, j, lm.l.Index(j), lm.s[j])
		}
	}
	lo := len(lm.s) / 3
	n := lo
	lm.l.Range(lo, len(lm.s), func(i int, v []byte) bool {
		if i != n || string(v) != string(lm.s[i]) {
			t.Fatalf("step %d: Range gave %d=%q; model %d=%q", step, i, v, n, lm.s[n])
		}
		n++
		return true
	})
	if n != len(lm.s) {
		t.Fatalf("step %d: Range stopped at %d of %d", step, n, len(lm.s))
	}
}

// TestListAgainstSlice runs random deque and positional operations on
// several Lists cloned from each other and on slices, and requires each
// to equal its slice.
func TestListAgainstSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	ls := []*listModel{{l: NewList()}}
	for i := 0; i < 200000; i++ {
		lm := ls[r.IntN(len(ls))]
		l, model := lm.l, lm.s
		v := []byte(fmt.Sprint(i))
		// Bias towards growth until lists are a few leaves long.
		grow := len(model) < 300 || r.IntN(3) == 0
		switch op := r.IntN(9); {
		case op == 0 || (op == 1 && grow):
			l.PushFront(v)
			model = slices.Insert(model, 0, v)
		case op == 2 || (op == 3 && grow):
			l.PushBack(v)
			model = append(model, v)
		case op == 1 && len(model) > 0:
			if got := l.PopFront(); string(got) != string(model[0]) {
				t.Fatalf("PopFront = %q; model %q", got, model[0])
			}
			model = model[1:]
		case op == 3 && len(model) > 0:
			if got := l.PopBack(); string(got) != string(model[len(model)-1]) {
				t.Fatalf("PopBack = %q; model %q", got, model[len(model)-1])
			}
			model = model[:len(model)-1]
		case op == 4 && len(model) > 0:
			j := r.IntN(len(model))
			if old := l.Set(j, v); string(old) != string(model[j]) {
				t.Fatalf("Set(%d) old = %q; model %q", j, old, model[j])
			}
			model = slices.Clone(model)
			model[j] = v
		case op == 5 && grow:
			j := r.IntN(len(model) + 1)
			l.Insert(j, v)
			model = slices.Insert(slices.Clone(model), j, v)
		case op == 6 && len(model) > 0:
			j := r.IntN(len(model))
			if got := l.Remove(j); string(got) != string(model[j]) {
				t.Fatalf("Remove(%d) = %q; model %q", j, got, model[j])
			}
			model = slices.Delete(slices.Clone(model), j, j+1)
		case op == 7 && len(ls) < 5 && r.IntN(50) == 0:
			c := &listModel{s: slices.Clone(model)}
			if r.IntN(2) == 0 {
				c.l = l.Clone()
			} else {
				c.l = l.CloneFrozen()
				lm.l = c.l.Clone() // the original is frozen from now on
				l = lm.l
			}
			ls = append(ls, c)
		case op == 8 && len(model) > 0 && r.IntN(200) == 0:
			// Drain to exercise shrinking to empty and growing again.
			for len(model) > 0 {
				l.PopBack()
				model = model[:len(model)-1]
			}
		}
		lm.s = model
		if l.Len() != len(model) {
			t.Fatalf("step %d: Len = %d; model %d", i, l.Len(), len(model))
		}
		if i%4999 == 0 {
			for _, lm := range ls {
				lm.check(t, i)
			}
		}
	}
	for _, lm := range ls {
		lm.check(t, -1)
	}
}

// TestListDepth: a long list built by pushes at both ends and emptied by
// pops keeps a shallow tree (no degenerate chains).
func TestListDepth(t *testing.T) {
	l := NewList()
	for i := 0; i < 200000; i++ {
		if i%2 == 0 {
			l.PushBack([]byte{byte(i)})
		} else {
			l.PushFront([]byte{byte(i)})
		}
	}
	if d := plDepth(l.s.root); d > 4 {
		t.Fatalf("depth %d for 200k elements", d)
	}
	for l.Len() > 1000 {
		l.Remove(l.Len() / 2)
	}
	if d := plDepth(l.s.root); d > 4 {
		t.Fatalf("depth %d after removals", d)
	}
}

func plDepth(n *plNode) int {
	if n == nil || n.leaf() {
		return 1
	}
	d := 0
	for _, k := range n.kids {
		d = max(d, plDepth(k))
	}
	return d + 1
}

// TestCloneCopiesLittle: the first write to a clone of a large container
// copies a path, not the container.
func TestCloneCopiesLittle(t *testing.T) {
	h := NewHash(0)
	l := NewList()
	for i := 0; i < 100000; i++ {
		h.Set(fmt.Sprint("f", i), []byte("v"))
		l.PushBack([]byte("v"))
	}
	hc, lc := h.CloneFrozen(), l.CloneFrozen()
	allocs := testing.AllocsPerRun(10, func() {
		hc.Set("f1", []byte("w"))
		lc.PushFront([]byte("w"))
		lc.PopFront()
	})
	if allocs > 40 {
		t.Fatalf("a write to a clone allocates %v objects", allocs)
	}
	if v, _ := h.Get("f1"); string(v) != "v" {
		t.Fatal("write to the clone changed the original")
	}
}
