// Command quickstart is a first tour of the embedded API: strings, a TTL,
// a counter, a hash, a list and a transaction on an in-memory store.
//
//	go run ./examples/quickstart
package main

import (
	"fmt"
	"log"
	"time"

	potato "rustypotato"
)

func main() {
	db, err := potato.Open(potato.Options{}) // in memory, Redis defaults
	// potato.Open(potato.Options{Dir: "data"}) // durable (Pebble), fsync every second
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.Set("user:1", []byte("ada"))
	db.SetArgs("session", []byte("x"), potato.SetArgs{TTL: time.Minute})
	n, _ := db.Incr("visits")
	db.HSet("user:1:profile", potato.FieldValue{Field: "name", Value: []byte("Ada")})
	db.LPush("jobs", []byte("a"), []byte("b"))
	db.Set("stock", []byte("10"))

	// Atomic over any keys; an error undoes everything.
	err = db.Update(func(tx *potato.Tx) error {
		if _, err := tx.IncrBy("stock", -1); err != nil {
			return err
		}
		_, err := tx.RPush("orders", []byte("order-1"))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	name, _ := db.HGet("user:1:profile", "name")
	stock, _ := db.Get("stock")
	orders, _ := db.LLen("orders")
	fmt.Printf("visits=%d name=%s stock=%s orders=%d\n", n, name, stock, orders)
}
