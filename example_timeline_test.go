package potato_test

import (
	"fmt"
	"log"

	potato "rustypotato"
)

// Roll the data back to an earlier point of the timeline, then undo the
// rollback: it is on the timeline too.
func ExampleDB_RollbackTo() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.Set("config", []byte("v1"))
	good := db.TimelineInfo().Last // the seq of the last change
	db.Set("config", []byte("broken"))
	db.Del("backup")
	db.FlushDB()

	before := db.TimelineInfo().Last
	res, err := db.RollbackTo(good)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := db.Get("config")
	fmt.Printf("back to %d, %d changes undone: config=%s\n", res.To, res.Undone, v)

	// The rollback can be rolled back.
	db.RollbackTo(before)
	n, _ := db.DBSize()
	fmt.Println("keys after undoing the rollback:", n)
	// Output:
	// back to 1, 2 changes undone: config=v1
	// keys after undoing the rollback: 0
}

// A key's past values, newest first.
func ExampleDB_History() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.Set("price", []byte("10"))
	db.IncrBy("price", 5)
	db.Del("price")

	hist, err := db.History("price", 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hist {
		fmt.Printf("seq %d %s: %s %q\n", h.Seq, h.Op, h.Type, h.Value)
	}
	// Output:
	// seq 3 del: none ""
	// seq 2 incrby: string "15"
	// seq 1 set: string "10"
}
