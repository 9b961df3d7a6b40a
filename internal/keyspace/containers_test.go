package keyspace

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHashAgainstMap runs random Set/Del/Restore on a Hash and on a Go
// map and requires the same contents, with slots consistent.
func TestHashAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	h := NewHash(0)
	model := map[string]string{}
	check := func() {
		t.Helper()
		if h.Len() != len(model) {
			t.Fatalf("Len = %d; model %d", h.Len(), len(model))
		}
		for i := 0; i < h.Len(); i++ {
			f := h.At(i)
			if slot, ok := h.Slot(f.Name); !ok || slot != i {
				t.Fatalf("field %q in slot %d; Slot says %d, %v", f.Name, i, slot, ok)
			}
			if model[f.Name] != string(f.Value) {
				t.Fatalf("field %q = %q; model %q", f.Name, f.Value, model[f.Name])
			}
		}
		for f, v := range model {
			got, ok := h.Get(f)
			if !ok || string(got) != v {
				t.Fatalf("Get(%q) = %q, %v; model %q", f, got, ok, v)
			}
		}
	}
	for i := 0; i < 50000; i++ {
		f := fmt.Sprint("f", r.IntN(200))
		switch r.IntN(5) {
		case 0, 1:
			v := fmt.Sprint(i)
			old, existed := h.Set(f, []byte(v))
			mv, mok := model[f]
			if existed != mok || string(old) != mv {
				t.Fatalf("Set(%q) = %q, %v; model %q, %v", f, old, existed, mv, mok)
			}
			model[f] = v
		case 2, 3:
			slot, _ := h.Slot(f)
			old, existed := h.Del(f)
			mv, mok := model[f]
			if existed != mok || string(old) != mv {
				t.Fatalf("Del(%q) = %q, %v; model %q, %v", f, old, existed, mv, mok)
			}
			delete(model, f)
			// Sometimes undo the delete: the field goes back to its slot.
			if existed && r.IntN(2) == 0 {
				h.Restore(f, old, slot)
				model[f] = mv
				if got, _ := h.Slot(f); got != slot {
					t.Fatalf("Restore put %q in slot %d; was %d", f, got, slot)
				}
			}
		case 4:
			if _, ok := h.Get(f); ok != hasKey(model, f) {
				t.Fatalf("Get(%q) presence wrong", f)
			}
		}
		if i%1000 == 0 {
			check()
		}
	}
	check()
	// A full Scan visits every field once; the clone is independent.
	seen := map[string]bool{}
	for next := h.Scan(0, 7, func(f HashField) { seen[f.Name] = true }); next != 0; {
		next = h.Scan(next, 7, func(f HashField) { seen[f.Name] = true })
	}
	if !maps.Equal(seen, boolKeys(model)) {
		t.Fatalf("Scan saw %d fields; hash has %d", len(seen), len(model))
	}
	c := h.Clone()
	c.Set("new", []byte("x"))
	for f := range model {
		c.Del(f)
		break
	}
	check()
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

func boolKeys(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// TestHashDelUndoOrder: undoing deletes newest first restores every
// field to its old slot (what keeps HSCAN cursors valid across rollback).
func TestHashDelUndoOrder(t *testing.T) {
	h := NewHash(0)
	for i := 0; i < 100; i++ {
		h.Set(fmt.Sprint("f", i), []byte{byte(i)})
	}
	before := make([]string, h.Len())
	for i := range before {
		before[i] = h.At(i).Name
	}
	type del struct {
		f    string
		v    []byte
		slot int
	}
	var dels []del
	r := rand.New(rand.NewPCG(7, 8))
	for _, i := range r.Perm(100)[:60] {
		f := fmt.Sprint("f", i)
		slot, _ := h.Slot(f)
		v, _ := h.Del(f)
		dels = append(dels, del{f, v, slot})
	}
	for i := len(dels) - 1; i >= 0; i-- {
		h.Restore(dels[i].f, dels[i].v, dels[i].slot)
	}
	for i := range before {
		if h.At(i).Name != before[i] {
			t.Fatalf("slot %d holds %q after undo; was %q", i, h.At(i).Name, before[i])
		}
	}
}

// TestListAgainstSlice runs random deque operations on a List and on a
// slice and requires the same elements.
func TestListAgainstSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	l := NewList()
	var model [][]byte
	for i := 0; i < 100000; i++ {
		v := []byte(fmt.Sprint(i))
		switch op := r.IntN(8); {
		case op == 0 || (op == 1 && len(model) < 50):
			l.PushFront(v)
			model = slices.Insert(model, 0, v)
		case op == 2 || (op == 3 && len(model) < 50):
			l.PushBack(v)
			model = append(model, v)
		case op == 1 && len(model) > 0:
			got := l.PopFront()
			if string(got) != string(model[0]) {
				t.Fatalf("PopFront = %q; model %q", got, model[0])
			}
			model = model[1:]
		case op == 3 && len(model) > 0:
			got := l.PopBack()
			if string(got) != string(model[len(model)-1]) {
				t.Fatalf("PopBack = %q; model %q", got, model[len(model)-1])
			}
			model = model[:len(model)-1]
		case op == 4 && len(model) > 0:
			j := r.IntN(len(model))
			old := l.Set(j, v)
			if string(old) != string(model[j]) {
				t.Fatalf("Set(%d) old = %q; model %q", j, old, model[j])
			}
			model[j] = v
		case op == 5:
			j := r.IntN(len(model) + 1)
			l.Insert(j, v)
			model = slices.Insert(model, j, v)
		case op == 6 && len(model) > 0:
			j := r.IntN(len(model))
			got := l.Remove(j)
			if string(got) != string(model[j]) {
				t.Fatalf("Remove(%d) = %q; model %q", j, got, model[j])
			}
			model = slices.Delete(model, j, j+1)
		case op == 7 && len(model) > 0 && r.IntN(100) == 0:
			// Drain to exercise shrinking to empty and growing again.
			for len(model) > 0 {
				l.PopBack()
				model = model[:len(model)-1]
			}
		}
		if l.Len() != len(model) {
			t.Fatalf("step %d: Len = %d; model %d", i, l.Len(), len(model))
		}
		if i%997 == 0 {
			for j := range model {
				if string(l.Index(j)) != string(model[j]) {
					t.Fatalf("step %d: Index(%d) = %q; model %q", i, j, l.Index(j), model[j])
				}
			}
			c := l.Clone()
			if c.Len() != l.Len() {
				t.Fatal("Clone length differs")
			}
			c.PushBack([]byte("clone only"))
			if l.Len() != len(model) {
				t.Fatal("pushing to a clone changed the original")
			}
		}
	}
	empty := NewList().Clone()
	empty.PushFront([]byte("a"))
	if empty.Len() != 1 || string(empty.PopBack()) != "a" {
		t.Fatal("clone of an empty list unusable")
	}
}
