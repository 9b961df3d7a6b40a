// Package lualib implements, on gopher-lua, the Lua libraries Redis
// gives its scripts beside Lua 5.1's own: cjson, cmsgpack, bit (LuaBitOp)
// and struct, with the behaviour scripts written for Redis rely on.
package lualib

import lua "github.com/yuin/gopher-lua"

// Open registers cjson, cmsgpack, bit and struct as globals of L.
func Open(L *lua.LState) {
	L.SetGlobal("cjson", openCJSON(L))
	L.SetGlobal("cmsgpack", openMsgpack(L))
	L.SetGlobal("bit", openBit(L))
	L.SetGlobal("struct", openStruct(L))
}

func module(L *lua.LState, fns map[string]lua.LGFunction) *lua.LTable {
	t := L.NewTable()
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	return t
}
