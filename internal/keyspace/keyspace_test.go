package keyspace

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkInvariants verifies the bookkeeping of every shard of db: each
// key's slot points back at it, the count matches, the expiring counter
// matches the entries with deadlines, and every live deadline has an item
// in the expiry heap.
func checkInvariants(t *testing.T, ks *Keyspace, db int) {
	t.Helper()
	ldb := ks.Top(db)
	total := 0
	for i := range ldb.shards {
		sh := &ldb.shards[i]
		expiring := 0
		for slot, k := range sh.keys {
			e, ok := ldb.m.Load(k)
			if !ok {
				t.Fatalf("shard %d slot %d holds %q, which is not in the map", i, slot, k)
			}
			if int(e.slot) != slot {
				t.Fatalf("key %q: entry slot %d, found in slot %d", k, e.slot, slot)
			}
			if ks.shardOf(k) != i {
				t.Fatalf("key %q in shard %d; belongs to %d", k, i, ks.shardOf(k))
			}
			if e.ExpireAt != 0 {
				expiring++
				found := false
				for _, it := range sh.exp {
					if it.key == k && it.at == e.ExpireAt {
						found = true
						break
					}
				}
				if !found {
					t.Fatalf("key %q: deadline %d has no item in the expiry heap", k, e.ExpireAt)
				}
			}
		}
		if expiring != sh.expiring {
			t.Fatalf("shard %d: expiring = %d; %d keys have deadlines", i, sh.expiring, expiring)
		}
		total += len(sh.keys)
	}
	if n := ks.Len(db); n != total && ldb.parent == nil {
		t.Fatalf("Len = %d; shards hold %d keys", n, total)
	}
	if n := ldb.m.Size(); n != total && ldb.parent == nil {
		t.Fatalf("map holds %d keys; shards %d", n, total)
	}
}

// TestKeyspaceRandomOps applies random puts, deadline changes and deletes
// and checks the bookkeeping after each.
func TestKeyspaceRandomOps(t *testing.T) {
	ks := New()
	r := rand.New(rand.NewPCG(1, 2))
	model := map[string]int64{} // key -> deadline
	for i := 0; i < 20000; i++ {
		k := fmt.Sprint("k", r.IntN(300))
		s := ks.StripeOf(0, k)
		ks.Lock(s)
		switch r.IntN(4) {
		case 0, 1:
			at := int64(0)
			if r.IntN(2) == 0 {
				at = int64(1 + r.IntN(50))
			}
			ks.Put(0, k, &Entry{Kind: KindString, Str: []byte(k), ExpireAt: at})
			model[k] = at
		case 2:
			if e := ks.Get(0, k); e != nil {
				at := int64(r.IntN(50))
				ks.SetExpire(0, k, e, at)
				model[k] = at
			}
		case 3:
			removed := ks.Delete(0, k)
			if _, ok := model[k]; ok != (removed != nil) {
				t.Fatalf("Delete(%q) returned %v; model has it: %v", k, removed, ok)
			}
			delete(model, k)
		}
		ks.Unlock(s)
		if i%500 == 0 {
			checkInvariants(t, ks, 0)
		}
	}
	checkInvariants(t, ks, 0)
	for k, at := range model {
		e := ks.Get(0, k)
		if e == nil || e.ExpireAt != at {
			t.Fatalf("key %q: entry %v; model deadline %d", k, e, at)
		}
	}
	if ks.Len(0) != len(model) {
		t.Fatalf("Len = %d; model %d", ks.Len(0), len(model))
	}
	// Popping every due deadline yields each live deadline in order.
	var due []string
	for s := Stripe(0); s < NumShards; s++ {
		last := int64(0)
		for {
			k, ok := ks.PopDeadline(s, 1000)
			if !ok {
				break
			}
			e := ks.Get(0, k)
			if e == nil || e.ExpireAt == 0 {
				continue // stale item
			}
			if next := ks.NextDeadline(s); next != 0 && next < last {
				t.Fatalf("heap out of order")
			}
			due = append(due, k)
		}
		if ks.NextDeadline(s) != 0 {
			t.Fatalf("stripe %d: items left after popping everything", s)
		}
	}
	slices.Sort(due)
	due = slices.Compact(due)
	var want []string
	for k, at := range model {
		if at != 0 {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	if !slices.Equal(due, want) {
		t.Fatalf("popped %d keys with deadlines; want %d", len(due), len(want))
	}
}

// TestExpiryHeapBounded: refreshing one key's deadline many times, by
// SetExpire or by Put, keeps its shard's heap small.
func TestExpiryHeapBounded(t *testing.T) {
	ks := New()
	const key = "hot"
	s := ks.StripeOf(0, key)
	sh := &ks.Top(0).shards[ks.shardOf(key)]
	ks.Lock(s)
	defer ks.Unlock(s)
	e := &Entry{Kind: KindString, Str: []byte("v"), ExpireAt: 1}
	ks.Put(0, key, e)
	maxLen := 0
	for i := 2; i < 10002; i++ {
		if i%3 == 0 {
			e = &Entry{Kind: KindString, Str: []byte("v"), ExpireAt: int64(i)}
			ks.Put(0, key, e)
		} else {
			ks.SetExpire(0, key, e, int64(i))
		}
		maxLen = max(maxLen, len(sh.exp))
	}
	if maxLen > 2*sh.expiring+64+1 {
		t.Fatalf("heap grew to %d items for %d live deadline(s)", maxLen, sh.expiring)
	}
	// Many keys set with deadlines and deleted: stale items are bounded by
	// the live ones too, once the next write compacts.
	for i := 0; i < 10000; i++ {
		k := fmt.Sprint("tmp", i)
		s2 := ks.StripeOf(0, k)
		if s2 != s {
			continue
		}
		ks.Put(0, k, &Entry{Kind: KindString, ExpireAt: 5})
		ks.Delete(0, k)
	}
	ks.SetExpire(0, key, e, 99999)
	if len(sh.exp) > 2*sh.expiring+64+1 {
		t.Fatalf("heap holds %d items for %d live deadline(s)", len(sh.exp), sh.expiring)
	}
}

// TestScanShardDownward: keys present throughout a shard scan are visited
// even while others are deleted and added between steps.
func TestScanShardDownward(t *testing.T) {
	ks := New()
	r := rand.New(rand.NewPCG(3, 4))
	s := Stripe(5)
	var inShard []string
	for i := 0; len(inShard) < 400; i++ {
		if k := fmt.Sprint("key", i); ks.StripeOf(0, k) == s {
			inShard = append(inShard, k)
		}
	}
	stable := map[string]bool{}
	for i, k := range inShard[:300] {
		ks.Put(0, k, &Entry{Kind: KindString})
		if i%2 == 0 {
			stable[k] = true
		}
	}
	seen := map[string]bool{}
	next := 0
	for steps := 0; ; steps++ {
		next = ks.Top(0).ScanShard(s.Shard(), next, 7, func(k string, e *Entry) {
			if e == nil {
				t.Fatalf("ScanShard gave %q without an entry", k)
			}
			seen[k] = true
		})
		if next == 0 {
			break
		}
		// Churn: delete some unstable keys, add new ones.
		for j := 0; j < 5; j++ {
			k := inShard[r.IntN(len(inShard))]
			if stable[k] {
				continue
			}
			if r.IntN(2) == 0 {
				ks.Delete(0, k)
			} else {
				ks.Put(0, k, &Entry{Kind: KindString})
			}
		}
	}
	for k := range stable {
		if !seen[k] {
			t.Fatalf("stable key %q missed by the scan", k)
		}
	}
	checkInvariants(t, ks, 0)
}

func TestFlushRestoreSwap(t *testing.T) {
	ks := New()
	put := func(db int, k string, at int64) {
		s := ks.StripeOf(db, k)
		ks.Lock(s)
		ks.Put(db, k, &Entry{Kind: KindString, Str: []byte(k), ExpireAt: at})
		ks.Unlock(s)
	}
	put(0, "a", 0)
	put(0, "b", 7)
	put(1, "c", 0)
	ks.LockDB(0)
	data := ks.Flush(0)
	if ks.Len(0) != 0 || ks.Get(0, "a") != nil {
		t.Fatal("Flush left keys")
	}
	ks.Restore(0, data)
	ks.UnlockDB(0)
	if ks.Len(0) != 2 || ks.Get(0, "b").ExpireAt != 7 || ks.Expiring(0) != 1 {
		t.Fatal("Restore lost keys or deadlines")
	}
	ks.LockDB(0)
	ks.LockDB(1)
	ks.Swap(0, 1)
	ks.UnlockDB(1)
	ks.UnlockDB(0)
	if ks.Get(0, "c") == nil || ks.Get(1, "a") == nil || ks.Len(0) != 1 || ks.Len(1) != 2 {
		t.Fatal("Swap did not swap")
	}
	checkInvariants(t, ks, 0)
	checkInvariants(t, ks, 1)
	s := ks.StripeOf(1, "b")
	ks.Lock(s)
	k, ok := ks.PopDeadline(s, 7)
	ks.Unlock(s)
	if !ok || k != "b" {
		t.Fatalf("expiry index did not move with the data: %q %v", k, ok)
	}
}

func TestCloneIsDeep(t *testing.T) {
	e := &Entry{Kind: KindString, Str: append(make([]byte, 0, 64), "abc"...), ExpireAt: 9}
	c := e.Clone()
	if cap(c.Str) != len(c.Str) {
		t.Fatal("Clone left spare capacity in Str: an append to one could write into the other")
	}
	e.Str = append(e.Str, 'X')
	c.Str = append(c.Str, 'Y')
	if string(e.Str) != "abcX" || string(c.Str) != "abcY" {
		t.Fatalf("appends interfered: %q %q", e.Str, c.Str)
	}
	h := &Entry{Kind: KindHash, Hash: NewHash(0)}
	h.Hash.Set("f", []byte("1"))
	hc := h.Clone()
	hc.Hash.Set("f", []byte("2"))
	hc.Hash.Set("g", []byte("3"))
	if v, _ := h.Hash.Get("f"); string(v) != "1" || h.Hash.Len() != 1 {
		t.Fatal("hash clone shares state")
	}
	l := &Entry{Kind: KindList, List: NewList()}
	l.List.PushBack([]byte("a"))
	lc := l.Clone()
	lc.List.PushBack([]byte("b"))
	lc.List.Set(0, []byte("z"))
	if l.List.Len() != 1 || string(l.List.Index(0)) != "a" {
		t.Fatal("list clone shares state")
	}
}
