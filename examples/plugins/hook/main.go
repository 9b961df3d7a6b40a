//go:build wasip1

// Command hook is a RustyPotato WebAssembly plugin with a validation
// hook: a function called with the hook ABI (docs/PLUGINS.md, "Hook
// functions") before a write to a matching key.
//
//	FCALL email_hook 1 <key> <op> <old> <new>
//
// It refuses a value that is not an e-mail address and stores addresses
// lower-cased and trimmed: a null reply accepts the new value as it is, a
// bulk reply replaces it, an error rejects the write.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o hook.wasm .
package main

import (
	"bytes"

	"rustypotato/sdk/go/rp"
)

func main() {}

func init() {
	rp.Library("emailhook")
	rp.Register("email_hook", check, rp.NoWrites(), rp.Description("Validation hook: values must be e-mail addresses (stored lower-case)"))
}

func check(c *rp.Call) (rp.Reply, error) {
	if len(c.Keys) != 1 || len(c.Args) != 3 {
		return rp.Error("ERR email_hook takes a key and op, old, new"), nil
	}
	op, v := string(c.Args[0]), c.Args[2]
	if op == "del" || op == "expired" {
		return rp.Null(), nil // removals are always fine
	}
	clean := bytes.ToLower(bytes.TrimSpace(v))
	at := bytes.IndexByte(clean, '@')
	if at <= 0 || at == len(clean)-1 || bytes.IndexByte(clean[at+1:], '.') < 0 || bytes.ContainsAny(clean, " \t\r\n") {
		return rp.Error("ERR value of " + string(c.Keys[0]) + " is not an e-mail address"), nil
	}
	if bytes.Equal(clean, v) {
		return rp.Null(), nil
	}
	return rp.Bulk(clean), nil
}
