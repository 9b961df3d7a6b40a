package potato_test

import (
	"fmt"

	"rustypotato"
)

// A leaderboard: scores by member, ranks and ranges in O(log n).
func ExampleDB_ZAdd() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	db.ZAdd("board", potato.Z{Score: 120, Member: "ann"}, potato.Z{Score: 95, Member: "bob"}, potato.Z{Score: 140, Member: "cid"})
	db.ZIncrBy("board", 30, "bob")
	top, _ := db.ZRangeArgs(potato.ZRangeArgs{Key: "board", Start: "+inf", Stop: "-inf", ByScore: true, Rev: true, Count: 2})
	for _, z := range top {
		fmt.Println(z.Member, z.Score)
	}
	rank, _ := db.ZRevRank("board", "ann")
	fmt.Println("ann is number", rank+1)
	// Output:
	// cid 140
	// bob 125
	// ann is number 3
}

// A delay queue: members due by a time score, popped lowest first.
func ExampleDB_ZPopMin() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	db.ZAdd("jobs", potato.Z{Score: 1700000300, Member: "email"}, potato.Z{Score: 1700000100, Member: "resize"})
	due, _ := db.ZCount("jobs", "-inf", "1700000200")
	next, _ := db.ZPopMin("jobs", 1)
	fmt.Println(due, next[0].Member)
	// Output: 1 resize
}
