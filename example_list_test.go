package potato_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	potato "rustypotato"
)

func ExampleDB_LPush() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()

	// LPUSH inserts at the head one value after the other, so the last
	// value ends up first; RPUSH appends at the tail.
	db.LPush("tasks", []byte("b"), []byte("a"))
	n, _ := db.RPush("tasks", []byte("c"))
	fmt.Println("length:", n)

	all, _ := db.LRange("tasks", 0, -1)
	fmt.Printf("%s\n", bytes.Join(all, []byte(" ")))

	last, _ := db.LRange("tasks", -2, -1)
	fmt.Printf("last two: %s\n", last)
	// Output:
	// length: 3
	// a b c
	// last two: [b c]
}

func ExampleDB_BLPop() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()

	// A worker waits on two queues; a producer pushes to one of them
	// later. The push and the pop that wakes the worker are one atomic
	// step, so the element cannot be lost or taken twice.
	done := make(chan struct{})
	go func() {
		defer close(done)
		key, job, err := db.BLPop(context.Background(), 0, "urgent", "normal")
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("got %s from %s\n", job, key)
	}()
	time.Sleep(10 * time.Millisecond) // let the worker block (not needed for correctness)
	db.RPush("normal", []byte("job-1"))
	<-done

	// With nothing to pop, BLPop gives up after the timeout.
	_, _, err = db.BLPop(context.Background(), 10*time.Millisecond, "urgent")
	fmt.Println(err == potato.ErrNotFound)
	// Output:
	// got job-1 from normal
	// true
}
