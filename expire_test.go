package potato

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond every millisecond until it holds or 10s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestActiveExpiry: keys nobody reads are removed once the clock passes
// their deadline, each with exactly one "expired" Mutation; keys whose
// deadline moved later, or was removed, stay.
func TestActiveExpiry(t *testing.T) {
	clk := newTestClock()
	d, err := Open(Options{Clock: clk, ExpiryInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d3, _ := d.Select(3)

	var mu sync.Mutex
	expired := map[string]int{}
	other := 0
	cancel := d.c.subscribe(func(m *Mutation) {
		mu.Lock()
		defer mu.Unlock()
		if m.Op == "expired" {
			expired[fmt.Sprint(m.DB, " ", m.Key)]++
		} else {
			other++
		}
	})
	defer cancel()

	const n = 1000
	for i := 0; i < n; i++ {
		h := d
		if i%4 == 0 {
			h = d3
		}
		// Deadlines spread over one second.
		mustSetTTL(t, h, fmt.Sprint("k", i), "v", time.Duration(1+i)*time.Millisecond)
	}
	mustSetTTL(t, d, "extended", "v", time.Millisecond)
	d.Expire("extended", time.Hour)
	mustSetTTL(t, d, "persisted", "v", time.Millisecond)
	d.Persist("persisted")
	mustSetTTL(t, d, "recreated", "v", time.Millisecond)
	mustSet(t, d, "recreated", "v")
	mustSet(t, d, "plain", "v")
	mu.Lock()
	other = 0
	mu.Unlock()

	size := func() int64 {
		a, _ := d.DBSize()
		b, _ := d3.DBSize()
		return a + b
	}
	if s := size(); s != n+4 {
		t.Fatalf("DBSize = %d; want %d", s, n+4)
	}
	// Nothing expires while the clock stands still.
	time.Sleep(20 * time.Millisecond)
	if s := size(); s != n+4 {
		t.Fatalf("keys removed before their deadline: DBSize = %d", s)
	}
	// Half-way: the first half goes, the second half stays.
	clk.Advance(n / 2 * time.Millisecond)
	waitFor(t, "the first half to expire", func() bool { return size() == n/2+4 })
	clk.Advance(time.Second)
	waitFor(t, "every key with a deadline to expire", func() bool { return size() == 4 })

	mu.Lock()
	defer mu.Unlock()
	if len(expired) != n {
		t.Errorf("%d keys got an expired Mutation; want %d", len(expired), n)
	}
	for k, c := range expired {
		if c != 1 {
			t.Errorf("key %s got %d expired Mutations", k, c)
		}
	}
	if other != 0 {
		t.Errorf("active expiry made %d Mutations other than expired", other)
	}
	for _, k := range []string{"extended", "persisted", "recreated", "plain"} {
		if getStr(t, d, k) != "v" {
			t.Errorf("%s was removed", k)
		}
	}
}

// TestExpireCycleBoundsWork: one pass removes at most maxExpirePerStripe
// keys of a stripe and reports that more are due.
func TestExpireCycleBoundsWork(t *testing.T) {
	d, clk := openTestDB(t)
	ks := d.br.ks
	s := ks.StripeOf(0, "seed")
	var keys []string
	for i := 0; len(keys) < maxExpirePerStripe*2+10; i++ {
		k := fmt.Sprint("key", i)
		if ks.StripeOf(0, k) == s {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		mustSetTTL(t, d, k, "v", time.Second)
	}
	clk.Advance(time.Second)
	if more := d.c.expireCycle(); !more {
		t.Fatal("first pass over a stripe with 522 due keys reported no more")
	}
	if n, _ := d.DBSize(); n != int64(len(keys)-maxExpirePerStripe) {
		t.Fatalf("after one pass DBSize = %d; want %d", n, len(keys)-maxExpirePerStripe)
	}
	passes := 2
	for d.c.expireCycle() {
		passes++
	}
	// 522 keys: 256 + 256 + 10, the third pass finding no more.
	if n, _ := d.DBSize(); n != 0 || passes != 3 {
		t.Fatalf("after %d passes DBSize = %d; want 3 passes and 0", passes, n)
	}
	if d.c.expireCycle() {
		t.Fatal("a pass with nothing due reported more")
	}
}

// TestRefreshedTTLDoesNotGrowExpiry: refreshing one key's TTL many times
// must not make expiry slower or leave stale work: the key expires once,
// at its last deadline.
func TestRefreshedTTLDoesNotGrowExpiry(t *testing.T) {
	d, clk := openTestDB(t)
	ops := recordOps(t, d)
	mustSet(t, d, "k", "v")
	for i := 1; i <= 10000; i++ {
		if i%2 == 0 {
			d.Expire("k", time.Duration(i)*time.Millisecond)
		} else {
			d.SetArgs("k", []byte("v"), SetArgs{TTL: time.Duration(i) * time.Millisecond})
		}
	}
	ops()
	clk.Advance(9999 * time.Millisecond)
	for d.c.expireCycle() {
	}
	if getStr(t, d, "k") != "v" {
		t.Fatal("key removed at a stale deadline")
	}
	clk.Advance(time.Millisecond)
	for d.c.expireCycle() {
	}
	if n, _ := d.DBSize(); n != 0 {
		t.Fatal("key not removed at its last deadline")
	}
	if got := ops(); len(got) != 1 || got[0] != "expired k" {
		t.Fatalf("mutations %q; want one expired", got)
	}
	if next := d.br.ks.NextDeadline(d.br.ks.StripeOf(0, "k")); next > clk.Now().UnixMilli() {
		t.Fatalf("expiry index still holds future work %d", next)
	}
}

func TestCloseStopsActiveExpiry(t *testing.T) {
	d, err := Open(Options{ExpiryInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mustSetTTL(t, d, "k", "v", time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	done := make(chan struct{})
	go func() { d.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop active expiry")
	}
}
