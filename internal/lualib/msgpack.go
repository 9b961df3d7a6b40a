package lualib

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// cmsgpack as Redis bundles it (lua-cmsgpack): pack(...) encodes each
// argument and concatenates them; unpack(s) decodes every object;
// unpack_one(s [, offset]) and unpack_limit(s, limit [, offset]) return
// the next offset (-1 at the end) first. A table whose keys are 1..n is
// an array, others maps; integral numbers are integers, others floats
// (32-bit when exact); strings are raw (fixraw/raw16/raw32).

const msgpackMaxDepth = 16

func openMsgpack(L *lua.LState) *lua.LTable {
	unpack := func(L *lua.LState, data string, offset, limit int) int {
		pos, n := offset, 0
		for pos < len(data) && (limit <= 0 || n < limit) {
			v, next, ok := mpDecode(L, data, pos, 0)
			if !ok {
				L.RaiseError("Missing bytes in input.")
			}
			L.Push(v)
			pos, n = next, n+1
		}
		return n
	}
	return module(L, map[string]lua.LGFunction{
		"pack": func(L *lua.LState) int {
			if L.GetTop() == 0 {
				L.RaiseError("MessagePack pack needs input.")
			}
			var out []byte
			for i := 1; i <= L.GetTop(); i++ {
				out = mpEncode(out, L.Get(i), 0)
			}
			L.Push(lua.LString(out))
			return 1
		},
		"unpack": func(L *lua.LState) int {
			return unpack(L, L.CheckString(1), 0, 0)
		},
		"unpack_one": func(L *lua.LState) int {
			return mpUnpackFrom(L, L.CheckString(1), L.OptInt(2, 0), 1, unpack)
		},
		"unpack_limit": func(L *lua.LState) int {
			return mpUnpackFrom(L, L.CheckString(1), L.OptInt(3, 0), L.CheckInt(2), unpack)
		},
	})
}

func mpUnpackFrom(L *lua.LState, data string, offset, limit int, unpack func(*lua.LState, string, int, int) int) int {
	if offset < 0 || offset > len(data) {
		L.RaiseError("Start offset %d greater than input length %d.", offset, len(data))
	}
	top := L.GetTop()
	L.Push(lua.LNil) // placeholder for the next offset
	n := unpack(L, data, offset, limit)
	// Recompute the end offset by decoding again (values are pushed).
	pos := offset
	for i := 0; i < n; i++ {
		_, pos, _ = mpDecode(L, data, pos, 0)
	}
	next := pos
	if pos >= len(data) {
		next = -1
	}
	L.Replace(top+1, lua.LNumber(next))
	return n + 1
}

func mpEncode(b []byte, v lua.LValue, depth int) []byte {
	switch x := v.(type) {
	case lua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && !math.IsInf(f, 0) && math.Abs(f) < 1<<63 {
			return mpInt(b, int64(f))
		}
		if float64(float32(f)) == f || math.IsNaN(f) {
			b = append(b, 0xca)
			return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f)))
		}
		b = append(b, 0xcb)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	case lua.LString:
		n := len(x)
		switch {
		case n < 32:
			b = append(b, 0xa0|byte(n))
		case n < 1<<16:
			b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
		default:
			b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
		}
		return append(b, x...)
	case *lua.LTable:
		if depth >= msgpackMaxDepth {
			return append(b, 0xc0)
		}
		if n, ok := arrayLen(x); ok && n == countKeys(x) {
			switch {
			case n < 16:
				b = append(b, 0x90|byte(n))
			case n < 1<<16:
				b = binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
			default:
				b = binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
			}
			for i := 1; i <= n; i++ {
				b = mpEncode(b, x.RawGetInt(i), depth+1)
			}
			return b
		}
		n := countKeys(x)
		switch {
		case n < 16:
			b = append(b, 0x80|byte(n))
		case n < 1<<16:
			b = binary.BigEndian.AppendUint16(append(b, 0xde), uint16(n))
		default:
			b = binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(n))
		}
		x.ForEach(func(k, v lua.LValue) {
			b = mpEncode(b, k, depth+1)
			b = mpEncode(b, v, depth+1)
		})
		return b
	}
	return append(b, 0xc0)
}

func mpInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n < 128:
		return append(b, byte(n))
	case n >= 0 && n < 1<<8:
		return append(b, 0xcc, byte(n))
	case n >= 0 && n < 1<<16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
	case n >= 0 && n < 1<<32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	case n >= -32:
		return append(b, byte(n))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -1<<15:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -1<<31:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// mpDecode decodes the object at data[pos:].
func mpDecode(L *lua.LState, data string, pos, depth int) (lua.LValue, int, bool) {
	if pos >= len(data) || depth > 64 {
		return lua.LNil, pos, false
	}
	need := func(n int) bool { return pos+n <= len(data) }
	u := func(n int) uint64 {
		var v uint64
		for i := 0; i < n; i++ {
			v = v<<8 | uint64(data[pos+i])
		}
		return v
	}
	c := data[pos]
	pos++
	str := func(n int) (lua.LValue, int, bool) {
		if !need(n) {
			return lua.LNil, pos, false
		}
		return lua.LString(data[pos : pos+n]), pos + n, true
	}
	seq := func(n int, isMap bool) (lua.LValue, int, bool) {
		t := L.NewTable()
		for i := 0; i < n; i++ {
			var k, v lua.LValue
			var ok bool
			if isMap {
				if k, pos, ok = mpDecode(L, data, pos, depth+1); !ok {
					return lua.LNil, pos, false
				}
			} else {
				k = lua.LNumber(i + 1)
			}
			if v, pos, ok = mpDecode(L, data, pos, depth+1); !ok {
				return lua.LNil, pos, false
			}
			t.RawSet(k, v)
		}
		return t, pos, true
	}
	switch {
	case c < 0x80:
		return lua.LNumber(c), pos, true
	case c >= 0xe0:
		return lua.LNumber(int8(c)), pos, true
	case c&0xe0 == 0xa0:
		return str(int(c & 0x1f))
	case c&0xf0 == 0x90:
		return seq(int(c&0x0f), false)
	case c&0xf0 == 0x80:
		return seq(int(c&0x0f), true)
	}
	size := map[byte]int{0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xca: 4, 0xcb: 8,
		0xd9: 1, 0xda: 2, 0xdb: 4, 0xc4: 1, 0xc5: 2, 0xc6: 4, 0xdc: 2, 0xdd: 4, 0xde: 2, 0xdf: 4}[c]
	switch c {
	case 0xc0:
		return lua.LNil, pos, true
	case 0xc2:
		return lua.LFalse, pos, true
	case 0xc3:
		return lua.LTrue, pos, true
	}
	if size == 0 || !need(size) {
		return lua.LNil, pos, false
	}
	v := u(size)
	pos += size
	switch c {
	case 0xcc, 0xcd, 0xce, 0xcf:
		return lua.LNumber(float64(v)), pos, true
	case 0xd0:
		return lua.LNumber(int8(v)), pos, true
	case 0xd1:
		return lua.LNumber(int16(v)), pos, true
	case 0xd2:
		return lua.LNumber(int32(v)), pos, true
	case 0xd3:
		return lua.LNumber(float64(int64(v))), pos, true
	case 0xca:
		return lua.LNumber(math.Float32frombits(uint32(v))), pos, true
	case 0xcb:
		return lua.LNumber(math.Float64frombits(v)), pos, true
	case 0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6:
		if v > uint64(len(data)) {
			return lua.LNil, pos, false
		}
		return str(int(v))
	case 0xdc, 0xdd:
		if v > uint64(len(data)) {
			return lua.LNil, pos, false
		}
		return seq(int(v), false)
	}
	if v > uint64(len(data)) {
		return lua.LNil, pos, false
	}
	return seq(int(v), true)
}
