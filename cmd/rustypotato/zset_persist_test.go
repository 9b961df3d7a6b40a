package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestZSetsSurviveKill9 puts sorted sets under write load from 8
// clients (ZADD of new members, ZINCRBY of a counter member, ZREM of an
// older member), kills the server with SIGKILL, restarts it and requires
// every acknowledged change, for a few rounds.
func TestZSetsSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	type client struct {
		key         string
		sent, acked atomic.Int64
	}
	var all []*client
	for round := 0; round < 3; round++ {
		s := startServer(t, dir, "--appendfsync", "always")
		c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
		for _, cl := range all {
			acked, sent := cl.acked.Load(), cl.sent.Load()
			cnt, err := c.ZScore(ctx, cl.key, "counter").Result()
			if err != nil && acked > 0 {
				t.Fatalf("round %d %s: counter: %v", round, cl.key, err)
			}
			if int64(cnt) < acked || int64(cnt) > sent {
				t.Fatalf("round %d %s: counter %v, want between %d and %d", round, cl.key, cnt, acked, sent)
			}
			for j := int64(1); j < acked; j++ {
				s, err := c.ZScore(ctx, cl.key, fmt.Sprint("m", j)).Result()
				removed := j+5 <= acked // op j+5 removed m<j>
				switch {
				case removed && err != redis.Nil:
					t.Fatalf("round %d %s: m%d still there (%v, %v)", round, cl.key, j, s, err)
				case !removed && j+5 > sent && (err != nil || s != float64(j)):
					t.Fatalf("round %d %s: m%d = %v, %v; want %d", round, cl.key, j, s, err, j)
				}
			}
		}
		c.Close()
		var acked int64
		for _, cl := range all {
			acked += cl.acked.Load()
		}
		if round > 0 && acked == 0 {
			t.Fatal("no write was acknowledged before the kill: nothing checked")
		}
		if round == 2 {
			t.Logf("%d acknowledged transactions checked", acked)
			s.term(t)
			break
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			cl := &client{key: fmt.Sprintf("r%dz%d", round, i)}
			all = append(all, cl)
			wg.Add(1)
			go func() {
				defer wg.Done()
				rc := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
				defer rc.Close()
				for j := int64(1); ; j++ {
					select {
					case <-stop:
						return
					default:
					}
					cl.sent.Store(j)
					_, err := rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.ZAdd(ctx, cl.key, redis.Z{Score: float64(j), Member: fmt.Sprint("m", j)})
						p.ZIncrBy(ctx, cl.key, 1, "counter")
						if j > 5 {
							p.ZRem(ctx, cl.key, fmt.Sprint("m", j-5))
						}
						return nil
					})
					if err != nil {
						return
					}
					cl.acked.Store(j)
				}
			}()
		}
		time.Sleep(400 * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
	}
}
