// Command branches tours what RustyPotato has and Redis does not: a
// git-style branch of the whole dataset (O(1) to create), a diff and a
// three-way merge, then the timeline: a key's history and a rollback of a
// bad change, itself undoable.
//
//	go run ./examples/branches
package main

import (
	"fmt"
	"log"

	potato "rustypotato"
)

func main() {
	db, err := potato.Open(potato.Options{}) // or Options{Dir: "data"}: branches are durable too
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.HSet("price:apple", potato.FieldValue{Field: "eur", Value: []byte("1.00")})
	db.HSet("price:pear", potato.FieldValue{Field: "eur", Value: []byte("2.00")})

	// Experiment on a fork: main does not see it.
	if err := db.CreateBranch("sale", potato.BranchArgs{}); err != nil {
		log.Fatal(err)
	}
	sale, _ := db.Branch("sale")
	sale.HSet("price:apple", potato.FieldValue{Field: "eur", Value: []byte("0.80")})
	sale.Set("banner", []byte("20% off apples"))
	// Meanwhile main changes another field of the same hash.
	db.HSet("price:apple", potato.FieldValue{Field: "usd", Value: []byte("1.10")})

	for d, err := range db.Diff("main", "sale", potato.DiffArgs{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("diff: %s %s %s %v\n", d.Key, d.Kind, d.Type, d.Fields)
	}
	res, err := db.Merge("sale", "main", potato.MergeArgs{})
	if err != nil {
		log.Fatal(err)
	}
	apple, _ := db.HGetAll("price:apple")
	fmt.Printf("merged %d keys, %d conflicts; apple: eur=%s usd=%s\n", res.Merged, len(res.Conflicts),
		field(apple, "eur"), field(apple, "usd"))

	// The timeline: a bad change, found and rolled back.
	good := db.TimelineInfo().Last
	db.Set("banner", []byte("ALL FREE"))
	db.Del("price:pear")
	hist, _ := db.History("banner", 0)
	for _, h := range hist {
		fmt.Printf("banner at seq %d (%s): %s\n", h.Seq, h.Op, h.Value)
	}
	before := db.TimelineInfo().Last
	rb, err := db.RollbackTo(good)
	if err != nil {
		log.Fatal(err)
	}
	banner, _ := db.Get("banner")
	n, _ := db.Exists("price:pear")
	fmt.Printf("rolled back %d changes: banner=%q pear exists=%d\n", rb.Undone, banner, n)

	// A rollback is a change like any other: it can be undone.
	db.RollbackTo(before)
	banner, _ = db.Get("banner")
	fmt.Printf("rollback undone: banner=%q\n", banner)
}

func field(fs []potato.FieldValue, name string) string {
	for _, f := range fs {
		if f.Field == name {
			return string(f.Value)
		}
	}
	return ""
}
