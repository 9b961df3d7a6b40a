package jsondoc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestParseCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{` { "a" : 1 , "b" : [ true , false , null ] } `, `{"a":1,"b":[true,false,null]}`},
		{`1.50`, `1.5`},
		{`1E2`, `100.0`},
		{`1e21`, `1e21`},
		{`1.5e-7`, `1.5e-7`},
		{`0.001`, `0.001`},
		{`123456.0`, `123456.0`},
		{`-0`, `-0.0`},
		{`-12`, `-12`},
		{`18446744073709551615`, `18446744073709551615`},
		{`18446744073709551616`, `1.8446744073709552e19`},
		{`-9223372036854775809`, `-9.223372036854776e18`},
		{`"\u00e9\/\t\u0001\ud83d\ude00"`, "\"é/\\t\\u0001😀\""},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{`[]`, `[]`},
		{`{}`, `{}`},
	} {
		got, _, err := Parse([]byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("Parse(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// serde_json's messages and positions, as RedisJSON replies them.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, "EOF while parsing a value at line 1 column 0"},
		{`{`, "EOF while parsing an object at line 1 column 1"},
		{`[`, "EOF while parsing a list at line 1 column 1"},
		{`x`, "expected value at line 1 column 1"},
		{`[1 2]`, "expected `,` or `]` at line 1 column 4"},
		{`{"a":1 "b":2}`, "expected `,` or `}` at line 1 column 8"},
		{`{"a" 1}`, "expected `:` at line 1 column 6"},
		{`{1:2}`, "key must be a string at line 1 column 2"},
		{`[1,]`, "trailing comma at line 1 column 4"},
		{`[1,`, "EOF while parsing a value at line 1 column 3"},
		{`{"a":`, "EOF while parsing a value at line 1 column 5"},
		{`{"a":1,`, "EOF while parsing a value at line 1 column 7"},
		{`[1`, "EOF while parsing a list at line 1 column 2"},
		{`1 2`, "trailing characters at line 1 column 3"},
		{`tru`, "EOF while parsing a value at line 1 column 3"},
		{`trux`, "expected ident at line 1 column 4"},
		{`01`, "invalid number at line 1 column 2"},
		{`-`, "invalid number at line 1 column 1"},
		{`1.`, "EOF while parsing a value at line 1 column 2"},
		{`1.x`, "invalid number at line 1 column 3"},
		{`1e400`, "number out of range at line 1 column 5"},
		{"\"a\x01\"", "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3"},
		{`"\q"`, "invalid escape at line 1 column 3"},
		{"[\n1,\nx]", "expected value at line 3 column 1"},
		{strings.Repeat("[", 200), "recursion limit exceeded at line 1 column 128"},
	} {
		_, _, err := Parse([]byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestQueryParse(t *testing.T) {
	for _, p := range []string{"$", ".", "a", ".a.b", "a[0]", "$..a", "$.a[*]", "$[?(@.x > 1 && (@.y == 'a' || @.z))]",
		"$.a[1:3]", "$.a[:2]", "$.a[::2]", "$.a[-1,0]", `$["a b"]`, "$.['a','b']", "$..*", "$[?(@ =~ \"^a\")]"} {
		if _, err := ParseQuery(p); err != nil {
			t.Errorf("ParseQuery(%s): %v", p, err)
		}
	}
	for _, p := range []string{"$.", "$[", "$a", "$.a[", "$[?(@.x >)]", "$..", "$[1:2:0]", "$['a"} {
		if _, err := ParseQuery(p); err == nil || !strings.HasPrefix(err.Error(), "Error occurred on position") {
			t.Errorf("ParseQuery(%s): %v", p, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `-0.5e-3`, `[[[]]]`, `{"a":1,"a":2}`, `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, depth, err := Parse(in)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Parse(%q) = %q: not valid JSON", in, out)
		}
		again, d2, err := Parse(out)
		if err != nil || !bytes.Equal(again, out) || d2 != depth {
			t.Fatalf("canonical text %q reparses to %q, %v", out, again, err)
		}
		if depth >= MaxInputDepth {
			t.Fatalf("depth %d accepted", depth)
		}
	})
}

func FuzzQuery(f *testing.F) {
	for _, s := range []string{"$..a", "$.a[*].b", "$[?(@.x > 1)]", ".a", "a[0]", "$.a[1:-1:2]", "$..[?(@ == \"x\")]"} {
		f.Add(s)
	}
	doc, _, _ := Parse([]byte(`{"a":[1,{"b":2,"x":3},[4,"x"]],"b":{"a":{"a":true}},"s":"str","n":null}`))
	f.Fuzz(func(t *testing.T, path string) {
		q, err := ParseQuery(path)
		if err != nil {
			return
		}
		_ = q.SelectPaths(doc)
		check := func(op string, out []byte) {
			if out != nil && !json.Valid(out) {
				t.Fatalf("%s %q: invalid result %q", op, path, out)
			}
		}
		out, _ := Set(doc, q, []byte(`{"k":[1]}`), 2, false, false)
		check("set", out)
		out, _ = Del(doc, q)
		check("del", out)
		out, _, _ = ArrAppend(doc, q, [][]byte{[]byte("9")}, 0)
		check("arrappend", out)
		out, _, _ = ArrPop(doc, q, -1)
		check("arrpop", out)
		out, _, _ = NumOp(doc, q, []byte("2"), true)
		check("nummultby", out)
		out, _ = Clear(doc, q)
		check("clear", out)
		out, _ = Merge(doc, q, []byte(`{"a":null,"z":1}`), 1)
		check("merge", out)
		_, _ = Get(doc, []*Query{q}, Format{Indent: " ", Newline: "\n"})
	})
}

func TestMaxDepthOfWrites(t *testing.T) {
	doc := []byte("[]")
	q, _ := ParseQuery("$")
	val := []byte(strings.Repeat("[", 100) + strings.Repeat("]", 100))
	// Nest by appending into the innermost array again and again.
	path := "$"
	for i := 0; i < 20; i++ {
		q, _ = ParseQuery(path)
		out, _, err := ArrAppend(doc, q, [][]byte{val}, 100)
		if err != nil {
			if err != ErrDepth {
				t.Fatal(err)
			}
			return
		}
		doc = out
		path += "[0]" + strings.Repeat("[0]", 99)
	}
	t.Fatal("documents nest past MaxDepth")
}

// Replacing values splices the text around them (no tree), and gives
// what the tree gives.
func TestReplaceMatchesSplices(t *testing.T) {
	doc, _, _ := Parse([]byte(`{"a":{"b":1,"c":[1,2,{"b":3}]},"b":"x"}`))
	for _, p := range []string{"$.a.b", "$..b", "$.a.c[*]", "$.a.c[-1].b", "$['b']"} {
		q, _ := ParseQuery(p)
		ms := q.SelectPaths(doc)
		out, ok := replaceMatches(doc, ms, func(int) []byte { return []byte(`"new"`) })
		if !ok {
			t.Errorf("%s: no splice", p)
			continue
		}
		tr := NewTree(doc)
		for _, m := range ms {
			tr.Replace(m.Path, []byte(`"new"`))
		}
		if string(out) != string(tr.Bytes()) {
			t.Errorf("%s: splice %s, tree %s", p, out, tr.Bytes())
		}
	}
	// Nested matches cannot be spliced.
	q, _ := ParseQuery("$..*")
	if _, ok := replaceMatches(doc, q.SelectPaths(doc), func(int) []byte { return []byte("0") }); ok {
		t.Error("nested matches spliced")
	}
}
