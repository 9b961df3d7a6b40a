package lualib

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// cjson as Redis bundles it (lua-cjson 2.1 with its defaults): tables
// with only positive integer keys (not excessively sparse) are arrays,
// others objects; an empty table is {}; numbers print as "%.14g";
// cjson.null is JSON's null both ways; nesting is limited to 1000.

const cjsonMaxDepth = 1000

func openCJSON(L *lua.LState) *lua.LTable {
	null := L.NewUserData()
	t := module(L, map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int {
			if L.GetTop() != 1 {
				L.RaiseError("bad argument #1 to '?' (expected 1 argument)")
			}
			var b bytes.Buffer
			if msg := cjsonEncode(&b, L.Get(1), null, 0); msg != "" {
				L.RaiseError("%s", msg)
			}
			L.Push(lua.LString(b.String()))
			return 1
		},
		"decode": func(L *lua.LState) int {
			s := L.CheckString(1)
			dec := json.NewDecoder(bytes.NewReader([]byte(s)))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				L.RaiseError("Expected value but found invalid token at character 1")
			}
			if dec.More() {
				L.RaiseError("Expected the end but found invalid token")
			}
			L.Push(cjsonToLua(L, v, null, 0))
			return 1
		},
	})
	t.RawSetString("null", null)
	for _, name := range []string{"encode_sparse_array", "encode_max_depth", "decode_max_depth", "encode_number_precision", "encode_keep_buffer", "encode_invalid_numbers", "decode_invalid_numbers"} {
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int { return 0 }))
	}
	return t
}

func cjsonNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e14 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

func cjsonEncode(b *bytes.Buffer, v lua.LValue, null *lua.LUserData, depth int) string {
	switch x := v.(type) {
	case *lua.LNilType:
		b.WriteString("null")
	case lua.LBool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case lua.LNumber:
		f := float64(x)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return "Cannot serialise number: must not be NaN or Inf"
		}
		b.WriteString(cjsonNumber(f))
	case lua.LString:
		cjsonString(b, string(x))
	case *lua.LUserData:
		if x == null {
			b.WriteString("null")
			return ""
		}
		return "Cannot serialise userdata: type not supported"
	case *lua.LTable:
		if depth >= cjsonMaxDepth {
			return "Cannot serialise, excessive nesting (" + strconv.Itoa(depth+1) + ")"
		}
		n, isArray := arrayLen(x)
		if isArray && n > 10 && n > 2*countKeys(x) {
			return "Cannot serialise table: excessively sparse array"
		}
		if isArray && n > 0 {
			b.WriteByte('[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					b.WriteByte(',')
				}
				if msg := cjsonEncode(b, x.RawGetInt(i), null, depth+1); msg != "" {
					return msg
				}
			}
			b.WriteByte(']')
			return ""
		}
		type kv struct {
			k string
			v lua.LValue
		}
		var kvs []kv
		bad := ""
		x.ForEach(func(k, v lua.LValue) {
			switch kk := k.(type) {
			case lua.LString:
				kvs = append(kvs, kv{string(kk), v})
			case lua.LNumber:
				kvs = append(kvs, kv{cjsonNumber(float64(kk)), v})
			default:
				bad = "Cannot serialise " + k.Type().String() + ": table key must be a number or string"
			}
		})
		if bad != "" {
			return bad
		}
		sort.Slice(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
		b.WriteByte('{')
		for i, e := range kvs {
			if i > 0 {
				b.WriteByte(',')
			}
			cjsonString(b, e.k)
			b.WriteByte(':')
			if msg := cjsonEncode(b, e.v, null, depth+1); msg != "" {
				return msg
			}
		}
		b.WriteByte('}')
	default:
		return "Cannot serialise " + v.Type().String() + ": type not supported"
	}
	return ""
}

// arrayLen reports whether every key of t is a positive integer, and the
// largest.
func arrayLen(t *lua.LTable) (int, bool) {
	n, ok := 0, true
	t.ForEach(func(k, _ lua.LValue) {
		f, isNum := k.(lua.LNumber)
		if !isNum || float64(f) != math.Trunc(float64(f)) || f < 1 {
			ok = false
			return
		}
		n = max(n, int(f))
	})
	return n, ok
}

func countKeys(t *lua.LTable) int {
	n := 0
	t.ForEach(func(_, _ lua.LValue) { n++ })
	return n
}

func cjsonString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '/':
			b.WriteString(`\/`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

func cjsonToLua(L *lua.LState, v any, null *lua.LUserData, depth int) lua.LValue {
	if depth > cjsonMaxDepth {
		L.RaiseError("Found too many nested data structures (%d)", depth)
	}
	switch x := v.(type) {
	case nil:
		return null
	case bool:
		return lua.LBool(x)
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return lua.LNumber(f)
	case string:
		return lua.LString(x)
	case []any:
		t := L.CreateTable(len(x), 0)
		for i, e := range x {
			t.RawSetInt(i+1, cjsonToLua(L, e, null, depth+1))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetString(k, cjsonToLua(L, e, null, depth+1))
		}
		return t
	}
	return lua.LNil
}
