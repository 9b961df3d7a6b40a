/*
Package potato is RustyPotato: a Redis-compatible key-value store that is
first an embeddable Go library and second a RESP server (package server,
command rustypotato) that every Redis client can talk to.

# Basics

Open a store with Open. The zero Options give an in-memory store with
Redis's defaults:

	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.Set("user:1", []byte("ada"))
	v, err := db.Get("user:1") // errors.Is(err, potato.ErrNotFound) when absent

Methods are named after Redis's commands the way go-redis names them (Get,
SetArgs, IncrBy, HGetAll, LPush, BLPop, ...) and keep Redis's semantics:
the same results, the same edge cases and, through package server, the same
error texts. Keys are strings; values are byte slices.

A DB is a handle on one of the 16 numbered databases (Redis's SELECT);
Select returns a handle on another one of the same store.

# Transactions

Update and View run a closure atomically over any keys it touches:

	err := db.Update(func(tx *potato.Tx) error {
		n, err := tx.IncrBy("stock", -1)
		if err != nil {
			return err
		}
		if n < 0 {
			return errOutOfStock // undoes the decrement
		}
		_, err = tx.LPush("orders", []byte("order-1"))
		return err
	})

Returning an error (or panicking) undoes every change the closure made.
Tx has the same methods as DB. Keys are locked as the closure first
touches them; when a lock cannot be taken in the store's global order, the
changes so far are undone and the closure runs again with every lock taken
up front, so a closure may run more than once and must keep side effects
for after Update returns. UpdateKeys and ViewKeys take the locks of known
keys up front and never re-run. WatchKeys and Tx.Check give Redis's
optimistic WATCH.

# Expiry

Deadlines are absolute (Unix milliseconds). A key past its deadline is
gone for every read at once; active expiry removes keys nobody reads within
about Options.ExpiryInterval (100ms) of their deadline, without scanning
the keyspace. Options.Clock injects time for tests.

# Concurrency

All methods are safe for concurrent use. There is no global lock: each
key belongs to one of 128 lock stripes per database; reads take a shared
lock on their stripe, writes an exclusive one, and multi-key operations
lock their stripes in one sorted order, so they cannot deadlock. Readers
never see half a command or half a transaction.

# The mutation path

Every change, whatever its origin, is made and recorded by the same few
primitives as a Mutation (sequence number, database, key, Redis event
name, and the Edits with before-images). This is the spine that
persistence, the timeline, keyspace notifications and hooks consume, and
the undo log that makes Update atomic.

# Hooks

AddHook attaches a validation or a transformation to the keys matching a
glob: a built-in (int, float, json, json-schema, maxlen, regex, enum,
not-empty, lower, upper, trim, json-compact, default-ttl), a Go function,
or a server-side library function. Hooks run inside the mutation path,
before a value is stored; a rejection fails the command with a *HookError
(errors.Is ErrHookRejected) and changes nothing. Inside Update the
rejected call does not return: the closure stops and Update returns the
error, with every change undone. Built-in and function hooks are stored
with the data and survive a restart; Go hooks live in the process.

	db.AddHook(potato.Hook{Name: "age", Pattern: "age:*", Builtin: "int", Args: []string{"0", "150"}})
	err := db.Set("age:ann", []byte("200")) // HOOK age: value 200 is out of range [0, 150]

# Caveats

  - Byte slices returned by the DB must not be modified; they may be kept,
    as the store never modifies a value in place. Values passed in are
    copied.
  - Branches, the timeline, plugins and JSON values are not part of
    this release yet; see the project's issues.
  - With Options.Dir set, every write is made durable (per Options.Fsync)
    before it becomes visible; a failed durable write returns
    ErrPersistence and changes nothing. See docs/RATIONALE.md for what
    each fsync policy guarantees.
  - A Tx must only be used inside its closure, by the goroutine running it.
*/
package potato
