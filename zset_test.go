package potato

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/num"
)

// zsetDump renders a sorted set in order, for the dumps of the tests.
func zsetDump(z *keyspace.ZSet) string {
	var out []string
	z.All(func(m keyspace.ZMember) bool {
		out = append(out, fmt.Sprintf("%q=%s", m.Member, num.FormatDouble(m.Score)))
		return true
	})
	return strings.Join(out, " ")
}

func zstr(zs []Z) string {
	var out []string
	for _, z := range zs {
		out = append(out, z.Member+"="+num.FormatDouble(z.Score))
	}
	return strings.Join(out, " ")
}

// zmodel is the reference: a slice kept sorted by (score, member).
type zmodel []Z

func (m zmodel) find(member string) int {
	for i, z := range m {
		if z.Member == member {
			return i
		}
	}
	return -1
}

func (m *zmodel) add(member string, score float64) {
	if i := m.find(member); i >= 0 {
		*m = slices.Delete(*m, i, i+1)
	}
	*m = append(*m, Z{Score: score, Member: member})
	sort.Slice(*m, func(i, j int) bool {
		a, b := (*m)[i], (*m)[j]
		if a.Score != b.Score {
			return a.Score < b.Score
		}
		return a.Member < b.Member
	})
}

func (m *zmodel) rem(member string) bool {
	if i := m.find(member); i >= 0 {
		*m = slices.Delete(*m, i, i+1)
		return true
	}
	return false
}

func TestZSetModel(t *testing.T) {
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	r := rand.New(rand.NewPCG(1, 2))
	var m zmodel
	member := func() string { return fmt.Sprintf("m%03d", r.IntN(300)) }
	for step := 0; step < 4000; step++ {
		switch op := r.IntN(10); {
		case op < 4:
			mb, sc := member(), float64(r.IntN(50)-25)
			_, existed := m.find(mb), m.find(mb) >= 0
			n, err := d.ZAdd("z", Z{Score: sc, Member: mb})
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(1); existed {
				want = 0
				if n != want {
					t.Fatalf("step %d: ZAdd of existing = %d", step, n)
				}
			} else if n != want {
				t.Fatalf("step %d: ZAdd of new = %d", step, n)
			}
			m.add(mb, sc)
		case op < 5:
			mb, inc := member(), float64(r.IntN(7)-3)
			cur := 0.0
			if i := m.find(mb); i >= 0 {
				cur = m[i].Score
			}
			s, err := d.ZIncrBy("z", inc, mb)
			if err != nil || s != cur+inc {
				t.Fatalf("step %d: ZIncrBy = %v, %v; want %v", step, s, err, cur+inc)
			}
			m.add(mb, cur+inc)
		case op < 7:
			mb := member()
			n, err := d.ZRem("z", mb)
			if err != nil {
				t.Fatal(err)
			}
			if want := m.rem(mb); (n == 1) != want {
				t.Fatalf("step %d: ZRem = %d, want %v", step, n, want)
			}
		case op < 8:
			got, err := d.ZPopMin("z", 2)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(m[:min(2, len(m))])
			m = m[len(want):]
			if zstr(got) != zstr(want) {
				t.Fatalf("step %d: ZPopMin = %s, want %s", step, zstr(got), zstr(want))
			}
		case op < 9:
			lo := r.IntN(30) - 15
			hi := lo + r.IntN(10)
			n, err := d.ZCount("z", fmt.Sprint(lo), fmt.Sprint("(", hi))
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			for _, z := range m {
				if z.Score >= float64(lo) && z.Score < float64(hi) {
					want++
				}
			}
			if n != want {
				t.Fatalf("step %d: ZCount [%d,(%d] = %d, want %d", step, lo, hi, n, want)
			}
		default:
			if len(m) == 0 {
				continue
			}
			i := r.IntN(len(m))
			rk, err := d.ZRank("z", m[i].Member)
			if err != nil || rk != int64(i) {
				t.Fatalf("step %d: ZRank(%s) = %d, %v; want %d", step, m[i].Member, rk, err, i)
			}
			rr, _ := d.ZRevRank("z", m[i].Member)
			if rr != int64(len(m)-1-i) {
				t.Fatalf("step %d: ZRevRank = %d", step, rr)
			}
		}
		if step%97 == 0 {
			got, err := d.ZRange("z", 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			if zstr(got) != zstr(m) {
				t.Fatalf("step %d: ZRange\n got %s\nwant %s", step, zstr(got), zstr(m))
			}
			rev, _ := d.ZRangeArgs(ZRangeArgs{Key: "z", Start: "+inf", Stop: "-inf", ByScore: true, Rev: true, Offset: 1, Count: 3})
			var want []Z
			for i := len(m) - 2; i >= 0 && len(want) < 3; i-- {
				want = append(want, m[i])
			}
			if zstr(rev) != zstr(want) {
				t.Fatalf("step %d: ZRANGE BYSCORE REV LIMIT 1 3 = %s, want %s", step, zstr(rev), zstr(want))
			}
		}
	}
}

func TestZAddFlagsAndErrors(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	d.ZAdd("z", Z{1, "a"}, Z{2, "b"})
	cases := []struct {
		a    ZAddArgs
		n    int64
		err  string
		want string
	}{
		{ZAddArgs{NX: true, Members: []Z{{5, "a"}, {3, "c"}}}, 1, "", "a=1 b=2 c=3"},
		{ZAddArgs{XX: true, Ch: true, Members: []Z{{5, "a"}, {3, "d"}}}, 1, "", "b=2 c=3 a=5"},
		{ZAddArgs{GT: true, Ch: true, Members: []Z{{4, "a"}, {6, "b"}}}, 1, "", "c=3 a=5 b=6"},
		{ZAddArgs{LT: true, Members: []Z{{1, "c"}, {0, "e"}}}, 1, "", "e=0 c=1 a=5 b=6"},
		{ZAddArgs{NX: true, XX: true, Members: []Z{{1, "x"}}}, 0, "ERR XX and NX options at the same time are not compatible", ""},
		{ZAddArgs{GT: true, LT: true, Members: []Z{{1, "x"}}}, 0, "ERR GT, LT, and/or NX options at the same time are not compatible", ""},
	}
	for i, c := range cases {
		n, err := d.ZAddArgs("z", c.a)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("case %d: err %v, want %q", i, err, c.err)
			}
			continue
		}
		got, _ := d.ZRange("z", 0, -1)
		if err != nil || n != c.n || zstr(got) != c.want {
			t.Fatalf("case %d: %d %v %s; want %d %s", i, n, err, zstr(got), c.n, c.want)
		}
	}
	if _, err := d.ZAddArgsIncr("z", ZAddArgs{NX: true, Members: []Z{{1, "a"}}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ZADD NX INCR on an existing member: %v", err)
	}
	d.ZAdd("inf", Z{math.Inf(1), "a"})
	if _, err := d.ZIncrBy("inf", math.Inf(-1), "a"); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("inf + -inf: %v", err)
	}
	if s, _ := d.ZScore("inf", "a"); !math.IsInf(s, 1) {
		t.Fatalf("score changed by a failed ZINCRBY: %v", s)
	}
	d.Set("str", []byte("x"))
	if _, err := d.ZAdd("str", Z{1, "a"}); !errors.Is(err, ErrWrongType) {
		t.Fatalf("ZADD on a string: %v", err)
	}
}

func TestZSetEncodingAndUndo(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	if err := d.SetZSetMaxListpack(4, 8); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		d.ZAdd("z", Z{float64(i), fmt.Sprint("m", i)})
	}
	enc := func() string { oi, _ := d.Object("z"); return oi.Encoding }
	if enc() != "listpack" {
		t.Fatalf("4 members: %s", enc())
	}
	before := dump(t, d)
	// A failing step after the conversion undoes the members and the
	// encoding.
	boom := errors.New("boom")
	err := d.Update(func(tx *Tx) error {
		return tx.Try(func(tx *Tx) error {
			if _, err := tx.ZAdd("z", Z{9, "m9"}, Z{-1, "m0"}); err != nil {
				return err
			}
			if _, err := tx.ZRem("z", "m1"); err != nil {
				return err
			}
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := dump(t, d); got != before || enc() != "listpack" {
		t.Fatalf("after undo: %s (%s), want %s", got, enc(), before)
	}
	d.ZAdd("z", Z{9, "m9"})
	if enc() != "skiplist" {
		t.Fatalf("5 members: %s", enc())
	}
	d.ZAdd("long", Z{1, "123456789"})
	oi, _ := d.Object("long")
	if oi.Encoding != "skiplist" || oi.Type != "zset" {
		t.Fatalf("long member: %+v", oi)
	}
}

func TestZSetAlgebra(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	d.ZAdd("a", Z{1, "x"}, Z{2, "y"}, Z{3, "z"})
	d.ZAdd("b", Z{10, "y"}, Z{20, "z"}, Z{30, "w"})
	u, _ := d.ZUnion(ZStore{Keys: []string{"a", "b"}, Weights: []float64{2, 1}})
	if zstr(u) != "x=2 y=14 z=26 w=30" {
		t.Fatalf("ZUNION WEIGHTS 2 1: %s", zstr(u))
	}
	i, _ := d.ZInter(ZStore{Keys: []string{"a", "b"}, Aggregate: "max"})
	if zstr(i) != "y=10 z=20" {
		t.Fatalf("ZINTER AGGREGATE MAX: %s", zstr(i))
	}
	df, _ := d.ZDiff("a", "b", "missing")
	if zstr(df) != "x=1" {
		t.Fatalf("ZDIFF: %s", zstr(df))
	}
	n, _ := d.ZInterCard(1, "a", "b")
	if n != 1 {
		t.Fatalf("ZINTERCARD LIMIT 1: %d", n)
	}
	n, _ = d.ZUnionStore("dst", ZStore{Keys: []string{"a", "b"}})
	if n != 4 {
		t.Fatalf("ZUNIONSTORE: %d", n)
	}
	n, _ = d.ZInterStore("dst", ZStore{Keys: []string{"a", "missing"}})
	if ex, _ := d.Exists("dst"); n != 0 || ex != 0 {
		t.Fatalf("empty ZINTERSTORE leaves dst: %d %d", n, ex)
	}
	d.ZAdd("lex", Z{0, "a"}, Z{0, "b"}, Z{0, "c"}, Z{0, "d"})
	l, _ := d.ZRangeArgs(ZRangeArgs{Key: "lex", Start: "[b", Stop: "+", ByLex: true})
	if zstr(l) != "b=0 c=0 d=0" {
		t.Fatalf("BYLEX: %s", zstr(l))
	}
	l, _ = d.ZRangeArgs(ZRangeArgs{Key: "lex", Start: "(d", Stop: "-", ByLex: true, Rev: true})
	if zstr(l) != "c=0 b=0 a=0" {
		t.Fatalf("BYLEX REV: %s", zstr(l))
	}
	if n, _ := d.ZRemRangeByLex("lex", "[b", "(d"); n != 2 {
		t.Fatalf("ZREMRANGEBYLEX: %d", n)
	}
	if _, err := d.ZCount("a", "x", "1"); err == nil || !strings.Contains(err.Error(), "min or max is not a float") {
		t.Fatalf("bad bound: %v", err)
	}
}

func TestZSetBlocking(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	got := make(chan ZWithKey, 1)
	go func() {
		z, err := d.BZPopMax(context.Background(), 5*time.Second, "q1", "q2")
		if err != nil {
			t.Error(err)
		}
		got <- z
	}()
	// Wait for the waiter to register.
	for i := 0; d.br.blocked.n.Load() == 0; i++ {
		if i > 500 {
			t.Fatal("BZPopMax never blocked")
		}
		time.Sleep(2 * time.Millisecond)
	}
	d.ZAdd("q2", Z{1, "lo"}, Z{5, "hi"})
	select {
	case z := <-got:
		if z.Key != "q2" || z.Member != "hi" || z.Score != 5 {
			t.Fatalf("BZPopMax = %+v", z)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("BZPopMax not served")
	}
	if n, _ := d.ZCard("q2"); n != 1 {
		t.Fatalf("q2 has %d members", n)
	}
	if _, err := d.BZPopMin(context.Background(), 10*time.Millisecond, "none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("timeout: %v", err)
	}
	k, zs, err := d.BZMPop(context.Background(), time.Second, false, 5, "none", "q2")
	if err != nil || k != "q2" || zstr(zs) != "lo=1" {
		t.Fatalf("BZMPOP: %s %s %v", k, zstr(zs), err)
	}
}

func TestZSetRestartAndBranches(t *testing.T) {
	dir := t.TempDir()
	d := openDurable(t, Options{Dir: dir})
	for i := 0; i < 300; i++ {
		d.ZAdd("big", Z{float64(i % 17), fmt.Sprint("m", i)})
	}
	d.ZAdd("small", Z{math.Inf(-1), "ninf"}, Z{math.Copysign(0, -1), "negzero"}, Z{1.5, "x\x00y"})
	d.ZRem("big", "m3", "m4")
	d.ZAdd("big", Z{math.Copysign(0, -1), "negzero"})
	d.ZIncrBy("small", 2, "x\x00y")
	d.Expire("small", time.Hour)
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	dev, _ := d.Branch("dev")
	dev.ZAdd("big", Z{100, "m5"}, Z{-1, "new"})
	dev.ZRem("big", "m6")
	dev.ZPopMax("small", 1)
	d.ZAdd("big", Z{7, "mainonly"})
	d.Rename("small", "small2")
	d.Copy("big", "bigcopy", 1, false)
	wantMain, wantDev := dumpStore(t, d), dumpStore(t, dev)
	if wantMain == wantDev {
		t.Fatal("branches hold the same data")
	}
	d.Close()
	d = openDurable(t, Options{Dir: dir})
	dev, err := d.Branch("dev")
	if err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, d); got != wantMain {
		t.Fatalf("main after restart: %s", diffDumps(wantMain, got))
	}
	if got := dumpStore(t, dev); got != wantDev {
		t.Fatalf("dev after restart: %s", diffDumps(wantDev, got))
	}
	// As in Redis, a listpack set holds -0 as 0, a skiplist keeps -0.
	if s, _ := d.ZScore("small2", "negzero"); math.Signbit(s) {
		t.Fatal("-0 kept in a listpack set")
	}
	if s, err := d.ZScore("big", "negzero"); err != nil || !math.Signbit(s) {
		t.Fatalf("-0 of a skiplist set after restart: %v %v", s, err)
	}
	// Merge member by member: changes on one side come over, a member
	// changed on both sides is a conflict.
	dev.ZAdd("big", Z{1, "mainonly"}) // main has it at 7: a conflict
	res, err := d.Merge("dev", MainBranch, MergeArgs{})
	// ("small" conflicts as a whole: renamed on main, popped on dev.)
	if err != nil || len(res.Conflicts) != 2 || res.Conflicts[0].Key != "big" || fmt.Sprint(res.Conflicts[0].Fields) != "[mainonly]" {
		t.Fatalf("merge with a conflict: %+v %v", res, err)
	}
	dev.ZRem("big", "mainonly")
	res, err = d.Merge("dev", MainBranch, MergeArgs{OnConflict: ConflictOurs})
	if err != nil || res.Merged == 0 {
		t.Fatalf("merge: %+v %v", res, err)
	}
	s5, _ := d.ZScore("big", "m5")
	sNew, _ := d.ZScore("big", "new")
	_, err6 := d.ZScore("big", "m6")
	sMain, _ := d.ZScore("big", "mainonly")
	if s5 != 100 || sNew != -1 || !errors.Is(err6, ErrNotFound) || sMain != 7 {
		t.Fatalf("merged: m5=%v new=%v m6 %v mainonly=%v", s5, sNew, err6, sMain)
	}
}

func TestZSetSnapshots(t *testing.T) {
	d := openDurable(t, Options{Dir: t.TempDir()})
	for i := 0; i < 200; i++ {
		d.ZAdd("big", Z{float64(i % 7), fmt.Sprint("m", i)})
	}
	d.ZAdd("big", Z{math.Copysign(0, -1), "negzero"})
	d.ZAdd("small", Z{math.Inf(1), "top"}, Z{-2.5, "low"})
	d.Expire("small", time.Hour)
	saved := dumpStore(t, d)
	if err := d.SnapshotCreate("s1"); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(t.TempDir(), "z.rpz")
	if _, err := d.SnapshotExport(export); err != nil {
		t.Fatal(err)
	}
	d.ZRem("big", "m1", "m2")
	d.Del("small")
	if _, err := d.SnapshotRestore("s1"); err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, d); got != saved {
		t.Fatalf("after restore: %s", diffDumps(saved, got))
	}
	d2 := openDurable(t, Options{Dir: t.TempDir()})
	if _, err := d2.SnapshotImport(export); err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, d2); got != saved {
		t.Fatalf("after import: %s", diffDumps(saved, got))
	}
	if n, err := d2.MemoryUsage("big", 0); err != nil || n < 200*16 {
		t.Fatalf("MEMORY USAGE of 201 members: %d, %v", n, err)
	}
}

func TestZSetScanAndRandom(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	for i := 0; i < 500; i++ {
		d.ZAdd("z", Z{float64(i), fmt.Sprint("m", i)})
	}
	seen := map[string]float64{}
	cursor, calls := uint64(0), 0
	for {
		zs, next, err := d.ZScan("z", cursor, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			seen[z.Member] = z.Score
		}
		calls++
		if cursor = next; cursor == 0 {
			break
		}
	}
	if len(seen) != 500 || calls < 2 || seen["m42"] != 42 {
		t.Fatalf("ZSCAN of a skiplist set: %d members in %d calls", len(seen), calls)
	}
	small, _ := d.ZAdd("s", Z{2, "b"}, Z{1, "a"})
	zs, next, _ := d.ZScan("s", 0, "", 1)
	if small != 2 || next != 0 || zstr(zs) != "a=1 b=2" {
		t.Fatalf("ZSCAN of a listpack set: %s next %d", zstr(zs), next)
	}
	r, _ := d.ZRandMember("z", 10, true)
	uniq := map[string]bool{}
	for _, z := range r {
		uniq[z.Member] = true
		if seen[z.Member] != z.Score {
			t.Fatalf("ZRANDMEMBER score of %s: %v", z.Member, z.Score)
		}
	}
	if len(r) != 10 || len(uniq) != 10 {
		t.Fatalf("ZRANDMEMBER 10: %d members, %d distinct", len(r), len(uniq))
	}
	if r, _ := d.ZRandMember("s", -5, false); len(r) != 5 {
		t.Fatalf("ZRANDMEMBER -5: %d", len(r))
	}
	rev, _ := d.ZRangeArgs(ZRangeArgs{Key: "z", Start: "1", Stop: "3", Rev: true})
	if zstr(rev) != "m498=498 m497=497 m496=496" {
		t.Fatalf("ZREVRANGE 1 3: %s", zstr(rev))
	}
	if _, err := d.ZRangeArgs(ZRangeArgs{Key: "z", Start: "0", Stop: "1", Offset: 1}); err == nil {
		t.Fatal("LIMIT on a rank range accepted")
	}
}

func TestZSetBranchDiff(t *testing.T) {
	main, dev := branchPair(t, func(d *DB) { d.ZAdd("z", Z{1, "a"}, Z{2, "b"}, Z{3, "c"}) })
	dev.ZAdd("z", Z{5, "b"}, Z{4, "d"})
	dev.ZRem("z", "a")
	var got []DiffEntry
	for de, err := range main.Diff(MainBranch, "dev", DiffArgs{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, de)
	}
	if len(got) != 1 || got[0].Type != "zset" || fmt.Sprint(got[0].Fields) != "[a b d]" {
		t.Fatalf("Diff: %+v", got)
	}
}
