// Command jobqueue runs producers and consumers over a list: producers
// RPUSH jobs, consumers wait for them with BLPOP, and a context stops the
// consumers once the work is done.
//
//	go run ./examples/jobqueue
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sort"
	"strings"
	"sync"
	"time"

	potato "rustypotato"
)

func main() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	const producers, consumers, perProducer = 3, 4, 5
	ctx, stop := context.WithCancel(context.Background())
	var mu sync.Mutex
	done := map[string][]string{} // consumer -> jobs it ran
	var finished sync.WaitGroup
	finished.Add(producers * perProducer)

	var workers sync.WaitGroup
	for c := 0; c < consumers; c++ {
		name := fmt.Sprintf("consumer-%d", c)
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				// Wait for a job for as long as ctx lives (timeout 0).
				_, job, err := db.BLPop(ctx, 0, "jobs")
				if errors.Is(err, context.Canceled) {
					return
				}
				if err != nil {
					log.Fatal(err)
				}
				mu.Lock()
				done[name] = append(done[name], string(job))
				mu.Unlock()
				db.Incr("jobs:done")
				finished.Done()
			}
		}()
	}

	for p := 0; p < producers; p++ {
		go func() {
			for i := 0; i < perProducer; i++ {
				db.RPush("jobs", []byte(fmt.Sprintf("p%d-job%d", p, i)))
				time.Sleep(time.Millisecond)
			}
		}()
	}

	finished.Wait() // every job ran
	stop()          // consumers blocked in BLPOP return context.Canceled
	workers.Wait()

	var all []string
	for _, jobs := range done {
		all = append(all, jobs...)
	}
	sort.Strings(all)
	n, _ := db.Get("jobs:done")
	left, _ := db.LLen("jobs")
	fmt.Printf("%s jobs done by %d consumers, %d left in the queue\n", n, consumers, left)
	fmt.Println(strings.Join(all, " "))
}
