package potato

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// Regression tests for branch persistence bugs that TestBranchMetamorphic
// found; each is a minimized op log of a failing seed.

// forkTo forks d's branch into a new branch name and returns a handle on
// the fork.
func forkTo(t *testing.T, d *DB, name string) *DB {
	t.Helper()
	if err := d.CreateBranch(name, BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	b, err := d.Branch(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hashDump renders a hash's fields sorted, "" for no key.
func hashDump(t *testing.T, d *DB, key string) string {
	t.Helper()
	fvs, err := d.HGetAll(key)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fv := range fvs {
		out = append(out, fmt.Sprintf("%s=%s", fv.Field, fv.Value))
	}
	slices.Sort(out)
	return fmt.Sprint(out)
}

// TestBranchRestartKeepsExpiredValuesUnderChildren: at load, keys that
// expired while the server was down were dropped from every space over
// nothing with a single reference, even when that reference was a child
// space (its branch's own top gone to a FLUSHDB, whose contents the
// timeline pins, so the space was not folded). The child's tombstone or
// overlay then lay over nothing: a later fold left a tombstone in a space
// without a parent ("data directory is corrupt", seed 110), and an
// overlay failed to load ("overlay of key ... over no value of its type").
func TestBranchRestartKeepsExpiredValuesUnderChildren(t *testing.T) {
	t.Run("tombstone", func(t *testing.T) {
		clk := newTestClock()
		o := Options{Dir: t.TempDir(), Clock: clk, Fsync: FsyncNo}
		d := openDurable(t, o)
		a := forkTo(t, d, "a")
		mustSetTTL(t, a, "k", "v", time.Second)
		b := forkTo(t, a, "b")
		mustSet(t, b, "other", "1")
		clk.Advance(2 * time.Second)
		if n, err := b.Del("k"); n != 0 || err != nil { // expires k: a tombstone in b's top
			t.Fatalf("DEL of an expired key: %d %v", n, err)
		}
		forkTo(t, b, "c")
		forkTo(t, b, "d") // b's space has two children: it stays when c goes
		if err := a.FlushDB(); err != nil {
			t.Fatal(err)
		}
		d.Close()
		d = openDurable(t, o)
		if err := d.DeleteBranch("c"); err != nil { // folds a's old space into b's
			t.Fatal(err)
		}
		d.Close()
		d = openDurable(t, o)
		b, err := d.Branch("b")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := b.Exists("k"); n != 0 || getStr(t, b, "other") != "1" {
			t.Fatalf("b: k exists %d, other %q", n, getStr(t, b, "other"))
		}
	})
	t.Run("overlay", func(t *testing.T) {
		clk := newTestClock()
		o := Options{Dir: t.TempDir(), Clock: clk, Fsync: FsyncNo}
		d := openDurable(t, o)
		a := forkTo(t, d, "a")
		if _, err := a.HSet("h", FieldValue{"f", bs("1")}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Expire("h", time.Second); err != nil {
			t.Fatal(err)
		}
		b := forkTo(t, a, "b")
		if _, err := b.HSet("h", FieldValue{"g", bs("2")}); err != nil { // an overlay
			t.Fatal(err)
		}
		if ok, err := b.Persist("h"); !ok || err != nil {
			t.Fatalf("persist: %v %v", ok, err)
		}
		if err := a.FlushDB(); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Second) // h expires in a's old space, not in b
		d.Close()
		d = openDurable(t, o)
		b, err := d.Branch("b")
		if err != nil {
			t.Fatal(err)
		}
		if got := hashDump(t, b, "h"); got != "[f=1 g=2]" {
			t.Fatalf("b's h after restart: %s", got)
		}
	})
}

// TestBranchFailedWriteLeavesNoCopyUp: a write that copied a parent's
// value up into the branch's top layer and then failed (WRONGTYPE) or
// changed nothing left the copy there, in memory only. The top then
// froze at the next fork as if it held a value, and a fold made the copy
// a value of its own that the space on disk did not have: the next HSET
// wrote a field without its type record (seed 119, "record of key ...
// without its type record"; seed 120 through MOVE and SWAPDB).
func TestBranchFailedWriteLeavesNoCopyUp(t *testing.T) {
	o := Options{Dir: t.TempDir(), Fsync: FsyncNo}
	d := openDurable(t, o)
	if _, err := d.HSet("h", FieldValue{"f", bs("1")}); err != nil {
		t.Fatal(err)
	}
	a := forkTo(t, d, "a")
	if _, err := a.GetDel("h"); err != ErrWrongType {
		t.Fatalf("GETDEL of a hash: %v", err)
	}
	if _, err := a.HDel("h", "nofield"); err != nil {
		t.Fatal(err)
	}
	for _, bi := range a.Branches() {
		if bi.Name == "a" && bi.KeysChanged != 0 {
			t.Fatalf("branch a changed %d keys with commands that changed nothing", bi.KeysChanged)
		}
	}
	b := forkTo(t, a, "b")
	if _, err := b.SetRange("h", 3, bs("xy")); err != ErrWrongType {
		t.Fatalf("SETRANGE of a hash: %v", err)
	}
	if _, err := b.HSet("k1", FieldValue{"f", bs("v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RPush("k2", bs("a"), bs("b")); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteBranch("a"); err != nil { // folds a's old top into b's
		t.Fatal(err)
	}
	if _, err := b.HIncrBy("h", "g", 3); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d = openDurable(t, o)
	b, err := d.Branch("b")
	if err != nil {
		t.Fatal(err)
	}
	if got := hashDump(t, b, "h"); got != "[f=1 g=3]" {
		t.Fatalf("b's h after restart: %s", got)
	}
	if got := hashDump(t, d, "h"); got != "[f=1]" {
		t.Fatalf("main's h after restart: %s", got)
	}
}

// TestBranchNoOpWriteLeavesNoCopyUpList is the list form of
// TestBranchFailedWriteLeavesNoCopyUp: a PERSIST of a list without a
// deadline (no change) left a copy-up; after the fold, pushes were
// written as elements of a list whose type record the space lacked, and
// the list came back from a restart without the parent's elements (seed
// 173), or failed to load (seed 188).
func TestBranchNoOpWriteLeavesNoCopyUpList(t *testing.T) {
	o := Options{Dir: t.TempDir(), Fsync: FsyncNo}
	d := openDurable(t, o)
	if _, err := d.RPush("l", bs("a"), bs("b")); err != nil {
		t.Fatal(err)
	}
	a := forkTo(t, d, "a")
	if ok, err := a.Persist("l"); ok || err != nil {
		t.Fatalf("PERSIST of a list without a deadline: %v %v", ok, err)
	}
	b := forkTo(t, a, "b")
	if _, err := b.LPush("other", bs("x"), bs("y")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.LPush("l", bs("c")); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteBranch("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.LPush("l", bs("d")); err != nil {
		t.Fatal(err)
	}
	want := "[d c a b]"
	d.Close()
	d = openDurable(t, o)
	b, err := d.Branch("b")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.LRange("l", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%s", got); s != want {
		t.Fatalf("b's list after restart: %s, want %s", s, want)
	}
}

// TestBranchFoldKeepsCopiesOfFrozenValues: a value copied (COPY, or a
// copy-up) from a frozen layer shares the nodes of the original, which
// only the original's owner may modify in place, and a frozen original
// never is. A fold that moved the branch's small top into that layer
// (the branch deleted beside it) made the original writable again, and
// writing it changed the copy too (seed 20: a list lost its elements to
// an LPOP of the key it was copied from; in memory, no restart).
func TestBranchFoldKeepsCopiesOfFrozenValues(t *testing.T) {
	d, err := Open(Options{ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a := forkTo(t, d, "a")
	if _, err := a.LPush("l", bs("x"), bs("y"), bs("z")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.HSet("h", FieldValue{"f", bs("1")}, FieldValue{"g", bs("2")}); err != nil {
		t.Fatal(err)
	}
	b := forkTo(t, a, "b") // a's top, holding l and h, freezes
	if ok, err := b.Copy("l", "l2", 0, true); !ok || err != nil {
		t.Fatalf("COPY l: %v %v", ok, err)
	}
	if ok, err := b.Copy("h", "h2", 0, true); !ok || err != nil {
		t.Fatalf("COPY h: %v %v", ok, err)
	}
	if err := d.DeleteBranch("a"); err != nil { // b's top folds into the frozen layer
		t.Fatal(err)
	}
	if _, err := b.LPopCount("l", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := b.HSet("h", FieldValue{"f", bs("changed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.HDel("h", "g"); err != nil {
		t.Fatal(err)
	}
	got, err := b.LRange("l2", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%s", got); s != "[z y x]" {
		t.Fatalf("l2 after popping l: %s", s)
	}
	if got := hashDump(t, b, "h2"); got != "[f=1 g=2]" {
		t.Fatalf("h2 after changing h: %s", got)
	}
}
