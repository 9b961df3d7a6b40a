package keyspace

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// branchModel is a branch (a Keyspace) beside the key -> deadline map of
// database 0 it must show, and the string values.
type branchModel struct {
	ks   *Keyspace
	dead map[string]int64
	val  map[string]string
}

// viewKeys enumerates database db of ks the way KEYS does: every layer's
// stored keys that no layer above shadows.
func viewKeys(ks *Keyspace, db int) map[string]*Entry {
	out := map[string]*Entry{}
	for d := 0; ; d++ {
		l := ks.LayerAt(db, d)
		if l == nil {
			return out
		}
		for i := 0; i < NumShards; i++ {
			l.ShardKeys(i, func(k string, e *Entry) bool {
				if !ks.Shadowed(db, l, k) {
					out[k] = e
				}
				return true
			})
		}
	}
}

func (b *branchModel) check(t *testing.T, step int) {
	t.Helper()
	ks := b.ks
	if ks.Len(0) != len(b.dead) {
		t.Fatalf("step %d: Len = %d; model %d", step, ks.Len(0), len(b.dead))
	}
	exp := 0
	for _, at := range b.dead {
		if at != 0 {
			exp++
		}
	}
	if ks.Expiring(0) != exp {
		t.Fatalf("step %d: Expiring = %d; model %d", step, ks.Expiring(0), exp)
	}
	view := viewKeys(ks, 0)
	if len(view) != len(b.dead) {
		t.Fatalf("step %d: view has %d keys; model %d", step, len(view), len(b.dead))
	}
	for k, at := range b.dead {
		e := ks.Get(0, k)
		if e == nil || e.ExpireAt != at || string(e.Str) != b.val[k] || view[k] != e {
			t.Fatalf("step %d: key %q = %+v; model %d %q", step, k, e, at, b.val[k])
		}
	}
	for d := 0; ; d++ {
		l := ks.LayerAt(0, d)
		if l == nil {
			break
		}
		for i := range l.shards {
			for slot, k := range l.shards[i].keys {
				if e, _ := l.m.Load(k); e == nil || int(e.slot) != slot {
					t.Fatalf("step %d: layer %d shard %d slot %d: %q misplaced", step, d, i, slot, k)
				}
			}
		}
	}
}

// TestLayersAgainstModel runs random writes on branches forked from each
// other, flushes, and folds of layers left with one child, and requires
// every branch to show exactly its model, independently of the others.
func TestLayersAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	bs := []*branchModel{{ks: New(), dead: map[string]int64{}, val: map[string]string{}}}
	folds := 0
	for step := 0; step < 40000; step++ {
		b := bs[r.IntN(len(bs))]
		ks := b.ks
		k := fmt.Sprint("k", r.IntN(200))
		s := ks.StripeOf(0, k)
		switch op := r.IntN(20); {
		case op < 7:
			at := int64(0)
			if r.IntN(3) == 0 {
				at = int64(1 + r.IntN(1000))
			}
			v := fmt.Sprint(step)
			ks.Lock(s)
			ks.Put(0, k, &Entry{Kind: KindString, Str: []byte(v), ExpireAt: at})
			ks.Unlock(s)
			b.dead[k], b.val[k] = at, v
		case op < 12:
			ks.Lock(s)
			removed := ks.Delete(0, k)
			ks.Unlock(s)
			if _, ok := b.dead[k]; ok != (removed != nil) {
				t.Fatalf("step %d: Delete(%q) = %v; model has it: %v", step, k, removed, ok)
			}
			delete(b.dead, k)
			delete(b.val, k)
		case op < 15:
			ks.Lock(s)
			if e := ks.ForWrite(0, k); e != nil {
				at := int64(r.IntN(1000))
				ks.SetExpire(0, k, e, at)
				b.dead[k] = at
			}
			ks.Unlock(s)
		case op == 15 && len(bs) < 8:
			ks.LockAll()
			nk := ks.Fork()
			ks.UnlockAll()
			bs = append(bs, &branchModel{ks: nk, dead: maps.Clone(b.dead), val: maps.Clone(b.val)})
		case op == 16 && len(bs) > 1 && r.IntN(3) == 0:
			i := r.IntN(len(bs))
			bs = slices.Delete(bs, i, i+1)
		case op == 17 && r.IntN(10) == 0:
			ks.LockDB(0)
			ks.Flush(0)
			ks.UnlockDB(0)
			clear(b.dead)
			clear(b.val)
		case op == 18:
			folds += foldOne(bs)
		}
		if step%500 == 0 {
			for _, b := range bs {
				b.check(t, step)
			}
		}
	}
	for _, b := range bs {
		b.check(t, -1)
	}
	if folds == 0 {
		t.Fatal("no fold happened")
	}
	t.Logf("%d folds", folds)
}

// foldOne folds one frozen layer of database 0 that has a single child,
// as the store's background job does, and reports whether it found one.
func foldOne(bs []*branchModel) int {
	children := map[*Layer]map[*Layer]bool{}
	tops := map[*Layer]bool{}
	for _, b := range bs {
		tops[b.ks.Top(0)] = true
		b.ks.Chain(0, func(l *Layer) {
			if p := l.Parent(); p != nil {
				if children[p] == nil {
					children[p] = map[*Layer]bool{}
				}
				children[p][l] = true
			}
		})
	}
	for p, kids := range children {
		if len(kids) != 1 || tops[p] {
			continue
		}
		var c *Layer
		for c = range kids {
		}
		var seeing []*Keyspace
		for _, b := range bs {
			sees := false
			b.ks.Chain(0, func(l *Layer) { sees = sees || l == c })
			if sees {
				seeing = append(seeing, b.ks)
			}
		}
		for _, ks := range seeing {
			ks.LockDB(0)
		}
		kept, gone := seeing[0].Fold(c)
		for _, ks := range seeing {
			ks.Relink(0, gone, kept)
			ks.ResetExpiryCursors(0)
		}
		for i := len(seeing) - 1; i >= 0; i-- {
			seeing[i].UnlockDB(0)
		}
		return 1
	}
	return 0
}

// TestLayersExpiry: active expiry of each branch finds the due keys of its
// view, in the top layer and in frozen layers alike, and only those.
func TestLayersExpiry(t *testing.T) {
	ks := New()
	put := func(ks *Keyspace, k string, at int64) {
		s := ks.StripeOf(0, k)
		ks.Lock(s)
		ks.Put(0, k, &Entry{Kind: KindString, ExpireAt: at})
		ks.Unlock(s)
	}
	for i := 0; i < 500; i++ {
		put(ks, fmt.Sprint("base", i), int64(1+i%100))
	}
	ks.LockAll()
	other := ks.Fork()
	ks.UnlockAll()
	// On ks, half the base keys get a later deadline (shadowing the
	// frozen one); on other they keep theirs.
	for i := 0; i < 500; i += 2 {
		put(ks, fmt.Sprint("base", i), 5000)
	}
	put(other, "own", 50)
	due := func(ks *Keyspace, now int64) map[string]bool {
		out := map[string]bool{}
		for s := Stripe(0); s < NumShards; s++ {
			ks.Lock(s)
			for {
				if next := ks.NextDeadline(s); next == 0 || next > now {
					break
				}
				k, ok := ks.PopDeadline(s, now)
				if !ok {
					t.Fatal("NextDeadline said due, PopDeadline found nothing")
				}
				if e := ks.Get(0, k); e != nil && e.Expired(now) {
					out[k] = true
					ks.Delete(0, k)
				}
			}
			ks.Unlock(s)
		}
		return out
	}
	got := due(ks, 100)
	if len(got) != 250 {
		t.Fatalf("ks expired %d keys; want the 250 not shadowed", len(got))
	}
	got = due(other, 100)
	if len(got) != 501 {
		t.Fatalf("other expired %d keys; want 501", len(got))
	}
	if ks.Len(0) != 250 || other.Len(0) != 0 {
		t.Fatalf("Len after expiry: %d, %d", ks.Len(0), other.Len(0))
	}
}
