// Command durable keeps counters in a durable store (Options.Dir): every
// increment acknowledged under Fsync always has reached the disk, so
// killing the program (even with kill -9) and running it again continues
// from where it was.
//
//	go run ./examples/durable -dir /tmp/counters -n 5
//	go run ./examples/durable -dir /tmp/counters -n 5   # starts from 5
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"

	potato "rustypotato"
)

func main() {
	dir := flag.String("dir", "", "data directory (default: a new temporary one)")
	n := flag.Int("n", 3, "increments to make (0: until killed)")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "potato-durable-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}

	// FsyncAlways: Incr returns only after the WAL sync that covers it
	// (the default, FsyncEverySec, also survives a kill of the process:
	// it loses at most a second of writes on a power loss).
	db, err := potato.Open(potato.Options{Dir: *dir, Fsync: potato.FsyncAlways})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	start := int64(0)
	switch v, err := db.Get("counter"); {
	case err == nil:
		start, _ = strconv.ParseInt(string(v), 10, 64)
	case !errors.Is(err, potato.ErrNotFound):
		log.Fatal(err)
	}
	fmt.Printf("counter starts at %d\n", start)
	for i := 0; *n == 0 || i < *n; i++ {
		v, err := db.Incr("counter")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("counter = %d\n", v) // acknowledged: survives a kill from now on
	}
}
