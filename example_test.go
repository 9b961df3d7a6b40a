package potato_test

import (
	"errors"
	"fmt"
	"log"
	"slices"
	"strconv"
	"sync"
	"time"

	potato "rustypotato"
)

func ExampleOpen() {
	// The zero Options give an in-memory store with Redis's defaults.
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// Open returns database 0; Select gives the other numbered databases.
	db3, _ := db.Select(3)
	db3.Set("greeting", []byte("hello from db 3"))
	v, _ := db3.Get("greeting")
	fmt.Println(db.Index(), db3.Index(), string(v))
	// Output: 0 3 hello from db 3
}

func ExampleDB_Get() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()

	db.Set("user:1:name", []byte("Ada"))
	v, err := db.Get("user:1:name")
	fmt.Println(string(v), err)

	// A missing key is ErrNotFound (Redis's nil reply).
	_, err = db.Get("user:2:name")
	fmt.Println(errors.Is(err, potato.ErrNotFound))
	// Output:
	// Ada <nil>
	// true
}

// manualClock is a Clock the example moves by hand instead of sleeping.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func ExampleDB_SetArgs() {
	clock := &manualClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	db, _ := potato.Open(potato.Options{Clock: clock})
	defer db.Close()

	// SET session:42 token EX 10 NX
	_, set, _ := db.SetArgs("session:42", []byte("token"), potato.SetArgs{TTL: 10 * time.Second, NX: true})
	ttl, _ := db.TTL("session:42")
	fmt.Println(set, ttl)

	// NX: a second SET does nothing while the key exists.
	_, set, _ = db.SetArgs("session:42", []byte("other"), potato.SetArgs{NX: true})
	fmt.Println(set)

	clock.Advance(10 * time.Second)
	_, err := db.Get("session:42")
	fmt.Println(errors.Is(err, potato.ErrNotFound))
	// Output:
	// true 10s
	// false
	// true
}

func ExampleDB_Incr() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()

	for i := 0; i < 3; i++ {
		db.Incr("visits")
	}
	n, _ := db.IncrBy("visits", 10)
	fmt.Println(n)

	// Counters are strings holding integers, as in Redis.
	db.Set("name", []byte("Ada"))
	_, err := db.Incr("name")
	fmt.Println(err)

	// INCRBYFLOAT keeps Redis's exact decimal rendering.
	f, _ := db.IncrByFloatText("price", "10.5")
	f, _ = db.IncrByFloatText("price", "0.1")
	fmt.Println(f)
	// Output:
	// 13
	// potato: ERR value is not an integer or out of range
	// 10.6
}

func ExampleDB_Update() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	db.Set("alice", []byte("100"))
	db.Set("bob", []byte("50"))

	// Move 30 from alice to bob atomically: readers see both changes or
	// neither.
	transfer := func(from, to string, amount int64) error {
		return db.Update(func(tx *potato.Tx) error {
			v, err := tx.Get(from)
			if err != nil {
				return err
			}
			if balance, _ := strconv.ParseInt(string(v), 10, 64); balance < amount {
				return errors.New("insufficient funds") // undoes everything
			}
			if _, err := tx.DecrBy(from, amount); err != nil {
				return err
			}
			_, err = tx.IncrBy(to, amount)
			return err
		})
	}
	fmt.Println(transfer("alice", "bob", 30))
	fmt.Println(transfer("alice", "bob", 500))

	db.View(func(tx *potato.Tx) error {
		a, _ := tx.Get("alice")
		b, _ := tx.Get("bob")
		fmt.Println(string(a), string(b))
		return nil
	})
	// Output:
	// <nil>
	// insufficient funds
	// 70 80
}

func ExampleDB_WatchKeys() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	db.Set("stock", []byte("10"))

	// WATCH stock; GET stock; ... MULTI; SET stock 9; EXEC
	buyOne := func(beforeExec func()) error {
		w := db.WatchKeys("stock")
		defer w.Close() // UNWATCH
		v, _ := db.Get("stock")
		n, _ := strconv.Atoi(string(v))
		beforeExec()
		return db.Update(func(tx *potato.Tx) error {
			// Check makes the test and the writes below one atomic step.
			if err := tx.Check(w); err != nil {
				return err
			}
			return tx.Set("stock", []byte(strconv.Itoa(n-1)))
		})
	}

	// Someone else buys between our read and our write: we are aborted.
	err := buyOne(func() { db.Decr("stock") })
	fmt.Println(errors.Is(err, potato.ErrTxAborted))

	// Retry without interference.
	err = buyOne(func() {})
	v, _ := db.Get("stock")
	fmt.Println(err, string(v))
	// Output:
	// true
	// <nil> 8
}

func ExampleDB_Scan() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	for i := 0; i < 25; i++ {
		db.Set(fmt.Sprintf("user:%02d", i), []byte("x"))
	}
	db.Set("config", []byte("y"))

	// Iterate with a cursor, like SCAN 0 MATCH user:1* COUNT 10, until the
	// cursor comes back to 0. Keys come in no particular order.
	var found []string
	cursor := uint64(0)
	for {
		keys, next, err := db.Scan(cursor, potato.ScanArgs{Match: "user:1*", Count: 10})
		if err != nil {
			log.Fatal(err)
		}
		found = append(found, keys...)
		if next == 0 {
			break
		}
		cursor = next
	}
	slices.Sort(found)
	fmt.Println(found)
	// Output: [user:10 user:11 user:12 user:13 user:14 user:15 user:16 user:17 user:18 user:19]
}
