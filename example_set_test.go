package potato_test

import (
	"fmt"
	"log"
	"sort"

	potato "rustypotato"
)

func ExampleDB_SAdd() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	added, err := db.SAdd("tags:post:1", "go", "redis", "go")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("added:", added)

	is, _ := db.SIsMember("tags:post:1", "redis")
	fmt.Println("redis?", is)

	// A hashtable set replies in no particular order: sort for display.
	tags, _ := db.SMembers("tags:post:1")
	sort.Strings(tags)
	fmt.Println(tags)
	// Output:
	// added: 2
	// redis? true
	// [go redis]
}

func ExampleDB_SInterStore() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.SAdd("likes:ann", "1", "2", "3", "5")
	db.SAdd("likes:bob", "2", "3", "4")
	n, err := db.SInterStore("likes:both", "likes:ann", "likes:bob")
	if err != nil {
		log.Fatal(err)
	}
	// A set of integers is an intset, as in Redis: ascending order.
	both, _ := db.SMembers("likes:both")
	oi, _ := db.Object("likes:both")
	fmt.Println(n, both, oi.Encoding)
	// Output:
	// 2 [2 3] intset
}
