package server_test

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"rustypotato/server/servertest"
)

// jsonStep is one command of a JSON script and its rendered reply (see
// render in cmd_hash_test.go). There is no RedisJSON module on the
// machines that run these tests, so the replies are those of the
// RedisJSON documentation's examples (redis.io command pages, RedisJSON
// 2.6); where the documentation shows none, the comment says where the
// reply comes from.
type jsonStep struct {
	args []string
	want string
	// semantic compares a JSON text reply as JSON (member order free),
	// for JSON.GET with several paths, whose order RedisJSON leaves to a
	// hash map.
	semantic bool
}

func js(want string, args ...string) jsonStep { return jsonStep{args: args, want: want} }

// q renders a bulk string reply.
func q(s string) string { return strconv.Quote(s) }

const headphones = `{"name":"Noise-cancelling Bluetooth headphones","description":"Wireless Bluetooth headphones with noise-cancelling technology","connection":{"wireless":true,"type":"Bluetooth"},"price":99.98,"stock":25,"colors":["black","silver"]}`

var jsonDocExamples = map[string][]jsonStep{
	"JSON.SET replace": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":2}`),
		js("+OK", "JSON.SET", "doc", "$.a", "3"),
		js(q(`[{"a":3}]`), "JSON.GET", "doc", "$"),
	},
	"JSON.SET add": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":2}`),
		js("+OK", "JSON.SET", "doc", "$.b", "8"),
		js(q(`[{"a":2,"b":8}]`), "JSON.GET", "doc", "$"),
	},
	"JSON.SET many paths": {
		js("+OK", "JSON.SET", "doc", "$", `{"f1": {"a":1}, "f2":{"a":2}}`),
		js("+OK", "JSON.SET", "doc", "$..a", "3"),
		js(q(`{"f1":{"a":3},"f2":{"a":3}}`), "JSON.GET", "doc"),
	},
	"JSON.SET NX XX and errors": {
		js("(nil)", "JSON.SET", "nokey", "$", "5", "XX"),
		js("-ERR new objects must be created at the root", "JSON.SET", "nokey", "$.a", "5"),
		js("+OK", "JSON.SET", "doc", "$", `{"a":1}`, "NX"),
		js("(nil)", "JSON.SET", "doc", "$", `{"a":2}`, "NX"),
		js("(nil)", "JSON.SET", "doc", "$.a", "2", "NX"),
		js("(nil)", "JSON.SET", "doc", "$.b", "2", "XX"),
		js("+OK", "JSON.SET", "doc", "$.a", "2", "XX"),
		js("-ERR syntax error", "JSON.SET", "doc", "$.a", "2", "NX", "XX"),
		js("(nil)", "JSON.SET", "doc", "$.x.y", "1"),
		js("-Err wrong static path", "JSON.SET", "doc", "$.*.y", "1"),
		js("-EOF while parsing a value at line 1 column 5", "JSON.SET", "doc", "$", `{"a":`),
		js("-EOF while parsing an object at line 1 column 1", "JSON.SET", "doc", "$", `{`),
		js("-expected value at line 1 column 1", "JSON.SET", "doc", "$", `bad`),
		js("-expected ident at line 1 column 2", "JSON.SET", "doc", "$", `nope`),
		js("-trailing characters at line 1 column 3", "JSON.SET", "doc", "$", `1 2`),
		js(q(`{"a":2}`), "JSON.GET", "doc"),
	},
	"JSON.GET": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":2, "b": 3, "nested": {"a": 4, "b": null}}`),
		js(q(`[3,null]`), "JSON.GET", "doc", "$..b"),
		{args: []string{"JSON.GET", "doc", "..a", "$..b"}, want: `{"$..b":[3,null],"..a":[2,4]}`, semantic: true},
		js(q(`2`), "JSON.GET", "doc", ".a"),
		js(q(`4`), "JSON.GET", "doc", "nested.a"),
		js("-ERR Path '$.nope' does not exist", "JSON.GET", "doc", ".nope"),
		js(q(`[]`), "JSON.GET", "doc", "$.nope"),
		js("(nil)", "JSON.GET", "nokey", "$"),
		js(q("{\n\t\"a\": 4,\n\t\"b\": null\n}"), "JSON.GET", "doc", "INDENT", "\t", "NEWLINE", "\n", "SPACE", " ", ".nested"),
	},
	"JSON.DEL": {
		js("+OK", "JSON.SET", "doc", "$", `{"a": 1, "nested": {"a": 2, "b": 3}}`),
		js(":2", "JSON.DEL", "doc", "$..a"),
		js(q(`[{"nested":{"b":3}}]`), "JSON.GET", "doc", "$"),
		js(":0", "JSON.DEL", "doc", "$..a"),
		js(":1", "JSON.FORGET", "doc"),
		js(":0", "EXISTS", "doc"),
	},
	"JSON.NUMINCRBY": {
		js("+OK", "JSON.SET", "doc", ".", `{"a":"b","b":[{"a":2}, {"a":5}, {"a":"c"}]}`),
		js(q(`[null]`), "JSON.NUMINCRBY", "doc", "$.a", "2"),
		js(q(`[null,4,7,null]`), "JSON.NUMINCRBY", "doc", "$..a", "2"),
		js(q(`5.5`), "JSON.NUMINCRBY", "doc", ".b[0].a", "1.5"),
	},
	"JSON.NUMMULTBY": {
		js("+OK", "JSON.SET", "doc", ".", `{"a":"b","b":[{"a":2}, {"a":5}, {"a":"c"}]}`),
		js(q(`[null]`), "JSON.NUMMULTBY", "doc", "$.a", "2"),
		js(q(`[null,4,10,null]`), "JSON.NUMMULTBY", "doc", "$..a", "2"),
	},
	"JSON.STRAPPEND and STRLEN": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":"foo", "nested": {"a": "hello"}, "nested2": {"a": 31}}`),
		js("[:3 :5 (nil)]", "JSON.STRLEN", "doc", "$..a"),
		js("[:6 :8 (nil)]", "JSON.STRAPPEND", "doc", "$..a", `"baz"`),
		js(q(`[{"a":"foobaz","nested":{"a":"hellobaz"},"nested2":{"a":31}}]`), "JSON.GET", "doc", "$"),
		js(":6", "JSON.STRLEN", "doc", ".a"),
	},
	"JSON.ARRAPPEND ARRINDEX ARRINSERT": {
		js("+OK", "JSON.SET", "item:1", "$", headphones),
		js("[:3]", "JSON.ARRAPPEND", "item:1", "$.colors", `"blue"`),
		js("[:1]", "JSON.ARRINDEX", "item:1", "$..colors", `"silver"`),
		js("[:5]", "JSON.ARRINSERT", "item:1", "$.colors", "2", `"yellow"`, `"gold"`),
		js(q(`[["black","silver","yellow","gold","blue"]]`), "JSON.GET", "item:1", "$.colors"),
		js("-ERR index out of bounds", "JSON.ARRINSERT", "item:1", "$.colors", "9", `"x"`),
	},
	"JSON.ARRLEN": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":[3], "nested": {"a": [3,4]}}`),
		js("[:1 :2]", "JSON.ARRLEN", "doc", "$..a"),
		js("+OK", "JSON.SET", "doc", "$", `{"a":[1,2,3,2], "nested": {"a": false}}`),
		js("[:4 (nil)]", "JSON.ARRLEN", "doc", "$..a"),
	},
	"JSON.ARRPOP": {
		js("+OK", "JSON.SET", "key", "$", `{"max_level":[60,70,80,90,100]}`),
		js(`["60"]`, "JSON.ARRPOP", "key", "$.max_level", "0"),
		js(q(`[[70,80,90,100]]`), "JSON.GET", "key", "$.max_level"),
		js(q(`100`), "JSON.ARRPOP", "key", ".max_level"),
		js("(nil)", "JSON.ARRPOP", "nokey"),
	},
	"JSON.ARRTRIM": {
		js("+OK", "JSON.SET", "key", "$", `{"max_level":[140,60,70,80,90,100,120]}`),
		js("[:4]", "JSON.ARRTRIM", "key", "$.max_level", "1", "4"),
		js(q(`[[60,70,80,90]]`), "JSON.GET", "key", "$.max_level"),
	},
	"JSON.CLEAR": {
		js("+OK", "JSON.SET", "doc", "$", `{"obj":{"a":1, "b":2}, "arr":[1,2,3], "str": "foo", "bool": true, "int": 42, "float": 3.14}`),
		js(":4", "JSON.CLEAR", "doc", "$.*"),
		js(q(`[{"obj":{},"arr":[],"str":"foo","bool":true,"int":0,"float":0}]`), "JSON.GET", "doc", "$"),
	},
	"JSON.TOGGLE": {
		js("+OK", "JSON.SET", "doc", "$", `{"bool": true}`),
		js("[:0]", "JSON.TOGGLE", "doc", "$.bool"),
		js(q(`[{"bool":false}]`), "JSON.GET", "doc", "$"),
		js("[:1]", "JSON.TOGGLE", "doc", "$.bool"),
		js(q(`[{"bool":true}]`), "JSON.GET", "doc", "$"),
	},
	"JSON.TYPE": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":2, "nested": {"a": true}, "foo": "bar"}`),
		js(`["string"]`, "JSON.TYPE", "doc", "$..foo"),
		js(`["integer" "boolean"]`, "JSON.TYPE", "doc", "$..a"),
		js(`[]`, "JSON.TYPE", "doc", "$..dummy"),
		js(q("object"), "JSON.TYPE", "doc"),
		js("+ReJSON-RL", "TYPE", "doc"),
	},
	"JSON.OBJKEYS and OBJLEN": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":[3], "nested": {"a": {"b":2, "c": 1}}}`),
		js(`[(nil) ["b" "c"]]`, "JSON.OBJKEYS", "doc", "$..a"),
		js(`[(nil) :2]`, "JSON.OBJLEN", "doc", "$..a"),
		js(`["a" "nested"]`, "JSON.OBJKEYS", "doc"),
	},
	"JSON.MGET": {
		js("+OK", "JSON.SET", "doc1", "$", `{"a":1, "b": 2, "nested": {"a": 3}, "c": null}`),
		js("+OK", "JSON.SET", "doc2", "$", `{"a":4, "b": 5, "nested": {"a": 6}, "c": null}`),
		js(`["[1,3]" "[4,6]"]`, "JSON.MGET", "doc1", "doc2", "$..a"),
		js(`["1" (nil)]`, "JSON.MGET", "doc1", "nokey", ".a"),
	},
	"JSON.MSET": {
		js("+OK", "JSON.MSET", "doc1", "$", `{"a":1}`, "doc2", "$", `{"f":{"a":2}}`, "doc3", "$", `{"f1":{"a":0},"f2":{"a":0}}`),
		js("+OK", "JSON.MSET", "doc1", "$", `{"a":2}`, "doc2", "$.f.a", "3", "doc3", "$", `{"f1":{"a":1},"f2":{"a":2}}`),
		js(q(`[{"a":2}]`), "JSON.GET", "doc1", "$"),
		js(q(`[{"f":{"a":3}}]`), "JSON.GET", "doc2", "$"),
		js(q(`[{"f1":{"a":1},"f2":{"a":2}}]`), "JSON.GET", "doc3", "$"),
		// All or nothing: the bad value fails the call before doc1 changes.
		js("-expected value at line 1 column 1", "JSON.MSET", "doc1", "$", `{"a":9}`, "doc2", "$", "bad"),
		js(q(`[{"a":2}]`), "JSON.GET", "doc1", "$"),
		js("-ERR wrong number of arguments for 'json.mset' command", "JSON.MSET", "doc1", "$", "1", "doc2"),
	},
	"JSON.MERGE": {
		js("+OK", "JSON.SET", "doc", "$", `{"a":2}`),
		js("+OK", "JSON.MERGE", "doc", "$.a", "3"),
		js(q(`[{"a":3}]`), "JSON.GET", "doc", "$"),
		js("+OK", "JSON.MERGE", "doc", "$.b", "8"),
		js(q(`[{"a":3,"b":8}]`), "JSON.GET", "doc", "$"),
		js("+OK", "JSON.MERGE", "doc", "$.a", "null"),
		js(q(`[{"b":8}]`), "JSON.GET", "doc", "$"),
		js("+OK", "JSON.SET", "doc", "$", `{"a":[2,4,6,8]}`),
		js("+OK", "JSON.MERGE", "doc", "$.a", "[10,12]"),
		js(q(`[{"a":[10,12]}]`), "JSON.GET", "doc", "$"),
		js("+OK", "JSON.SET", "doc", "$", `{"f1": {"a":1}, "f2":{"a":2}}`),
		js("+OK", "JSON.MERGE", "doc", "$", `{"f1": null, "f2":{"a":3, "b":4}, "f3":[2,4,6]}`),
		js(q(`[{"f2":{"a":3,"b":4},"f3":[2,4,6]}]`), "JSON.GET", "doc", "$"),
	},
	"JSON.RESP": {
		js("+OK", "JSON.SET", "item", "$", `{"name":"Wireless earbuds","price":64.99,"stock":17,"ok":true,"none":null,"colors":["black","white"]}`),
		js(`[+{ "name" "Wireless earbuds" "price" "64.99" "stock" :17 "ok" +true "none" (nil) "colors" [+[ "black" "white"]]`, "JSON.RESP", "item"),
		js(`[[+[ "black" "white"]]`, "JSON.RESP", "item", "$.colors"),
	},
	"JSON.DEBUG": {
		js(`["MEMORY <key> [path] - reports memory usage" "HELP                - this message"]`, "JSON.DEBUG", "HELP"),
		js(":0", "JSON.DEBUG", "MEMORY", "nokey"),
	},
	"paths": {
		js("+OK", "JSON.SET", "store", "$", `{"book":[{"title":"A","price":8.95,"tags":["x"]},{"title":"B","price":12.99},{"title":"C","price":22,"isbn":"1"}],"bicycle":{"price":19.95}}`),
		js(q(`["A","B","C"]`), "JSON.GET", "store", "$.book[*].title"),
		js(q(`["B","C"]`), "JSON.GET", "store", "$.book[?(@.price > 10)].title"),
		js(q(`["A","C"]`), "JSON.GET", "store", "$.book[?(@.price < 10 || @.isbn)].title"),
		js(q(`["C"]`), "JSON.GET", "store", `$.book[?(@.title == "C")].title`),
		js(q(`["B"]`), "JSON.GET", "store", `$.book[?(@.title =~ "^B")].title`),
		js(q(`[8.95,12.99,22,19.95]`), "JSON.GET", "store", "$..price"),
		js(q(`["A","B"]`), "JSON.GET", "store", "$.book[0:2].title"),
		js(q(`["C"]`), "JSON.GET", "store", "$.book[-1].title"),
		js(q(`["A","C"]`), "JSON.GET", "store", "$.book[0,2].title"),
		js(q(`[19.95]`), "JSON.GET", "store", "$['bicycle']['price']"),
		js(q(`"A"`), "JSON.GET", "store", ".book[0].title"),
		js(q(`"A"`), "JSON.GET", "store", "book[0].title"),
		js("-Error occurred on position 6, \"$.book ---->>>> ]\", expected one of the following: '.', '..', '['.", "JSON.GET", "store", "$.book]"),
	},
}

func TestJSONDocExamples(t *testing.T) {
	srv := servertest.New(t)
	for name, steps := range jsonDocExamples {
		t.Run(name, func(t *testing.T) {
			c := dialRaw(t, srv.Addr)
			c.do("FLUSHALL")
			for _, st := range steps {
				got := c.do(st.args...)
				if st.semantic {
					if !sameJSONReply(got, st.want) {
						t.Errorf("%q: got %s, want (as JSON) %s", st.args, got, st.want)
					}
					continue
				}
				if got != st.want {
					t.Errorf("%q:\n got %s\nwant %s", st.args, got, st.want)
				}
			}
		})
	}
}

// sameJSONReply reports whether a rendered bulk reply holds JSON equal
// to want.
func sameJSONReply(got, want string) bool {
	s, err := strconv.Unquote(got)
	if err != nil {
		return false
	}
	var a, b any
	return json.Unmarshal([]byte(s), &a) == nil && json.Unmarshal([]byte(want), &b) == nil && reflect.DeepEqual(a, b)
}

// RESP3: the default path is "$", numbers are RESP3 numbers, JSON.TYPE
// nests its array (RedisJSON's RESP3 migration guide).
func TestJSONRESP3(t *testing.T) {
	srv := servertest.New(t)
	c := dialRaw(t, srv.Addr)
	c.do("HELLO", "3")
	for _, st := range []jsonStep{
		js("+OK", "JSON.SET", "k", "$", "[1,2,3]"),
		js(q("[[1,2,3]]"), "JSON.GET", "k"),
		js(q("[1,2,3]"), "JSON.GET", "k", "."),
		js("[[\"array\"]]", "JSON.TYPE", "k"),
		js("+OK", "JSON.SET", "n", "$", `{"a":1,"b":"x","c":1.5}`),
		js("[:3 _ ,3.5]", "JSON.NUMINCRBY", "n", "$.*", "2"),
		js(",4", "JSON.NUMINCRBY", "n", ".c", "0.5"),
		js("[:3]", "JSON.OBJLEN", "n", "$"),
	} {
		if got := c.do(st.args...); got != st.want {
			t.Errorf("%q: got %s, want %s", st.args, got, st.want)
		}
	}
}

func TestJSONModuleVisible(t *testing.T) {
	srv := servertest.New(t)
	c := dialRaw(t, srv.Addr)
	if got := c.do("MODULE", "LIST"); got != `[["name" "ReJSON" "ver" :20607 "path" "builtin" "args" []]]` {
		t.Errorf("MODULE LIST: %s", got)
	}
	info := c.do("INFO", "modules")
	if !strings.Contains(info, "module:name=ReJSON,ver=20607,") {
		t.Errorf("INFO modules: %s", info)
	}
	if got := c.do("CONFIG", "GET", "json-dot-get"); got != `["json-dot-get" "yes"]` {
		t.Errorf("CONFIG GET json-dot-get: %s", got)
	}
}

func TestGetDotSyntax(t *testing.T) {
	srv := servertest.New(t)
	c := dialRaw(t, srv.Addr)
	for _, st := range []jsonStep{
		js("+OK", "JSON.SET", "user", "$", `[{"name":"Ann","age":31,"tags":["a","b"],"x":null},{"name":"Bo"}]`),
		js(q("Ann"), "GET", "user.0.name"),
		js(q("31"), "GET", "user.0.age"),
		js(q(`["a","b"]`), "GET", "user.0.tags"),
		js(q("b"), "GET", "user.0.tags.1"),
		js(q("null"), "GET", "user.0.x"),
		js("(nil)", "GET", "user.0.nope"),
		js("(nil)", "GET", "user.7.name"),
		js("(nil)", "GET", "user.0.name.deeper"),
		// An exact key always wins.
		js("+OK", "SET", "user.0.name", "exact"),
		js(q("exact"), "GET", "user.0.name"),
		// The longest prefix holding JSON wins.
		js("+OK", "JSON.SET", "user.1", "$", `{"name":"Longer"}`),
		js(q("Longer"), "GET", "user.1.name"),
		js("(nil)", "GET", "user.1.0"),
		js(q("31"), "GET", "user.0.age"),
		js(":1", "DEL", "user.1"),
		// A string prefix is not read into.
		js("+OK", "SET", "str", "plain"),
		js("(nil)", "GET", "str.a"),
		js("-WRONGTYPE Operation against a key holding the wrong kind of value", "GET", "user"),
		js("+OK", "CONFIG", "SET", "json-dot-get", "no"),
		js("(nil)", "GET", "user.1.name"),
		js("+OK", "CONFIG", "SET", "json-dot-get", "yes"),
		js(q("Bo"), "GET", "user.1.name"),
	} {
		if got := c.do(st.args...); got != st.want {
			t.Errorf("%q: got %s, want %s", st.args, got, st.want)
		}
	}
}

// The dot syntax reads only prefixes the user may read.
func TestGetDotSyntaxACL(t *testing.T) {
	srv := servertest.New(t)
	admin := dialRaw(t, srv.Addr)
	admin.do("JSON.SET", "user", "$", `{"secret":"s"}`)
	if got := admin.do("ACL", "SETUSER", "lim", "on", "nopass", "~user.*", "+get"); got != "+OK" {
		t.Fatal(got)
	}
	c := dialRaw(t, srv.Addr)
	if got := c.do("AUTH", "lim", "x"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.do("GET", "user.secret"); got != "(nil)" {
		t.Errorf("GET user.secret without permission on user: %s", got)
	}
}

// A failing JSON command inside MULTI is undone alone; the others stay.
func TestJSONMultiRollback(t *testing.T) {
	srv := servertest.New(t)
	c := dialRaw(t, srv.Addr)
	c.do("JSON.SET", "doc", "$", `{"a":1,"s":"x"}`)
	c.do("MULTI")
	c.do("JSON.SET", "doc", "$.a", "2")
	c.do("JSON.NUMINCRBY", "doc", ".s", "1") // fails: not a number
	c.do("JSON.SET", "doc", "$.b", "3")
	got := c.do("EXEC")
	want := `[+OK -WRONGTYPE wrong type of path value - expected number but found string +OK]`
	if got != want {
		t.Errorf("EXEC: %s, want %s", got, want)
	}
	if got := c.do("JSON.GET", "doc"); got != q(`{"a":2,"s":"x","b":3}`) {
		t.Errorf("after EXEC: %s", got)
	}
}

func TestJSONBadInput(t *testing.T) {
	srv := servertest.New(t)
	c := dialRaw(t, srv.Addr)
	deep := strings.Repeat("[", 1_000_000)
	if got := c.do("JSON.SET", "k", "$", deep); got != "-recursion limit exceeded at line 1 column 128" {
		t.Errorf("depth bomb: %s", got)
	}
	ok := strings.Repeat("[", 127) + strings.Repeat("]", 127)
	if got := c.do("JSON.SET", "k", "$", ok); got != "+OK" {
		t.Errorf("127 levels: %s", got)
	}
	if got := c.do("JSON.SET", "k", "$", "1e400"); got != "-number out of range at line 1 column 5" {
		t.Errorf("huge number: %s", got)
	}
	if got := c.do("JSON.SET", "k", "$", "123456789012345678901234567890"); got != "+OK" {
		t.Errorf("big integer: %s", got)
	}
	if got := c.do("JSON.GET", "k"); got != q("1.2345678901234568e29") {
		t.Errorf("big integer read back: %s", got)
	}
	deepPath := "$" + strings.Repeat("[?(", 100)
	if got := c.do("JSON.GET", "k", deepPath); !strings.HasPrefix(got, "-Error occurred on position") {
		t.Errorf("deep filter path: %s", got)
	}
	longPath := "$" + strings.Repeat("[?(@)]", 200_000)
	if got := c.do("JSON.GET", "k", longPath); !strings.HasPrefix(got, "-Error occurred on position") {
		t.Errorf("long path: %.100s", got)
	}
	if got := c.do("JSON.GET", "k", "$"+strings.Repeat("[?(@)]", 4000)); got != q("[1.2345678901234568e29]") {
		t.Errorf("4000 filters on a scalar: %.100s", got)
	}
	if got := c.do("PING"); got != "+PONG" {
		t.Errorf("server after bad input: %s", got)
	}
}
