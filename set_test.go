package potato

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func sorted(ms []string, err error) string {
	if err != nil {
		return "err " + err.Error()
	}
	ms = slices.Clone(ms)
	slices.Sort(ms)
	return fmt.Sprintf("%q", ms)
}

func setEnc(t *testing.T, d *DB, key string) string {
	t.Helper()
	oi, err := d.Object(key)
	if err != nil {
		return "err " + err.Error()
	}
	return oi.Encoding
}

func TestSetCommands(t *testing.T) {
	d := newHashTestDB(t, Options{})
	d.Set("str", []byte("x"))
	check := func(what string, got any, want string) {
		t.Helper()
		if s := fmt.Sprint(got); s != want {
			t.Errorf("%s = %s, want %s", what, s, want)
		}
	}
	n, err := d.SAdd("s", "b", "a", "b", "c")
	check("SAdd", fmt.Sprint(n, err), "3 <nil>")
	n, _ = d.SAdd("s", "a", "d")
	check("SAdd again", n, "1")
	check("SMembers", sorted(d.SMembers("s")), `["a" "b" "c" "d"]`)
	is, _ := d.SIsMember("s", "c")
	check("SIsMember", is, "true")
	is, _ = d.SIsMember("nokey", "c")
	check("SIsMember nokey", is, "false")
	mis, _ := d.SMIsMember("s", "a", "zz", "d")
	check("SMIsMember", mis, "[true false true]")
	mis, _ = d.SMIsMember("nokey", "a")
	check("SMIsMember nokey", mis, "[false]")
	n, _ = d.SCard("s")
	check("SCard", n, "4")
	n, _ = d.SRem("s", "a", "zz")
	check("SRem", n, "1")
	n, _ = d.SRem("nokey", "a")
	check("SRem nokey", n, "0")

	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"SAdd wrong type", second(d.SAdd("str", "a")), ErrWrongType},
		{"SAdd no members", second(d.SAdd("s")), ErrInvalidArgument},
		{"SRem wrong type", second(d.SRem("str", "a")), ErrWrongType},
		{"SCard wrong type", second(d.SCard("str")), ErrWrongType},
		{"SPop missing", second(d.SPop("nokey")), ErrNotFound},
		{"SPopN negative", second(d.SPopN("s", -1)), ErrInvalidArgument},
		{"SRandMember missing", second(d.SRandMember("nokey")), ErrNotFound},
		{"SRandMemberN MinInt64", second(d.SRandMemberN("s", math.MinInt64)), ErrInvalidArgument},
		{"SRandMemberN huge negative", second(d.SRandMemberN("s", -1<<30)), ErrInvalidArgument},
		{"SInter wrong type", second(d.SInter("nokey", "str")), ErrWrongType},
		{"SInterCard no keys", second(d.SInterCard(0)), ErrInvalidArgument},
		{"SInterCard negative limit", second(d.SInterCard(-1, "s")), ErrInvalidArgument},
		{"SMove wrong dst", second(d.SMove("s", "str", "b")), ErrWrongType},
		{"SUnionStore wrong src", second(d.SUnionStore("dst", "s", "str")), ErrWrongType},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	// SMOVE from a missing key is 0 even when dst has the wrong type,
	// as in Redis.
	moved, err := d.SMove("nokey", "str", "b")
	check("SMove missing src", fmt.Sprint(moved, err), "false <nil>")

	// Set algebra; a missing key is the empty set.
	d.SAdd("x", "1", "2", "3", "a")
	d.SAdd("y", "2", "3", "4", "b")
	d.SAdd("z", "3", "b", "c")
	check("SInter", sorted(d.SInter("x", "y", "z")), `["3"]`)
	check("SInter missing", sorted(d.SInter("x", "nokey")), `[]`)
	check("SUnion", sorted(d.SUnion("x", "nokey", "z")), `["1" "2" "3" "a" "b" "c"]`)
	check("SDiff", sorted(d.SDiff("x", "y")), `["1" "a"]`)
	check("SDiff first missing", sorted(d.SDiff("nokey", "y")), `[]`)
	n, _ = d.SInterCard(0, "x", "y")
	check("SInterCard", n, "2")
	n, _ = d.SInterCard(1, "x", "y")
	check("SInterCard LIMIT 1", n, "1")
	n, _ = d.SInterStore("dst", "x", "y")
	check("SInterStore", n, "2")
	check("dst", sorted(d.SMembers("dst")), `["2" "3"]`)
	check("dst encoding", setEnc(t, d, "dst"), "intset")
	d.Expire("dst", time.Hour)
	n, _ = d.SUnionStore("dst", "dst", "z")
	check("SUnionStore over a source", n, "4")
	check("dst", sorted(d.SMembers("dst")), `["2" "3" "b" "c"]`)
	if ttl, _ := d.TTL("dst"); ttl != -1 {
		t.Errorf("SUNIONSTORE kept dst's TTL %v; Redis drops it", ttl)
	}
	n, _ = d.SDiffStore("dst", "x", "x")
	check("SDiffStore empty", n, "0")
	if e, _ := d.Exists("dst"); e != 0 {
		t.Error("an empty SDIFFSTORE result did not delete dst")
	}

	// SMOVE.
	moved, _ = d.SMove("x", "x", "1")
	check("SMove same key", moved, "true")
	moved, _ = d.SMove("x", "new", "1")
	check("SMove", moved, "true")
	check("x", sorted(d.SMembers("x")), `["2" "3" "a"]`)
	check("new", sorted(d.SMembers("new")), `["1"]`)
	moved, _ = d.SMove("x", "new", "zz")
	check("SMove non-member", moved, "false")

	// SPOP and SRANDMEMBER.
	d.SAdd("p", "a", "b", "c", "d", "e")
	m, _ := d.SPop("p")
	if is, _ := d.SIsMember("p", m); is {
		t.Errorf("SPop returned %q, still a member", m)
	}
	ms, _ := d.SPopN("p", 2)
	if len(ms) != 2 || ms[0] == ms[1] {
		t.Errorf("SPopN 2 = %q", ms)
	}
	ms, _ = d.SPopN("p", 10)
	if len(ms) != 2 {
		t.Errorf("SPopN past the size = %q, want the 2 left", ms)
	}
	if e, _ := d.Exists("p"); e != 0 {
		t.Error("SPopN of every member left the key")
	}
	ms, err = d.SPopN("p", 3)
	check("SPopN missing", fmt.Sprint(len(ms), err), "0 <nil>")
	d.SAdd("r", "a", "b", "c")
	ms, _ = d.SRandMemberN("r", 2)
	if len(ms) != 2 || ms[0] == ms[1] {
		t.Errorf("SRandMemberN 2 = %q: want 2 distinct members", ms)
	}
	check("SRandMemberN past size", sorted(d.SRandMemberN("r", 100)), `["a" "b" "c"]`)
	ms, _ = d.SRandMemberN("r", -7)
	if len(ms) != 7 {
		t.Errorf("SRandMemberN -7 gave %d members", len(ms))
	}
	ms, _ = d.SRandMemberN("r", 0)
	check("SRandMemberN 0", len(ms), "0")
}

func second[T any](_ T, err error) error { return err }

// TestSetRandomDistribution checks Redis's rules for random members: a
// negative count picks each member independently and uniformly (repeats
// allowed), a positive count a uniform subset without repeats.
func TestSetRandomDistribution(t *testing.T) {
	d := newHashTestDB(t, Options{})
	const size = 10
	for i := range size {
		d.SAdd("s", "m"+strconv.Itoa(i))
	}
	for _, count := range []int64{-20000, 3} {
		hits := map[string]int{}
		total := 0
		for total < 20000 {
			ms, err := d.SRandMemberN("s", count)
			if err != nil {
				t.Fatal(err)
			}
			if count > 0 {
				seen := map[string]bool{}
				for _, m := range ms {
					if seen[m] {
						t.Fatalf("count %d repeated %q: %q", count, m, ms)
					}
					seen[m] = true
				}
			}
			for _, m := range ms {
				hits[m]++
			}
			total += len(ms)
		}
		if len(hits) != size {
			t.Fatalf("count %d: %d distinct members picked, want %d", count, len(hits), size)
		}
		for m, h := range hits {
			// Expected total/size = 2000 each; 5 sigma is about 210.
			if exp := float64(total) / size; math.Abs(float64(h)-exp) > 300 {
				t.Errorf("count %d: member %s picked %d times, expected about %.0f", count, m, h, exp)
			}
		}
	}
}

// TestSetEncoding follows Redis 7.0's rules: a set created by an integer
// is an intset until a non-integer arrives or it passes
// set-max-intset-entries; then it is a hashtable for good.
func TestSetEncoding(t *testing.T) {
	d := newHashTestDB(t, Options{})
	for _, tc := range []struct {
		members []string
		want    string
	}{
		{[]string{"1", "2", "-3"}, "intset"},
		{[]string{"a"}, "hashtable"},
		{[]string{"1", "a"}, "hashtable"},
		{[]string{"007"}, "hashtable"}, // not canonical
		{[]string{"+1"}, "hashtable"},
		{[]string{"-0"}, "hashtable"},
		{[]string{"9223372036854775807", "-9223372036854775808"}, "intset"},
		{[]string{"9223372036854775808"}, "hashtable"},
	} {
		d.Del("e")
		d.SAdd("e", tc.members...)
		if got := setEnc(t, d, "e"); got != tc.want {
			t.Errorf("SADD %q: encoding %s, want %s", tc.members, got, tc.want)
		}
	}
	// An intset replies in ascending order.
	d.Del("e")
	d.SAdd("e", "5", "-1", "3", "100", "0")
	if got, _ := d.SMembers("e"); fmt.Sprint(got) != "[-1 0 3 5 100]" {
		t.Errorf("intset SMembers = %v, want ascending", got)
	}
	var big []string
	for i := range 512 {
		big = append(big, strconv.Itoa(i))
	}
	d.SAdd("b", big...)
	if got := setEnc(t, d, "b"); got != "intset" {
		t.Errorf("512 integers: %s, want intset", got)
	}
	d.SAdd("b", "512")
	if got := setEnc(t, d, "b"); got != "hashtable" {
		t.Errorf("513 integers: %s, want hashtable", got)
	}
	d.SRem("b", "512", "511")
	if got := setEnc(t, d, "b"); got != "hashtable" {
		t.Errorf("after SREM: %s; a hashtable stays one", got)
	}
	d.SetSetMaxIntsetEntries(2)
	if d.SetMaxIntsetEntries() != 2 {
		t.Errorf("SetMaxIntsetEntries = %d", d.SetMaxIntsetEntries())
	}
	d.SAdd("c", "1", "2")
	if got := setEnc(t, d, "c"); got != "intset" {
		t.Errorf("limit 2, 2 integers: %s", got)
	}
	d.SAdd("c", "3")
	if got := setEnc(t, d, "c"); got != "hashtable" {
		t.Errorf("limit 2, 3 integers: %s", got)
	}
	d.SetSetMaxIntsetEntries(0)
	d.SAdd("z", "1")
	if got := setEnc(t, d, "z"); got != "hashtable" {
		t.Errorf("limit 0: %s", got)
	}
	d.SetSetMaxIntsetEntries(math.MaxInt64)
	if d.SetMaxIntsetEntries() != math.MaxInt64 {
		t.Errorf("SetMaxIntsetEntries = %d, want MaxInt64", d.SetMaxIntsetEntries())
	}
	// The stored result of SINTERSTORE and friends starts as an intset.
	d.SetSetMaxIntsetEntries(512)
	d.SAdd("h1", "1", "2", "a")
	d.SAdd("h2", "1", "2", "b")
	d.SInterStore("i", "h1", "h2")
	if got := setEnc(t, d, "i"); got != "intset" {
		t.Errorf("SINTERSTORE of integers: %s, want intset", got)
	}
	if typ, _ := d.Type("i"); typ != "set" {
		t.Errorf("TYPE = %q", typ)
	}
}

func TestSetEvents(t *testing.T) {
	d := newHashTestDB(t, Options{})
	var mu sync.Mutex
	var got []string
	cancel := d.c.subscribe(func(m *Mutation) {
		mu.Lock()
		got = append(got, fmt.Sprintf("%s:%s", m.Op, m.Key))
		mu.Unlock()
	})
	defer cancel()
	d.Set("str", []byte("x"))
	d.SAdd("other", "o")
	steps := []struct {
		name string
		run  func()
		want []string
	}{
		{"SADD", func() { d.SAdd("s", "a", "b", "c") }, []string{"sadd:s"}},
		{"SADD nothing new", func() { d.SAdd("s", "a") }, nil},
		{"SREM", func() { d.SRem("s", "a") }, []string{"srem:s"}},
		{"SREM none", func() { d.SRem("s", "zz") }, nil},
		{"SPOP", func() { d.SPopN("s", 1) }, []string{"spop:s"}},
		{"SPOP all", func() { d.SPopN("s", 10) }, []string{"spop:s", "del:s"}},
		{"SMOVE", func() { d.SAdd("s", "a", "b"); d.SMove("s", "t", "a") }, []string{"sadd:s", "srem:s", "sadd:t"}},
		{"SMOVE last", func() { d.SMove("t", "s", "a") }, []string{"srem:t", "del:t", "sadd:s"}},
		{"SMOVE to a member", func() { d.SAdd("t", "a", "q"); d.SMove("s", "t", "a") }, []string{"sadd:t", "srem:s"}},
		{"SMOVE same key", func() { d.SMove("s", "s", "b") }, nil},
		{"SINTERSTORE", func() { d.SInterStore("d", "s", "s") }, []string{"sinterstore:d"}},
		{"SUNIONSTORE", func() { d.SUnionStore("d", "s", "t") }, []string{"sunionstore:d"}},
		{"SDIFFSTORE", func() { d.SDiffStore("d", "t", "s") }, []string{"sdiffstore:d"}},
		{"SDIFFSTORE empty", func() { d.SDiffStore("d", "s", "s") }, []string{"del:d"}},
		{"SINTERSTORE empty, no dst", func() { d.SInterStore("d", "s", "nokey") }, nil},
		{"SREM last", func() { d.SRem("s", "b") }, []string{"srem:s", "del:s"}},
		{"wrong type", func() { d.SAdd("str", "a") }, nil},
		{"reads", func() {
			d.SMembers("t")
			d.SInter("t", "other")
			d.SRandMemberN("t", -3)
			d.SScan("t", 0, "", 0)
		}, nil},
	}
	for _, st := range steps {
		mu.Lock()
		got = nil
		mu.Unlock()
		st.run()
		mu.Lock()
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: events %v, want %v", st.name, got, st.want)
		}
		mu.Unlock()
	}
}

// TestSetRollback checks that an Update that fails leaves every set as it
// was: members, encoding (a conversion is undone), deleted keys back,
// created ones gone, nothing published.
func TestSetRollback(t *testing.T) {
	d := newHashTestDB(t, Options{})
	d.SAdd("ints", "1", "2", "3")
	d.SAdd("strs", "a", "b", "c")
	d.SAdd("one", "x")
	d.SAdd("dst", "q")
	before := dumpStore(t, d)
	var published int
	cancel := d.c.subscribe(func(*Mutation) { published++ })
	defer cancel()
	boom := errors.New("boom")
	err := d.Update(func(tx *Tx) error {
		steps := []func() error{
			func() error { _, err := tx.SAdd("ints", "4", "a"); return err }, // converts
			func() error { _, err := tx.SRem("ints", "1", "a"); return err },
			func() error { _, err := tx.SPopN("strs", 2); return err },
			func() error { _, err := tx.SMove("one", "strs", "x"); return err }, // deletes one
			func() error { _, err := tx.SUnionStore("dst", "ints", "strs"); return err },
			func() error { _, err := tx.SAdd("created", "1"); return err },
			func() error { _, err := tx.SPopN("created", 5); return err },
			func() error { _, err := tx.SAdd("created2", "z"); return err },
		}
		for i, s := range steps {
			if err := s(); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if after := dumpStore(t, d); after != before {
		t.Errorf("after rollback: %s", diffDumps(before, after))
	}
	if got := setEnc(t, d, "ints"); got != "intset" {
		t.Errorf("ints after rollback: %s, want intset", got)
	}
	if got, _ := d.SMembers("ints"); fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("ints after rollback: %v", got)
	}
	if published != 0 {
		t.Errorf("%d mutations published by a rolled-back Update", published)
	}
}

// TestSetKeyCommands: TYPE, COPY, RENAME, MOVE, MEMORY USAGE and WATCH
// treat sets like any other value.
func TestSetKeyCommands(t *testing.T) {
	d := newHashTestDB(t, Options{})
	d.SAdd("s", "1", "2", "3")
	if ok, err := d.Copy("s", "c", 0, false); !ok || err != nil {
		t.Fatalf("Copy = %v %v", ok, err)
	}
	d.SAdd("c", "4")
	if n, _ := d.SCard("s"); n != 3 {
		t.Errorf("SADD to a copy changed the original: %d members", n)
	}
	if err := d.Rename("c", "r"); err != nil {
		t.Fatal(err)
	}
	if got := sorted(d.SMembers("r")); got != `["1" "2" "3" "4"]` {
		t.Errorf("renamed: %s", got)
	}
	if ok, _ := d.Move("r", 1); !ok {
		t.Fatal("Move failed")
	}
	d1, _ := d.Select(1)
	if got := sorted(d1.SMembers("r")); got != `["1" "2" "3" "4"]` {
		t.Errorf("moved: %s", got)
	}
	small, _ := d.MemoryUsage("s", 0)
	var big []string
	for i := range 1000 {
		big = append(big, "member-"+strconv.Itoa(i))
	}
	d.SAdd("big", big...)
	large, _ := d.MemoryUsage("big", 0)
	if small <= 0 || large < 20*small {
		t.Errorf("MEMORY USAGE: 3 ints %d, 1000 strings %d", small, large)
	}
	w := d.WatchKeys("s")
	d.SAdd("s", "1") // no change: the WATCH holds
	if w.Changed() {
		t.Error("a SADD that added nothing touched the watched set")
	}
	d.SRem("s", "1")
	if !w.Changed() {
		t.Error("SREM of a watched set did not touch it")
	}
	w = d.WatchKeys("s")
	if err := d.Update(func(tx *Tx) error {
		if err := tx.Check(w); err != nil {
			return err
		}
		_, err := tx.SAdd("s", "9")
		return err
	}); err != nil {
		t.Errorf("EXEC-like Update with an untouched WATCH: %v", err)
	}
}

// TestSetPersistence restarts a durable store with sets of both
// encodings, on main and on a branch that changed a set copied from main
// (an overlay on disk), and after kill-like reopen; the data and the
// branches come back.
func TestSetPersistence(t *testing.T) {
	dir := t.TempDir()
	d := openDurable(t, Options{Dir: dir})
	var ints []string
	for i := range 600 {
		ints = append(ints, strconv.Itoa(i*7))
	}
	d.SAdd("ints", ints[:100]...)
	d.SAdd("bigints", ints...)
	d.SAdd("strs", "a", "b", "c", "\x00bin\xff", "")
	d.SAdd("gone", "x")
	d.SRem("gone", "x")
	d.SAdd("ttl", "1")
	d.Expire("ttl", time.Hour)
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	dev, _ := d.Branch("dev")
	dev.SAdd("strs", "d")
	dev.SRem("strs", "a", "")
	dev.SRem("ints", "0", "7")
	dev.SAdd("ints", "x") // converts on the branch
	dev.SAdd("devonly", "z")
	dev.SPopN("bigints", 1000)
	d.SAdd("strs", "main")
	want := dumpStore(t, d)
	wantDev := dumpStore(t, dev)
	if want == wantDev {
		t.Fatal("branches should differ")
	}
	d.Close()
	d = openDurable(t, Options{Dir: dir})
	dev, err := d.Branch("dev")
	if err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, d); got != want {
		t.Errorf("main after restart: %s", diffDumps(want, got))
	}
	if got := dumpStore(t, dev); got != wantDev {
		t.Errorf("dev after restart: %s", diffDumps(wantDev, got))
	}
	if got := setEnc(t, d, "bigints"); got != "hashtable" {
		t.Errorf("600 integers after restart: %s", got)
	}
	if got := setEnc(t, d, "ints"); got != "intset" {
		t.Errorf("100 integers after restart: %s", got)
	}
	if got := setEnc(t, dev, "ints"); got != "hashtable" {
		t.Errorf("dev's converted set after restart: %s", got)
	}
	// Changes after the restart (on the loaded overlay), then a merge of
	// dev into main, member by member, persisted too.
	dev.SAdd("strs", "e")
	d.SAdd("strs", "f")
	res, err := d.Merge("dev", MainBranch, MergeArgs{})
	if err != nil || len(res.Conflicts) != 0 {
		t.Fatalf("Merge = %+v, %v", res, err)
	}
	if got := sorted(d.SMembers("strs")); got != `["\x00bin\xff" "b" "c" "d" "e" "f" "main"]` {
		t.Errorf("merged strs: %s", got)
	}
	want = dumpStore(t, d)
	d.Close()
	d = openDurable(t, Options{Dir: dir})
	if got := dumpStore(t, d); got != want {
		t.Errorf("main after merge and restart: %s", diffDumps(want, got))
	}
}

// TestSetBranchDiff: BRANCH DIFF lists a set's differing members.
func TestSetBranchDiff(t *testing.T) {
	d := newHashTestDB(t, Options{})
	d.SAdd("s", "a", "b", "c")
	if err := d.CreateBranch("b", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	b, _ := d.Branch("b")
	b.SRem("s", "a")
	b.SAdd("s", "z")
	var got []string
	for de, err := range d.Diff(MainBranch, "b", DiffArgs{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %v", de.Key, de.Type, de.Fields))
	}
	if fmt.Sprint(got) != "[s set [a z]]" {
		t.Errorf("Diff = %q", got)
	}
}

// TestSetPersistFault: when the durable write fails, every set command
// is undone from its Edits (members, encoding, deleted keys) and replies
// ErrPersistence; once the device recovers the data is as acknowledged.
func TestSetPersistFault(t *testing.T) {
	fs := &faultFS{FS: vfs.NewMem()}
	d := openDurable(t, Options{Dir: "/data", fs: fs, Fsync: FsyncAlways})
	d.SAdd("ints", "1", "2", "3")
	d.SAdd("strs", "a", "b")
	d.SAdd("one", "x")
	want := dumpStore(t, d)
	fs.setWriteErr(syscall.ENOSPC)
	for name, f := range map[string]func() error{
		"SADD converting": func() error { return second(d.SAdd("ints", "z")) },
		"SREM":            func() error { return second(d.SRem("strs", "a")) },
		"SPOP all":        func() error { return second(d.SPopN("strs", 10)) },
		"SMOVE last":      func() error { return second(d.SMove("one", "ints", "x")) },
		"SINTERSTORE":     func() error { return second(d.SInterStore("one", "ints", "ints")) },
		"SADD new key":    func() error { return second(d.SAdd("new", "1")) },
	} {
		if err := f(); !errors.Is(err, ErrPersistence) {
			t.Errorf("%s under fault: %v, want ErrPersistence", name, err)
		}
	}
	if got := dumpStore(t, d); got != want {
		t.Errorf("after failed writes: %s", diffDumps(want, got))
	}
	if enc := setEnc(t, d, "ints"); enc != "intset" {
		t.Errorf("ints after an undone conversion: %s", enc)
	}
	fs.setWriteErr(nil)
	waitWritable(t, d, "k", "v")
	d.SAdd("ints", "4")
	want = dumpStore(t, d)
	d.Close()
	d = openDurable(t, Options{Dir: "/data", fs: fs, Fsync: FsyncAlways})
	if got := dumpStore(t, d); got != want {
		t.Errorf("after restart: %s", diffDumps(want, got))
	}
}

// TestSetSnapshots: SNAPSHOT CREATE/RESTORE and EXPORT/IMPORT carry sets
// of both encodings, including one changed on a branch.
func TestSetSnapshots(t *testing.T) {
	dir := t.TempDir()
	d := openDurable(t, Options{Dir: dir})
	var ints []string
	for i := range 600 {
		ints = append(ints, strconv.Itoa(i))
	}
	d.SAdd("big", ints...)
	d.SAdd("small", "1", "2")
	d.SAdd("strs", "a", "\x00")
	want := dumpStore(t, d)
	if err := d.SnapshotCreate("snap"); err != nil {
		t.Fatal(err)
	}
	path := dir + "/sets.export"
	if _, err := d.SnapshotExport(path); err != nil {
		t.Fatal(err)
	}
	d.SRem("big", "1")
	d.SAdd("strs", "later")
	d.Del("small")
	if _, err := d.SnapshotRestore("snap"); err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, d); got != want {
		t.Errorf("after SnapshotRestore: %s", diffDumps(want, got))
	}
	d.FlushAll()
	if _, err := d.SnapshotImport(path); err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, d); got != want {
		t.Errorf("after SnapshotImport: %s", diffDumps(want, got))
	}
	if enc := setEnc(t, d, "small"); enc != "intset" {
		t.Errorf("imported small set: %s", enc)
	}
}
