package lualib

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// LuaBitOp's bit library: 32-bit operations on numbers, results signed.

func tobit(L *lua.LState, i int) int32 {
	f := float64(L.CheckNumber(i))
	// LuaBitOp normalizes through a double: wrap modulo 2^32.
	return int32(uint32(int64(math.Mod(math.Trunc(f), 4294967296))))
}

func openBit(L *lua.LState) *lua.LTable {
	fold := func(op func(a, b int32) int32) lua.LGFunction {
		return func(L *lua.LState) int {
			v := tobit(L, 1)
			for i := 2; i <= L.GetTop(); i++ {
				v = op(v, tobit(L, i))
			}
			L.Push(lua.LNumber(v))
			return 1
		}
	}
	shift := func(op func(a int32, n uint) int32) lua.LGFunction {
		return func(L *lua.LState) int {
			L.Push(lua.LNumber(op(tobit(L, 1), uint(tobit(L, 2))&31)))
			return 1
		}
	}
	return module(L, map[string]lua.LGFunction{
		"tobit":   func(L *lua.LState) int { L.Push(lua.LNumber(tobit(L, 1))); return 1 },
		"bnot":    func(L *lua.LState) int { L.Push(lua.LNumber(^tobit(L, 1))); return 1 },
		"band":    fold(func(a, b int32) int32 { return a & b }),
		"bor":     fold(func(a, b int32) int32 { return a | b }),
		"bxor":    fold(func(a, b int32) int32 { return a ^ b }),
		"lshift":  shift(func(a int32, n uint) int32 { return int32(uint32(a) << n) }),
		"rshift":  shift(func(a int32, n uint) int32 { return int32(uint32(a) >> n) }),
		"arshift": shift(func(a int32, n uint) int32 { return a >> n }),
		"rol":     shift(func(a int32, n uint) int32 { u := uint32(a); return int32(u<<n | u>>(32-n)) }),
		"ror":     shift(func(a int32, n uint) int32 { u := uint32(a); return int32(u>>n | u<<(32-n)) }),
		"bswap": func(L *lua.LState) int {
			u := uint32(tobit(L, 1))
			L.Push(lua.LNumber(int32(u>>24 | (u>>8)&0xff00 | (u<<8)&0xff0000 | u<<24)))
			return 1
		},
		"tohex": func(L *lua.LState) int {
			v := uint32(tobit(L, 1))
			n := 8
			if L.GetTop() >= 2 {
				n = int(tobit(L, 2))
			}
			digits := "0123456789abcdef"
			if n < 0 {
				n, digits = -n, "0123456789ABCDEF"
			}
			n = min(n, 8)
			b := make([]byte, n)
			for i := n - 1; i >= 0; i-- {
				b[i] = digits[v&15]
				v >>= 4
			}
			L.Push(lua.LString(b))
			return 1
		},
	})
}

var _ = fmt.Sprint
