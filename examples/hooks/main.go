// Command hooks keeps user profiles valid with RustyPotato's key mutation
// hooks ("Boiled Key Mode"): a JSON Schema checks every profile written
// under user:*, e-mail addresses are trimmed and lower-cased before they
// are stored, sessions get a default TTL, and a Go hook refuses profiles
// whose "id" does not match their key. A rejected write changes nothing.
//
//	go run ./examples/hooks                 # in memory
//	go run ./examples/hooks -dir /tmp/hk    # hook definitions persist in /tmp/hk
//
// With -dir, built-in hooks are stored with the data: a later run (even
// after kill -9, see -crash) finds them installed; Go hooks are added by
// each run.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"syscall"
	"time"

	"rustypotato"
)

const profileSchema = `{
  "type": "object",
  "required": ["id", "name", "age"],
  "properties": {
    "id":   {"type": "string"},
    "name": {"type": "string", "minLength": 1},
    "age":  {"type": "integer", "minimum": 0, "maximum": 150}
  },
  "additionalProperties": false
}`

// builtins are the persisted hooks: installed unless a previous run
// stored them already.
var builtins = []potato.Hook{
	{Name: "profile-schema", Pattern: "user:*", Builtin: "json-schema", Args: []string{profileSchema}},
	{Name: "profile-compact", Pattern: "user:*", Priority: 1, Builtin: "json-compact"},
	{Name: "email-trim", Pattern: "email:*", Builtin: "trim"},
	{Name: "email-lower", Pattern: "email:*", Builtin: "lower"},
	{Name: "email-format", Pattern: "email:*", Priority: 1, Builtin: "regex", Args: []string{`^[^@\s]+@[^@\s]+\.[a-z]+$`}},
	{Name: "session-ttl", Pattern: "session:*", Builtin: "default-ttl", Args: []string{"1800"}},
}

// idMatchesKey is a Go hook: the profile's "id" must be the key's suffix.
func idMatchesKey(hc *potato.HookContext) error {
	var p struct{ ID string }
	if err := json.Unmarshal(hc.Value, &p); err != nil {
		return err // the schema hook has already refused anything but JSON
	}
	if want := strings.TrimPrefix(hc.Key, "user:"); p.ID != want {
		return fmt.Errorf("profile id %q does not match key %s", p.ID, hc.Key)
	}
	return nil
}

func main() {
	dir := flag.String("dir", "", "data directory (empty: in memory)")
	crash := flag.Bool("crash", false, "install the hooks, then kill the process with SIGKILL")
	flag.Parse()
	db, err := potato.Open(potato.Options{Dir: *dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	installed := map[string]bool{}
	for _, h := range db.Hooks() {
		installed[h.Name] = true
	}
	fmt.Printf("hooks found at start: %d\n", len(installed))
	for _, h := range builtins {
		if !installed[h.Name] {
			if err := db.AddHook(h); err != nil {
				log.Fatal(err)
			}
		}
	}
	if *crash {
		syscall.Kill(syscall.Getpid(), syscall.SIGKILL) // no Close: definitions must already be durable
	}
	if err := db.AddHook(potato.Hook{Name: "profile-id", Pattern: "user:*", Priority: 2, Func: idMatchesKey}); err != nil {
		log.Fatal(err)
	}

	try := func(what string, err error) {
		var he *potato.HookError
		switch {
		case errors.As(err, &he):
			fmt.Printf("%-30s rejected by %s: %s\n", what, he.Hook, he.Reason)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Printf("%-30s ok\n", what)
		}
	}
	try("ada's profile", db.Set("user:ada", []byte(`{ "id": "ada", "name": "Ada", "age": 36 }`)))
	try("a profile without a name", db.Set("user:bob", []byte(`{"id":"bob","age":3}`)))
	try("an age of 200", db.Set("user:eve", []byte(`{"id":"eve","name":"Eve","age":200}`)))
	try("a profile under another id", db.Set("user:mallory", []byte(`{"id":"ada","name":"M","age":30}`)))
	try("ada's e-mail", db.Set("email:ada", []byte("  Ada@Example.COM ")))
	try("an e-mail without a domain", db.Set("email:bob", []byte("bob@localhost")))
	// In one transaction, a rejection undoes everything before it.
	try("a transaction with a bad step", db.Update(func(tx *potato.Tx) error {
		if err := tx.Set("email:grace", []byte("grace@example.org")); err != nil {
			return err
		}
		return tx.Set("user:grace", []byte(`{"id":"grace","name":"","age":45}`))
	}))
	try("a session", db.Set("session:42", []byte("ada")))

	for _, k := range []string{"user:ada", "email:ada", "user:bob", "email:grace"} {
		v, err := db.Get(k)
		if errors.Is(err, potato.ErrNotFound) {
			fmt.Printf("%s: (none)\n", k)
			continue
		}
		fmt.Printf("%s: %s\n", k, v)
	}
	ttl, _ := db.TTL("session:42")
	fmt.Printf("session:42 expires in %v\n", ttl.Round(time.Minute))
	for _, h := range db.Hooks() {
		if h.Rejections > 0 {
			fmt.Printf("%s: %d calls, %d rejections\n", h.Name, h.Calls, h.Rejections)
		}
	}
}
