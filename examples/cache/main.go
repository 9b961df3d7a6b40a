// Command cache uses RustyPotato as an embedded cache in front of a slow
// lookup: entries expire after a TTL, a miss recomputes the value, and
// a memory limit (maxmemory with allkeys-lru, as a Redis cache is set up)
// evicts the least recently used entries when the cache is full.
//
//	go run ./examples/cache
package main

import (
	"errors"
	"fmt"
	"log"
	"time"

	potato "rustypotato"
)

// slowLookups counts the calls that reached the slow source.
var slowLookups int

// lookup is the slow source the cache protects.
func lookup(user string) []byte {
	slowLookups++
	time.Sleep(20 * time.Millisecond)
	return []byte("profile of " + user)
}

// cached returns the value of user from the cache, or looks it up and
// caches it for ttl.
func cached(db *potato.DB, user string, ttl time.Duration) ([]byte, bool, error) {
	key := "profile:" + user
	v, err := db.Get(key)
	if err == nil {
		return v, true, nil
	}
	if !errors.Is(err, potato.ErrNotFound) {
		return nil, false, err
	}
	v = lookup(user)
	if _, _, err := db.SetArgs(key, v, potato.SetArgs{TTL: ttl}); err != nil {
		return nil, false, err
	}
	return v, false, nil
}

func main() {
	const limit = 1 << 20 // 1 MiB of cached data
	db, err := potato.Open(potato.Options{MaxMemory: limit, EvictionPolicy: potato.AllKeysLRU})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	const ttl = 300 * time.Millisecond
	show := func(user string) {
		v, hit, err := cached(db, user, ttl)
		if err != nil {
			log.Fatal(err)
		}
		what := "miss"
		if hit {
			what = "hit "
		}
		fmt.Printf("%s %s: %s\n", what, user, v)
	}
	show("ada")
	show("ada")
	show("grace")
	left, _ := db.TTL("profile:ada")
	fmt.Printf("profile:ada expires within %v: %v\n", ttl, left > 0 && left <= ttl)

	time.Sleep(ttl + 100*time.Millisecond) // the entries expire
	n, _ := db.Exists("profile:ada", "profile:grace")
	fmt.Printf("after the TTL, %d entries are left\n", n)
	show("ada")
	fmt.Printf("slow lookups: %d\n", slowLookups)

	// Far more profiles than fit: the oldest are evicted, the cache stays
	// within its limit, and writes never fail.
	page := make([]byte, 200)
	for i := 0; i < 20000; i++ {
		if err := db.Set(fmt.Sprintf("page:%d", i), page); err != nil {
			log.Fatal(err)
		}
	}
	st := db.MemoryStats()
	fmt.Printf("after 20000 pages: data within %d bytes: %v, keys evicted: %v\n",
		limit, st.DatasetBytes <= limit+1000, st.EvictedKeys > 10000)
}
