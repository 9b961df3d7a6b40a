//go:build wasip1

// Command cas is a RustyPotato WebAssembly plugin: compare-and-set.
//
//	FCALL cas 1 <key> <expected> <new>     -> 1 if key held expected and now holds new, else 0
//	FCALL cas_create 1 <key> <new>         -> 1 if key did not exist and now holds new, else 0
//	FCALL_RO cas_version 1 <key>           -> the value, or nil
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o cas.wasm .
package main

import (
	"bytes"
	"errors"

	"rustypotato/sdk/go/rp"
)

func main() {}

func init() {
	rp.Library("cas")
	rp.Register("cas", cas, rp.Description("Set KEYS[1] to ARGV[2] if it holds ARGV[1]"))
	rp.Register("cas_create", create, rp.Description("Set KEYS[1] to ARGV[1] if it does not exist"))
	rp.Register("cas_version", version, rp.NoWrites(), rp.Description("Read KEYS[1]"))
}

var errUsage = errors.New("wrong number of keys or arguments")

func cas(c *rp.Call) (rp.Reply, error) {
	if len(c.Keys) != 1 || len(c.Args) != 2 {
		return nil, errUsage
	}
	cur, err := c.Do("GET", c.Keys[0])
	if err != nil {
		return nil, err
	}
	if cur.Null || !bytes.Equal(cur.Str, c.Args[0]) {
		return rp.Int(0), nil
	}
	if _, err := c.Do("SET", c.Keys[0], c.Args[1], "KEEPTTL"); err != nil {
		return nil, err
	}
	return rp.Int(1), nil
}

func create(c *rp.Call) (rp.Reply, error) {
	if len(c.Keys) != 1 || len(c.Args) != 1 {
		return nil, errUsage
	}
	v, err := c.Do("SET", c.Keys[0], c.Args[0], "NX")
	if err != nil {
		return nil, err
	}
	if v.Null {
		return rp.Int(0), nil
	}
	return rp.Int(1), nil
}

func version(c *rp.Call) (rp.Reply, error) {
	if len(c.Keys) != 1 || len(c.Args) != 0 {
		return nil, errUsage
	}
	v, err := c.Do("GET", c.Keys[0])
	if err != nil {
		return nil, err
	}
	if v.Null {
		return rp.Null(), nil
	}
	return rp.Bulk(v.Str), nil
}
