package potato_test

import (
	"fmt"
	"log"
	"sort"

	potato "rustypotato"
)

func ExampleDB_HSet() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	added, err := db.HSet("user:1",
		potato.FieldValue{Field: "name", Value: []byte("Ada")},
		potato.FieldValue{Field: "lang", Value: []byte("en")},
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("added:", added)

	// Updating an existing field adds nothing.
	added, _ = db.HSet("user:1", potato.FieldValue{Field: "lang", Value: []byte("fr")})
	fmt.Println("added:", added)

	lang, _ := db.HGet("user:1", "lang")
	fmt.Println("lang:", string(lang))
	// Output:
	// added: 2
	// added: 0
	// lang: fr
}

func ExampleDB_HGetAll() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.HSet("stock",
		potato.FieldValue{Field: "pears", Value: []byte("3")},
		potato.FieldValue{Field: "apples", Value: []byte("5")},
	)
	db.HIncrBy("stock", "pears", 4)

	pairs, err := db.HGetAll("stock")
	if err != nil {
		log.Fatal(err)
	}
	// Like Redis, HGetAll promises no order.
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].Field < pairs[j].Field })
	for _, p := range pairs {
		fmt.Printf("%s=%s\n", p.Field, p.Value)
	}
	// Output:
	// apples=5
	// pears=7
}
