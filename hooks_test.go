package potato

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func addHook(t *testing.T, d *DB, h Hook) {
	t.Helper()
	if err := d.AddHook(h); err != nil {
		t.Fatalf("AddHook(%s): %v", h.Name, err)
	}
}

// wantReject checks that err is hook name's rejection.
func wantReject(t *testing.T, err error, name string) {
	t.Helper()
	var he *HookError
	if !errors.As(err, &he) || he.Hook != name || !errors.Is(err, ErrHookRejected) {
		t.Fatalf("err = %v, want a rejection by hook %s", err, name)
	}
	if !strings.HasPrefix(err.Error(), "HOOK "+name+": ") {
		t.Fatalf("text %q", err.Error())
	}
}

func TestHookBuiltins(t *testing.T) {
	schema := `{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}}}`
	cases := []struct {
		kind   string
		args   []string
		value  string
		want   string // the stored value; "" with reject
		reject bool
	}{
		{"int", nil, "42", "42", false},
		{"int", nil, "-9223372036854775808", "-9223372036854775808", false},
		{"int", nil, "4.2", "", true},
		{"int", nil, " 1", "", true},
		{"int", nil, "", "", true},
		{"int", []string{"0", "150"}, "150", "150", false},
		{"int", []string{"0", "150"}, "151", "", true},
		{"int", []string{"0", "150"}, "-1", "", true},
		{"float", nil, "1.5e3", "1.5e3", false},
		{"float", nil, "nan", "", true},
		{"float", nil, "inf", "", true},
		{"float", nil, "abc", "", true},
		{"float", []string{"0", "1"}, "0.5", "0.5", false},
		{"float", []string{"0", "1"}, "1.01", "", true},
		{"json", nil, `{"a":[1,2]}`, `{"a":[1,2]}`, false},
		{"json", nil, `{"a":`, "", true},
		{"json-schema", []string{schema}, `{"name":"ann","age":3}`, `{"name":"ann","age":3}`, false},
		{"json-schema", []string{schema}, `{"age":3}`, "", true},
		{"json-schema", []string{schema}, `{"name":"ann","age":-1}`, "", true},
		{"json-schema", []string{schema}, `not json`, "", true},
		{"maxlen", []string{"3"}, "abc", "abc", false},
		{"maxlen", []string{"3"}, "abcd", "", true},
		{"regex", []string{`^[a-z]+@[a-z.]+$`}, "ann@example.com", "ann@example.com", false},
		{"regex", []string{`^[a-z]+@[a-z.]+$`}, "ann at example", "", true},
		{"regex", []string{`(a+)+$`}, strings.Repeat("a", 5000) + "!", "", true}, // RE2: linear, no blow-up
		{"enum", []string{"red", "green"}, "green", "green", false},
		{"enum", []string{"red", "green"}, "blue", "", true},
		{"not-empty", nil, "x", "x", false},
		{"not-empty", nil, "", "", true},
		{"lower", nil, "AnN@ÉXample.COM", "ann@éxample.com", false},
		{"upper", nil, "abc", "ABC", false},
		{"trim", nil, "  a b \t\n", "a b", false},
		{"json-compact", nil, "{ \"a\" : [ 1, 2 ] }", `{"a":[1,2]}`, false},
		{"json-compact", nil, "{", "", true},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%d-%s", i, tc.kind), func(t *testing.T) {
			d, _ := Open(Options{})
			defer d.Close()
			addHook(t, d, Hook{Name: "h", Pattern: "k:*", Builtin: tc.kind, Args: tc.args})
			// HOOK TEST and a real write agree.
			tv, terr := d.TestHook("h", "k:1", []byte(tc.value))
			err := d.Set("k:1", []byte(tc.value))
			if tc.reject {
				wantReject(t, err, "h")
				wantReject(t, terr, "h")
				if _, err := d.Get("k:1"); !errors.Is(err, ErrNotFound) {
					t.Fatalf("rejected value stored: %v", err)
				}
				return
			}
			if err != nil || terr != nil {
				t.Fatalf("Set: %v, TestHook: %v", err, terr)
			}
			got, _ := d.Get("k:1")
			if string(got) != tc.want || string(tv) != tc.want {
				t.Fatalf("stored %q, tested %q, want %q", got, tv, tc.want)
			}
			// A key the pattern does not match is left alone.
			if err := d.Set("other", []byte(tc.value)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestHookBadDefinitions(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	bad := []Hook{
		{Name: "", Pattern: "*", Builtin: "int"},
		{Name: "a", Pattern: "", Builtin: "int"},
		{Name: "a", Pattern: "*", Builtin: "nope"},
		{Name: "a", Pattern: "*", Builtin: "int", Args: []string{"1"}},
		{Name: "a", Pattern: "*", Builtin: "int", Args: []string{"5", "1"}},
		{Name: "a", Pattern: "*", Builtin: "regex", Args: []string{"("}},
		{Name: "a", Pattern: "*", Builtin: "json-schema", Args: []string{`{"$ref":"file:///etc/passwd"}`}},
		{Name: "a", Pattern: "*", Builtin: "json-schema", Args: []string{`{`}},
		{Name: "a", Pattern: "*", Builtin: "maxlen", Args: []string{"-1"}},
		{Name: "a", Pattern: "*", Builtin: "default-ttl", Args: []string{"0"}},
		{Name: "a", Pattern: "*", Builtin: "enum"},
		{Name: "a", Pattern: "*"},
		{Name: "a", Pattern: "*", Builtin: "int", Func: func(*HookContext) error { return nil }},
	}
	for _, h := range bad {
		if err := d.AddHook(h); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("AddHook(%+v) = %v, want ErrInvalidArgument", h, err)
		}
	}
	addHook(t, d, Hook{Name: "a", Pattern: "*", Builtin: "int"})
	if err := d.AddHook(Hook{Name: "a", Pattern: "*", Builtin: "int"}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := d.RemoveHook("a"); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveHook("a"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("RemoveHook of a missing hook: %v", err)
	}
	if len(d.Hooks()) != 0 {
		t.Fatal("hooks left")
	}
}

func TestHookCompositionOrder(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	var order []string
	trace := func(name string) func(*HookContext) error {
		return func(hc *HookContext) error {
			order = append(order, name+"<"+string(hc.Value)+">")
			return nil
		}
	}
	// Priority first, then name; hooks from exact, prefix and wild
	// patterns interleave in that one order.
	addHook(t, d, Hook{Name: "b-trim", Pattern: "e:*", Builtin: "trim"})
	addHook(t, d, Hook{Name: "a-lower", Pattern: "e:*", Builtin: "lower"})
	addHook(t, d, Hook{Name: "z-first", Pattern: "*", Priority: -1, Func: trace("z-first")})
	addHook(t, d, Hook{Name: "c-seen", Pattern: "e:1", Func: trace("c-seen")})
	addHook(t, d, Hook{Name: "y-last", Pattern: "?:1", Priority: 5, Func: trace("y-last")})
	addHook(t, d, Hook{Name: "max", Pattern: "e:*", Priority: 6, Builtin: "maxlen", Args: []string{"3"}})
	if err := d.Set("e:1", []byte(" ABC ")); err != nil {
		t.Fatal(err)
	}
	want := "z-first< ABC >,c-seen<abc>,y-last<abc>"
	if got := strings.Join(order, ","); got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
	if v, _ := d.Get("e:1"); string(v) != "abc" {
		t.Fatalf("stored %q", v)
	}
	// maxlen runs after the transforms: it judges their result.
	wantReject(t, d.Set("e:1", []byte("  ABCD")), "max")
	names := []string{}
	for _, h := range d.Hooks() {
		names = append(names, h.Name)
	}
	if got := strings.Join(names, ","); got != "z-first,a-lower,b-trim,c-seen,y-last,max" {
		t.Fatalf("Hooks() order %s", got)
	}
	hi := d.Hooks()[5]
	if hi.Calls != 2 || hi.Rejections != 1 || hi.Kind() != "builtin" {
		t.Fatalf("max counters %+v", hi)
	}
}

func TestHookOpsFilterAndContext(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	var seen []string
	addHook(t, d, Hook{Name: "ctx", Pattern: "*", Func: func(hc *HookContext) error {
		seen = append(seen, fmt.Sprintf("%s %s db%d %s f=%q i=%d old=%q new=%q", hc.Op, hc.Key, hc.DB, hc.Branch, hc.Field, hc.Index, hc.Old, hc.Value))
		return nil
	}})
	addHook(t, d, Hook{Name: "only-hset", Pattern: "*", Ops: []string{"HSET"}, Builtin: "int"})
	d.Set("s", []byte("a"))
	d.Append("s", []byte("b"))
	d.Incr("n")
	d.HSet("h", FieldValue{"f", []byte("1")})
	if _, err := d.HSet("h", FieldValue{"f", []byte("x")}); err == nil {
		t.Fatal("only-hset did not run on hset")
	}
	d.HIncrBy("h", "f", 2)
	d.RPush("l", []byte("x"), []byte("y"))
	d.LPush("l", []byte("w"))
	d.LSet("l", 1, []byte("X"))
	d.LInsert("l", InsertBefore, []byte("y"), []byte("i"))
	d.Copy("s", "s2", 1, false)
	want := []string{
		`set s db0 main f="" i=-1 old="" new="a"`,
		`append s db0 main f="" i=-1 old="a" new="ab"`,
		`incrby n db0 main f="" i=-1 old="" new="1"`,
		`hset h db0 main f="f" i=-1 old="" new="1"`,
		`hset h db0 main f="f" i=-1 old="1" new="x"`,
		`hincrby h db0 main f="f" i=-1 old="1" new="3"`,
		`rpush l db0 main f="" i=0 old="" new="x"`,
		`rpush l db0 main f="" i=1 old="" new="y"`,
		`lpush l db0 main f="" i=0 old="" new="w"`,
		`lset l db0 main f="" i=1 old="x" new="X"`,
		`linsert l db0 main f="" i=2 old="" new="i"`,
		`copy_to s2 db1 main f="" i=-1 old="" new="ab"`,
	}
	if got, w := strings.Join(seen, "\n"), strings.Join(want, "\n"); got != w {
		t.Fatalf("hooks saw\n%s\nwant\n%s", got, w)
	}
}

// observe counts what a store announces, so that a test can check that a
// rejected write announced nothing.
type observed struct {
	muts atomic.Int64
}

func observe(d *DB) *observed {
	o := &observed{}
	d.c.subscribe(func(*Mutation) { o.muts.Add(1) })
	return o
}

func timelineLen(t *testing.T, d *DB) int {
	n := 0
	for _, err := range d.Timeline(TimelineArgs{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// Every write family: a rejection leaves data, events, timeline, WATCH and
// disk exactly as before.
func TestHookRejectionLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	d := openDurable(t, Options{Dir: dir})
	addHook(t, d, Hook{Name: "num", Pattern: "n*", Builtin: "int", Args: []string{"0", "100"}})
	// Set up one key of each type.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Set("n:s", []byte("5")))
	_, err := d.HSet("n:h", FieldValue{"a", []byte("1")}, FieldValue{"b", []byte("2")})
	must(err)
	_, err = d.RPush("n:l", []byte("1"), []byte("2"))
	must(err)
	must(d.Set("src", []byte("abc")))
	must(d.JSONSet("n:j", "$", 5))
	before := dumpStore(t, d)
	obs := observe(d)
	tl := timelineLen(t, d)
	w := d.WatchKeys("n:s", "n:h", "n:l", "n:new", "n:j")
	defer w.Close()
	writes := map[string]func() error{
		"set":      func() error { return d.Set("n:s", []byte("x")) },
		"set-new":  func() error { return d.Set("n:new", []byte("101")) },
		"mset":     func() error { return d.MSet(KeyValue{"n:new", []byte("1")}, KeyValue{"n:s", []byte("no")}) },
		"append":   func() error { _, err := d.Append("n:s", []byte("00")); return err },
		"setrange": func() error { _, err := d.SetRange("n:s", 0, []byte("x")); return err },
		"incrby":   func() error { _, err := d.IncrBy("n:s", 96); return err },
		"hset": func() error {
			_, err := d.HSet("n:h", FieldValue{"c", []byte("3")}, FieldValue{"a", []byte("x")})
			return err
		},
		"hset-new":  func() error { _, err := d.HSet("n:new", FieldValue{"c", []byte("-3")}); return err },
		"hincrby":   func() error { _, err := d.HIncrBy("n:h", "a", 100); return err },
		"rpush":     func() error { _, err := d.RPush("n:l", []byte("3"), []byte("x")); return err },
		"lpush-new": func() error { _, err := d.LPush("n:new", []byte("x")); return err },
		"lset":      func() error { return d.LSet("n:l", 0, []byte("x")) },
		"linsert":   func() error { _, err := d.LInsert("n:l", InsertBefore, []byte("2"), []byte("x")); return err },
		"copy":      func() error { _, err := d.Copy("src", "n:new", 0, false); return err },
		"rename":    func() error { return d.Rename("src", "n:new") },
		"json":      func() error { return d.JSONSet("n:j", "$", 500) },
		"update": func() error {
			return d.Update(func(tx *Tx) error {
				if err := tx.Set("n:new", []byte("7")); err != nil {
					return err
				}
				return tx.Set("n:s", []byte("700"))
			})
		},
	}
	for name, f := range writes {
		err := f()
		var he *HookError
		if !errors.As(err, &he) || he.Hook != "num" {
			t.Errorf("%s: err = %v, want a rejection by num", name, err)
		}
	}
	if got := dumpStore(t, d); got != before {
		t.Fatalf("data changed:\n%s\nwant\n%s", got, before)
	}
	if n := obs.muts.Load(); n != 0 {
		t.Fatalf("%d mutations announced", n)
	}
	if n := timelineLen(t, d); n != tl {
		t.Fatalf("timeline grew from %d to %d", tl, n)
	}
	if w.Changed() {
		t.Fatal("a rejected write bumped a WATCH")
	}
	d.Close()
	d2 := openDurable(t, Options{Dir: dir})
	if got := dumpStore(t, d2); got != before {
		t.Fatalf("disk changed:\n%s\nwant\n%s", got, before)
	}
}

func TestHookTryUndoesOnlyTheStep(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	addHook(t, d, Hook{Name: "num", Pattern: "n:*", Builtin: "int"})
	var errs []error
	err := d.Update(func(tx *Tx) error {
		errs = append(errs, tx.Try(func(tx *Tx) error { return tx.Set("n:1", []byte("1")) }))
		errs = append(errs, tx.Try(func(tx *Tx) error {
			tx.Set("n:2", []byte("2"))
			return tx.Set("n:3", []byte("three"))
		}))
		errs = append(errs, tx.Try(func(tx *Tx) error { return tx.Set("n:4", []byte("4")) }))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("errs %v", errs)
	}
	wantReject(t, errs[1], "num")
	for k, want := range map[string]bool{"n:1": true, "n:2": false, "n:3": false, "n:4": true} {
		if _, err := d.Get(k); (err == nil) != want {
			t.Errorf("%s present=%v, want %v", k, err == nil, want)
		}
	}
}

func TestHookGoFunc(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	addHook(t, d, Hook{Name: "stamp", Pattern: "doc:*", Ops: []string{"set"}, Func: func(hc *HookContext) error {
		if hc.Old != nil && string(hc.Old) == "frozen" {
			return errors.New("key is frozen")
		}
		hc.Value = append([]byte("v:"), hc.Value...)
		return nil
	}})
	addHook(t, d, Hook{Name: "boom", Pattern: "boom", Func: func(hc *HookContext) error { panic("kaboom\r\nline") }})
	addHook(t, d, Hook{Name: "writer", Pattern: "w", Func: func(hc *HookContext) error { return hc.Tx.Set("other", nil) }})
	if err := d.Set("doc:1", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Get("doc:1"); string(v) != "v:a" {
		t.Fatalf("got %q", v)
	}
	if err := d.Update(func(tx *Tx) error { return tx.Set("x", []byte("frozen")) }); err != nil {
		t.Fatal(err)
	}
	d.Rename("x", "doc:2") // rename_to: not an op of stamp
	if v, _ := d.Get("doc:2"); string(v) != "frozen" {
		t.Fatalf("rename got %q", v)
	}
	err := d.Set("doc:2", []byte("b"))
	if err == nil || err.Error() != "HOOK stamp: key is frozen" {
		t.Fatalf("err %v", err)
	}
	err = d.Set("boom", []byte("1"))
	wantReject(t, err, "boom")
	if strings.ContainsAny(err.Error(), "\r\n") || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("panic text %q", err)
	}
	wantReject(t, d.Set("w", []byte("1")), "writer")
	if _, err := d.Get("other"); !errors.Is(err, ErrNotFound) {
		t.Fatal("a hook wrote")
	}
}

func TestHookDefaultTTL(t *testing.T) {
	clk := newTestClock()
	d, _ := Open(Options{Clock: clk, ExpiryInterval: -1})
	defer d.Close()
	addHook(t, d, Hook{Name: "ttl", Pattern: "session:*", Builtin: "default-ttl", Args: []string{"60"}})
	d.Set("session:1", []byte("a"))
	d.SetArgs("session:2", []byte("a"), SetArgs{TTL: 5 * time.Second})
	d.Set("plain", []byte("a"))
	d.Set("x", []byte("a"))
	d.Rename("x", "session:3")
	// New containers get it too; an existing one keeps its deadline (or
	// none) when an element is added.
	d.HSet("session:h", FieldValue{"f", []byte("1")})
	d.RPush("session:l", []byte("a"))
	d.SAdd("session:s", "m")
	d.ZAdd("session:z", Z{Member: "m", Score: 1})
	d.HSet("old", FieldValue{"f", []byte("1")})
	d.Rename("old", "session:old")
	d.HSet("session:old", FieldValue{"g", []byte("2")})
	clk.Advance(time.Second)
	d.HSet("session:h", FieldValue{"g", []byte("2")}) // not new: the TTL runs on
	for k, want := range map[string]time.Duration{"session:1": 59 * time.Second, "session:2": 4 * time.Second, "plain": -1,
		"session:3": 59 * time.Second, "session:h": 59 * time.Second, "session:l": 59 * time.Second,
		"session:s": 59 * time.Second, "session:z": 59 * time.Second, "session:old": -1} {
		got, err := d.TTL(k)
		if err != nil || got != want {
			t.Errorf("TTL(%s) = %v, %v; want %v", k, got, err, want)
		}
	}
}

func TestHookBranchFilter(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	dev, err := d.Branch("dev")
	if err != nil {
		t.Fatal(err)
	}
	addHook(t, d, Hook{Name: "strict", Pattern: "*", Branch: "main", Builtin: "int"})
	addHook(t, d, Hook{Name: "everywhere", Pattern: "*", Builtin: "maxlen", Args: []string{"5"}})
	wantReject(t, d.Set("k", []byte("abc")), "strict")
	if err := dev.Set("k", []byte("abc")); err != nil {
		t.Fatalf("dev: %v", err)
	}
	wantReject(t, dev.Set("k", []byte("abcdef")), "everywhere")
}

func TestHookPersistence(t *testing.T) {
	dir := t.TempDir()
	d := openDurable(t, Options{Dir: dir})
	addHook(t, d, Hook{Name: "age", Pattern: "age:*", Ops: []string{"set"}, Builtin: "int", Args: []string{"0", "150"}, Priority: 2})
	addHook(t, d, Hook{Name: "mail", Pattern: "email:*", Builtin: "lower"})
	addHook(t, d, Hook{Name: "gone", Pattern: "*", Builtin: "not-empty"})
	addHook(t, d, Hook{Name: "go", Pattern: "*", Func: func(*HookContext) error { return errors.New("no") }})
	if err := d.RemoveHook("gone"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d = openDurable(t, Options{Dir: dir})
	hs := d.Hooks()
	if len(hs) != 2 || hs[0].Name != "mail" || hs[1].Name != "age" || hs[1].Priority != 2 || hs[1].Args[1] != "150" || hs[1].Ops[0] != "set" {
		t.Fatalf("hooks after restart: %+v", hs)
	}
	wantReject(t, d.Set("age:1", []byte("200")), "age")
	d.Set("email:1", []byte("A@B"))
	if v, _ := d.Get("email:1"); string(v) != "a@b" {
		t.Fatalf("got %q", v)
	}
}

func TestHookFunctionRunner(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	addHook(t, d, Hook{Name: "fn", Pattern: "f:*", Function: "myfn"})
	// No runner: fail closed.
	wantReject(t, d.Set("f:1", []byte("a")), "fn")
	d.SetHookFunctionRunner(func(name string, hc *HookContext) error {
		if string(hc.Value) == "bad" {
			return &HookError{Hook: hc.Hook, Reason: "ERR " + name + " says no"}
		}
		hc.Value = []byte(strings.ToUpper(string(hc.Value)))
		return nil
	})
	if err := d.Set("f:1", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Get("f:1"); string(v) != "A" {
		t.Fatalf("got %q", v)
	}
	if err := d.Set("f:1", []byte("bad")); err == nil || err.Error() != "HOOK fn: ERR myfn says no" {
		t.Fatalf("err %v", err)
	}
}

func TestHookContainerCopyValidated(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	d.HSet("h", FieldValue{"a", []byte("1")}, FieldValue{"b", []byte("x")})
	d.RPush("l", []byte("1"), []byte("2"))
	addHook(t, d, Hook{Name: "num", Pattern: "n:*", Builtin: "int"})
	if _, err := d.Copy("h", "n:h", 0, false); err == nil {
		t.Fatal("copy of a hash with a non-integer field passed")
	}
	if ok, err := d.Copy("l", "n:l", 0, false); err != nil || !ok {
		t.Fatalf("copy of a valid list: %v %v", ok, err)
	}
	addHook(t, d, Hook{Name: "low", Pattern: "n:*", Builtin: "lower"})
	// Lower-casing digits changes nothing: allowed.
	if err := d.Rename("l", "n:l2"); err != nil {
		t.Fatal(err)
	}
	// Every element is checked, the last one too; members of sets as well.
	d.RPush("bad", []byte("1"), []byte("x"))
	if _, err := d.Copy("bad", "n:bad", 0, false); err == nil {
		t.Fatal("copy of a list whose last element is not an integer passed")
	}
	d.SAdd("s", "1", "y")
	if _, err := d.Copy("s", "n:s", 0, false); err == nil {
		t.Fatal("copy of a set with a non-integer member passed")
	}
	if _, err := d.SAdd("n:s2", "3", "z"); err == nil {
		t.Fatal("SADD of a non-integer member under an int hook passed")
	}
	if n, _ := d.Exists("n:s2"); n != 0 {
		t.Fatal("the rejected SADD left its key")
	}
}

func TestHookJSONAndBranchCopyUp(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	schema := `{"type":"object","properties":{"n":{"type":"integer","maximum":10}}}`
	if err := d.JSONSet("j", "$", `{"n":1}`); err != nil {
		t.Fatal(err)
	}
	d.HSet("h", FieldValue{"a", []byte("1")})
	if err := d.CreateBranch("dev", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	dev, _ := d.Branch("dev")
	addHook(t, d, Hook{Name: "schema", Pattern: "j", Builtin: "json-schema", Args: []string{schema}})
	addHook(t, d, Hook{Name: "breaker", Pattern: "j", Priority: 1, Ops: []string{"json.merge"}, Func: func(hc *HookContext) error {
		hc.Value = []byte("{broken")
		return nil
	}})
	addHook(t, d, Hook{Name: "num", Pattern: "h", Builtin: "int"})
	// JSON paths: the hooks judge the whole resulting document.
	if err := dev.JSONSet("j", "$.n", `5`); err != nil {
		t.Fatal(err)
	}
	wantReject(t, dev.JSONSet("j", "$.n", `11`), "schema")
	if r, err := dev.JSONNumIncrBy("j", "$.n", 10); err == nil {
		v, _ := dev.JSONGet("j", "$")
		t.Fatalf("numincrby past the schema's maximum passed: %q %s", r, v)
	}
	// A transform that breaks a JSON document is refused.
	wantReject(t, dev.JSONMerge("j", "$", `{"m":1}`), "breaker")
	if v, _ := dev.JSONGet("j", "$"); string(v) != `[{"n":5}]` {
		t.Fatalf("dev j = %s", v)
	}
	if v, _ := d.JSONGet("j", "$"); string(v) != `[{"n":1}]` {
		t.Fatalf("main j = %s", v)
	}
	// A hash copied up from the parent layer: a rejection leaves both
	// views as they were.
	wantReject(t, func() error {
		_, err := dev.HSet("h", FieldValue{"b", []byte("2")}, FieldValue{"a", []byte("x")})
		return err
	}(), "num")
	for _, db := range []*DB{d, dev} {
		m, _ := db.HGetAll("h")
		if len(m) != 1 || m[0].Field != "a" || string(m[0].Value) != "1" {
			t.Fatalf("h = %v", m)
		}
	}
}

// Hooks added and removed while other goroutines write: every write sees
// one snapshot (run with -race).
func TestHookConcurrentChanges(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	addHook(t, d, Hook{Name: "num", Pattern: "n:*", Builtin: "int"})
	done := make(chan struct{})
	errs := make(chan error, 4)
	for g := range 3 {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				k := fmt.Sprintf("n:%d:%d", g, i%50)
				if err := d.Set(k, []byte("1")); err != nil {
					errs <- err
					return
				}
				if err := d.Set(k, []byte("x")); !errors.Is(err, ErrHookRejected) {
					errs <- fmt.Errorf("non-integer accepted: %v", err)
					return
				}
			}
		}()
	}
	for i := range 200 {
		name := fmt.Sprintf("tmp%d", i)
		addHook(t, d, Hook{Name: name, Pattern: "n:*", Builtin: "maxlen", Args: []string{"10"}})
		if err := d.RemoveHook(name); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// A default TTL set by a hook is the key's deadline on disk too.
func TestHookDefaultTTLDurable(t *testing.T) {
	dir := t.TempDir()
	clk := newTestClock()
	d := openDurable(t, Options{Dir: dir, Clock: clk})
	addHook(t, d, Hook{Name: "ttl", Pattern: "session:*", Builtin: "default-ttl", Args: []string{"60"}})
	if err := d.Set("session:1", []byte("a")); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d = openDurable(t, Options{Dir: dir, Clock: clk})
	if ttl, err := d.TTL("session:1"); err != nil || ttl != time.Minute {
		t.Fatalf("TTL after restart = %v, %v", ttl, err)
	}
}

// A blocked BLMOVE whose destination refuses the element fails itself;
// the push that woke it succeeds and keeps its element.
func TestHookBlockedMoveRejected(t *testing.T) {
	d, _ := Open(Options{})
	defer d.Close()
	addHook(t, d, Hook{Name: "num", Pattern: "dst", Builtin: "int"})
	got := make(chan error, 1)
	go func() {
		_, err := d.BLMove(context.Background(), "src", "dst", Left, Right, 5*time.Second)
		got <- err
	}()
	waitBlocked(t, d, 1)
	if _, err := d.LPush("src", []byte("x")); err != nil {
		t.Fatalf("LPUSH failed for the waiter's destination: %v", err)
	}
	wantReject(t, <-got, "num")
	if n, _ := d.LLen("src"); n != 1 {
		t.Fatalf("src has %d elements", n)
	}
	if n, _ := d.LLen("dst"); n != 0 {
		t.Fatalf("dst has %d elements", n)
	}
}
