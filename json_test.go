package potato

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// jstr renders a JSON read's result for comparisons.
func jstr(v []byte, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return string(v)
}

// JSON keys survive a restart, with their TTL, under each compression.
func TestJSONPersistence(t *testing.T) {
	for _, comp := range []Compression{CompressionSnappy, CompressionZstd, CompressionNone} {
		dir := t.TempDir()
		clk := newTestClock()
		d := openDurable(t, Options{Dir: dir, Clock: clk, Compression: comp})
		if err := d.JSONSet("doc", "$", `{"a":1,"list":[1,2],"s":"x"}`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.JSONArrAppend("doc", "$.list", 3); err != nil {
			t.Fatal(err)
		}
		if _, err := d.JSONDel("doc", "$.s"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Expire("doc", time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := d.JSONNumIncrBy("doc", "$.a", 41); err != nil { // a JSON write keeps the TTL
			t.Fatal(err)
		}
		if err := d.JSONSet("gone", "$", `[1]`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.JSONDel("gone", "$"); err != nil {
			t.Fatal(err)
		}
		if err := d.Set("doc2", []byte("string first")); err != nil {
			t.Fatal(err)
		}
		if err := d.JSONSet("doc2", "$", `{"now":"json"}`); !errors.Is(err, ErrWrongType) { // as RedisJSON
			t.Fatalf("JSON.SET over a string: %v", err)
		}
		if _, err := d.Del("doc2"); err != nil {
			t.Fatal(err)
		}
		if err := d.JSONSet("doc2", "$", `{"now":"json"}`); err != nil {
			t.Fatal(err)
		}
		before := dumpStore(t, d)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		d2 := openDurable(t, Options{Dir: dir, Clock: clk, Compression: comp})
		if after := dumpStore(t, d2); after != before {
			t.Errorf("%v: after restart:\n%s\nbefore:\n%s", comp, after, before)
		}
		if got := jstr(d2.JSONGet("doc")); got != `{"a":42,"list":[1,2,3]}` {
			t.Errorf("%v: doc after restart: %s", comp, got)
		}
		if ttl, _ := d2.TTL("doc"); ttl <= 0 {
			t.Errorf("%v: TTL after restart: %v", comp, ttl)
		}
		if typ, _ := d2.Type("doc2"); typ != "ReJSON-RL" {
			t.Errorf("%v: doc2 type after restart: %s", comp, typ)
		}
	}
}

// JSON writes are announced with RedisJSON's event names, in the module
// class (d).
func TestJSONKeyspaceEvents(t *testing.T) {
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SetNotifyKeyspaceEvents("Ed"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sub := d.PSubscribe(ctx, "__keyevent@0__:*")
	defer sub.Close()
	time.Sleep(20 * time.Millisecond)
	steps := []func() error{
		func() error { return d.JSONSet("k", "$", `{"n":1,"a":[],"s":"x","b":true}`) },
		func() error { _, err := d.JSONNumIncrBy("k", "$.n", 1); return err },
		func() error { _, err := d.JSONArrAppend("k", "$.a", 1); return err },
		func() error { _, err := d.JSONStrAppend("k", "$.s", `"y"`); return err },
		func() error { _, err := d.JSONToggle("k", "$.b"); return err },
		func() error { return d.JSONMerge("k", "$", `{"m":1}`) },
		func() error { _, err := d.JSONDel("k", "$.m"); return err },
		func() error { _, err := d.JSONDel("k", "$.nothing"); return err }, // no change: no event
		func() error { _, err := d.JSONDel("k", ""); return err },
	}
	for _, f := range steps {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"json.set", "json.numincrby", "json.arrappend", "json.strappend", "json.toggle", "json.merge", "json.del", "json.del"}
	var got []string
	for len(got) < len(want) {
		m, err := sub.Receive(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, m.Channel[len("__keyevent@0__:"):])
	}
	if !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// COPY, RENAME, MOVE and TTL work on JSON keys through the core.
func TestJSONWithKeyCommands(t *testing.T) {
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.JSONSet("a", "$", `{"x":[1]}`); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Copy("a", "b", 0, false); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := d.JSONArrAppend("b", "$.x", 2); err != nil {
		t.Fatal(err)
	}
	if got := jstr(d.JSONGet("a")); got != `{"x":[1]}` {
		t.Errorf("a after writing its copy: %s", got)
	}
	if err := d.Rename("b", "c"); err != nil {
		t.Fatal(err)
	}
	if got := jstr(d.JSONGet("c", "$.x")); got != `[[1,2]]` {
		t.Errorf("renamed: %s", got)
	}
	if ok, err := d.Move("c", 3); !ok || err != nil {
		t.Fatal(ok, err)
	}
	d3, _ := d.Select(3)
	if got := jstr(d3.JSONGet("c", ".x[1]")); got != `2` {
		t.Errorf("moved: %s", got)
	}
	if _, err := d.Get("a"); !errors.Is(err, ErrWrongType) {
		t.Errorf("GET of a JSON key: %v", err)
	}
	if err := d.JSONSet("s", "$", 1); err != nil {
		t.Fatal(err)
	}
	if n, err := d.MemoryUsage("a", 0); err != nil || n <= 0 {
		t.Errorf("MEMORY USAGE: %d %v", n, err)
	}
	if err := d.Set("str", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.JSONGet("str"); !errors.Is(err, ErrWrongType) {
		t.Errorf("JSON.GET of a string: %v", err)
	}
}

// A rolled-back transaction leaves the document as it was.
func TestJSONRollback(t *testing.T) {
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.JSONSet("k", "$", `{"a":1}`); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = d.Update(func(tx *Tx) error {
		if err := tx.JSONSet("k", "$.a", 2); err != nil {
			return err
		}
		if err := tx.JSONSet("new", "$", `[]`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := jstr(d.JSONGet("k")); got != `{"a":1}` {
		t.Errorf("after rollback: %s", got)
	}
	if n, _ := d.Exists("new"); n != 0 {
		t.Errorf("new key survived the rollback")
	}
}

// Property: random JSON.SET/JSON.GET at static paths agree with a
// reference model built with encoding/json.
func TestJSONPropertySetGet(t *testing.T) {
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	for round := 0; round < 200; round++ {
		model := randValue(r, 3)
		doc, _ := json.Marshal(model)
		if err := d.JSONSet("p", "$", doc); err != nil {
			t.Fatalf("set %s: %v", doc, err)
		}
		for op := 0; op < 20; op++ {
			path, parent, last := randPath(r, model)
			if path == nil {
				continue
			}
			jp := jsonPathOf(path)
			if r.IntN(2) == 0 {
				v := randValue(r, 2)
				text, _ := json.Marshal(v)
				err := d.JSONSet("p", jp, text)
				switch {
				case parent == nil:
					model = v
				case last.isIdx:
					parent.([]any)[last.i] = v
				default:
					parent.(map[string]any)[last.k] = v
				}
				if err != nil {
					t.Fatalf("JSONSet %s %s: %v", jp, text, err)
				}
			}
			got, err := d.JSONGet("p", jp)
			if err != nil {
				t.Fatalf("JSONGet %s: %v", jp, err)
			}
			var gotV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatalf("JSONGet %s returned %s: %v", jp, got, err)
			}
			want := []any{valueAt(model, path)}
			if !reflect.DeepEqual(normalizeNums(gotV), normalizeNums(want)) {
				t.Fatalf("seed %d: JSONGet %s = %s, want %v (doc %s)", seed, jp, got, want, jstr(d.JSONGet("p")))
			}
		}
		whole, _ := d.JSONGet("p")
		var w any
		if err := json.Unmarshal(whole, &w); err != nil || !reflect.DeepEqual(normalizeNums(w), normalizeNums(model)) {
			t.Fatalf("seed %d: document %s, model %v", seed, whole, model)
		}
	}
}

type pathStep struct {
	k     string
	i     int
	isIdx bool
}

func randValue(r *rand.Rand, depth int) any {
	switch k := r.IntN(8); {
	case k == 0:
		return nil
	case k == 1:
		return r.IntN(2) == 0
	case k == 2:
		return float64(r.IntN(2000) - 1000)
	case k == 3:
		return r.Float64() * 100
	case k == 4:
		return []string{"", "a", "é\"\\\n", "long string with spaces"}[r.IntN(4)]
	case k <= 5 && depth > 0:
		n := r.IntN(4)
		a := make([]any, n)
		for i := range a {
			a[i] = randValue(r, depth-1)
		}
		return a
	case depth > 0:
		m := map[string]any{}
		for i := r.IntN(4); i > 0; i-- {
			m[[]string{"a", "b", "c d", "x.y", "0", "ü"}[r.IntN(6)]] = randValue(r, depth-1)
		}
		return m
	}
	return "leaf"
}

// randPath picks an existing place in v: its steps, its parent container
// and the last step (parent nil for the root).
func randPath(r *rand.Rand, v any) ([]pathStep, any, pathStep) {
	path := []pathStep{}
	var parent any
	var last pathStep
	for r.IntN(3) != 0 {
		switch c := v.(type) {
		case []any:
			if len(c) == 0 {
				return path, parent, last
			}
			i := r.IntN(len(c))
			parent, last = c, pathStep{i: i, isIdx: true}
			path = append(path, last)
			v = c[i]
		case map[string]any:
			if len(c) == 0 {
				return path, parent, last
			}
			keys := make([]string, 0, len(c))
			for k := range c {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			k := keys[r.IntN(len(keys))]
			parent, last = c, pathStep{k: k}
			path = append(path, last)
			v = c[k]
		default:
			return path, parent, last
		}
	}
	return path, parent, last
}

func jsonPathOf(path []pathStep) string {
	s := "$"
	for _, p := range path {
		if p.isIdx {
			s += "[" + strconv.Itoa(p.i) + "]"
		} else {
			s += "[" + strconv.Quote(p.k) + "]"
		}
	}
	return s
}

func valueAt(v any, path []pathStep) any {
	for _, p := range path {
		if p.isIdx {
			v = v.([]any)[p.i]
		} else {
			v = v.(map[string]any)[p.k]
		}
	}
	return v
}

// normalizeNums makes every number a float64 of its value (the model and
// the reply may print 1.0 and 1 differently).
func normalizeNums(v any) any {
	switch c := v.(type) {
	case []any:
		out := make([]any, len(c))
		for i, e := range c {
			out[i] = normalizeNums(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range c {
			out[k] = normalizeNums(e)
		}
		return out
	case float64:
		return c
	}
	return v
}

func TestMergeJSON3(t *testing.T) {
	for _, tc := range []struct {
		base, ours, theirs, want string
		conflicts                []string
	}{
		{`{"a":1,"b":1}`, `{"a":2,"b":1}`, `{"a":1,"b":3}`, `{"a":2,"b":3}`, nil},
		{`{"a":1}`, `{"a":1,"x":1}`, `{"a":1,"y":2}`, `{"a":1,"x":1,"y":2}`, nil},
		{`{"a":1,"b":2}`, `{"b":2}`, `{"a":1,"b":3}`, `{"b":3}`, nil},
		{`{"u":{"name":"a","age":1}}`, `{"u":{"name":"b","age":1}}`, `{"u":{"name":"a","age":2}}`, `{"u":{"name":"b","age":2}}`, nil},
		{`{"a":1}`, `{"a":2}`, `{"a":3}`, `{"a":2}`, []string{"$.a"}},
		{`{"a":{"x":1}}`, `{}`, `{"a":{"x":2}}`, `{}`, []string{"$.a"}},
		{`[1,2,3]`, `[9,2,3]`, `[1,2,8]`, `[9,2,8]`, nil},
		{`[1,2]`, `[1,2,3]`, `[0,1,2]`, `[1,2,3]`, []string{"$"}},
		{`{"a b":1}`, `{"a b":2}`, `{"a b":3}`, `{"a b":2}`, []string{"$['a b']"}},
		{`{"a":1}`, `{"a":5}`, `{"a":5}`, `{"a":5}`, nil},
	} {
		got, conflicts, err := mergeJSON3([]byte(tc.base), []byte(tc.ours), []byte(tc.theirs))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want || !slices.Equal(conflicts, tc.conflicts) {
			t.Errorf("merge(%s, %s, %s) = %s %q, want %s %q", tc.base, tc.ours, tc.theirs, got, conflicts, tc.want, tc.conflicts)
		}
	}
	if _, _, err := mergeJSON3([]byte(`{`), []byte(`{}`), []byte(`{}`)); !errors.Is(err, ErrJSON) {
		t.Errorf("invalid base: %v", err)
	}
}

func TestDiffJSONPaths(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want []string
	}{
		{`{"a":1}`, `{"a":1}`, nil},
		{`{"a":1,"b":{"c":1,"d":2}}`, `{"a":2,"b":{"c":1,"d":3},"e":0}`, []string{"$.a", "$.b.d", "$.e"}},
		{`[1,2]`, `[1,3]`, []string{"$[1]"}},
		{`[1,2]`, `[1,2,3]`, []string{"$"}},
		{`{"x":1}`, `[1]`, []string{"$"}},
	} {
		if got := diffJSONPaths([]byte(tc.a), []byte(tc.b)); !slices.Equal(got, tc.want) {
			t.Errorf("diff(%s, %s) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func ExampleDB_JSONSet() {
	db, _ := Open(Options{})
	defer db.Close()
	_ = db.JSONSet("user:1", "$", `{"name":"Ann","langs":["go"]}`)
	_, _ = db.JSONArrAppend("user:1", "$.langs", `"rust"`) // strings are JSON text, as in go-redis
	name, _ := db.JSONGet("user:1", "$.name")
	whole, _ := db.JSONGet("user:1")
	lang, _ := db.GetDotted("user:1.langs.1", nil)
	fmt.Println(string(name))
	fmt.Println(string(whole))
	fmt.Println(string(lang))
	// Output:
	// ["Ann"]
	// {"name":"Ann","langs":["go","rust"]}
	// rust
}

// BenchmarkJSONLibrary: the same comparison in process (no network).
//
//	go test . -run '^$' -bench JSONLibrary
func BenchmarkJSONLibrary(b *testing.B) {
	d, err := Open(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	orders := make([]map[string]any, 0)
	for i := 0; i < 120; i++ {
		orders = append(orders, map[string]any{"id": i, "item": fmt.Sprintf("item-%d", i), "price": float64(i) + 0.99})
	}
	doc, _ := json.Marshal(map[string]any{"name": "Ann", "address": map[string]any{"city": "Oslo"}, "orders": orders})
	b.Logf("document: %d bytes", len(doc))
	_ = d.JSONSet("doc", "$", doc)
	_ = d.Set("str", make([]byte, 100))
	b.Run("Get-100B", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = d.Get("str")
		}
	})
	b.Run("JSONGet-field", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = d.JSONGet("doc", "$.address.city")
		}
	})
	b.Run("JSONSet-field", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = d.JSONSet("doc", "$.address.city", `"Bergen"`)
		}
	})
}
