package potato_test

import (
	"errors"
	"fmt"
	"strings"

	potato "rustypotato"
)

// A built-in validator, a built-in transform and a Go hook on the same
// keys: they run in priority order, then by name, each seeing what the
// previous one made.
func ExampleDB_AddHook() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	db.AddHook(potato.Hook{Name: "trim", Pattern: "email:*", Builtin: "trim"})
	db.AddHook(potato.Hook{Name: "lower", Pattern: "email:*", Builtin: "lower"})
	db.AddHook(potato.Hook{Name: "at", Pattern: "email:*", Priority: 1, Func: func(hc *potato.HookContext) error {
		if !strings.Contains(string(hc.Value), "@") {
			return errors.New("not an e-mail address")
		}
		return nil
	}})

	fmt.Println(db.Set("email:ann", []byte("  Ann@Example.COM ")))
	v, _ := db.Get("email:ann")
	fmt.Printf("%s\n", v)
	err := db.Set("email:bob", []byte("bob"))
	fmt.Println(err, errors.Is(err, potato.ErrHookRejected))
	// Output:
	// <nil>
	// ann@example.com
	// HOOK at: not an e-mail address true
}
