// Package rp is the Go guest SDK for RustyPotato WebAssembly plugins:
// functions that run inside the server, on Redis 7's FUNCTION/FCALL
// surface, atomically over the keys they are given.
//
// Build a plugin as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o lib.wasm .
//
// and load it with FUNCTION LOAD (the file's bytes) or PLUGIN LOAD. A
// plugin is a main package (with an empty main) whose init names the
// library and registers its functions:
//
//	func init() {
//		rp.Library("mylib")
//		rp.Register("hello", hello, rp.NoWrites(), rp.Description("Says hello"))
//	}
//
//	func hello(c *rp.Call) (rp.Reply, error) {
//		v, err := c.Do("GET", c.Keys[0])
//		if err != nil {
//			return nil, err
//		}
//		return rp.Bulk(append([]byte("hello "), v.Str...)), nil
//	}
//
// A handler's error fails the call: every write it made is undone and
// the client gets the error (as "-ERR <text>" unless it starts with an
// upper-case code). An error Reply (rp.Error) is returned like any reply
// and keeps the writes, as redis.error_reply does in Lua.
//
// The package only builds for GOOS=wasip1; docs/PLUGINS.md describes the
// ABI beneath it.
package rp
