package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// setCrashClient adds members to sets through one connection on a
// branch: member <p><i> into the shared set "base:s" (forked from main
// into dev, so dev's copy is an overlay on disk) when i is even, and the
// integer i into its own set <p>ints (an intset that turns into a
// hashtable past 512 members) when i is odd.
type setCrashClient struct {
	prefix, branch string
	sent, acked    atomic.Int64
}

func (cc *setCrashClient) run(addr string, stop <-chan struct{}) {
	c := branchClient(addr, cc.branch, redis.Options{MaxRetries: -1, PoolSize: 1, ReadTimeout: 10 * time.Second})
	defer c.Close()
	ctx := context.Background()
	for i := int64(0); ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		cc.sent.Store(i + 1)
		var err error
		if i%2 == 0 {
			err = c.SAdd(ctx, "base:s", fmt.Sprint(cc.prefix, i)).Err()
		} else {
			err = c.SAdd(ctx, cc.prefix+"ints", i).Err()
		}
		if err != nil {
			return // the server died
		}
		cc.acked.Store(i + 1)
	}
}

// check requires every acknowledged SADD and none that was never sent;
// base holds the members of base:s on the client's branch.
func (cc *setCrashClient) check(ctx context.Context, c *redis.Client, base map[string]bool) error {
	ints, err := c.SMembersMap(ctx, cc.prefix+"ints").Result()
	if err != nil {
		return err
	}
	acked, sent := cc.acked.Load(), cc.sent.Load()
	for i := int64(0); i < sent+2; i++ {
		var present bool
		if i%2 == 0 {
			present = base[fmt.Sprint(cc.prefix, i)]
		} else {
			_, present = ints[fmt.Sprint(i)]
		}
		if i < acked && !present {
			return fmt.Errorf("%s on %s: acknowledged SADD %d lost (acked %d, sent %d)", cc.prefix, cc.branch, i, acked, sent)
		}
		if i >= sent && present {
			return fmt.Errorf("%s on %s: SADD %d was never sent but is present", cc.prefix, cc.branch, i)
		}
	}
	return nil
}

// TestServerCrashKill9Sets puts a server under SADD load on two branches
// (main and dev, a fork taken over a 3,000-member set both sides keep
// adding to), kills it with SIGKILL at a random moment, restarts it, and
// requires every acknowledged member on its branch and only there, for
// several rounds per fsync policy.
func TestServerCrashKill9Sets(t *testing.T) {
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			r := rand.New(rand.NewPCG(seed, 11))
			dir := t.TempDir()
			ctx := context.Background()
			var all []*setCrashClient
			for round := 0; round <= rounds; round++ {
				s := startServer(t, dir, "--appendfsync", policy)
				vcs := map[string]*redis.Client{}
				for _, b := range []string{"main", "dev"} {
					vcs[b] = branchClient(s.addr, b, redis.Options{MaxRetries: -1})
				}
				if round == 0 {
					vc := vcs["main"]
					pipe := vc.Pipeline()
					for i := 0; i < 3000; i++ {
						pipe.SAdd(ctx, "base:s", fmt.Sprint("base", i))
					}
					if _, err := pipe.Exec(ctx); err != nil {
						t.Fatal(err)
					}
					if err := vc.Do(ctx, "branch", "create", "dev").Err(); err != nil {
						t.Fatal(err)
					}
				}
				bases := map[string]map[string]bool{}
				for b, vc := range vcs {
					m, err := vc.SMembersMap(ctx, "base:s").Result()
					if err != nil {
						t.Fatal(err)
					}
					bases[b] = map[string]bool{}
					for k := range m {
						bases[b][k] = true
					}
					if !bases[b]["base0"] || !bases[b]["base2999"] {
						t.Fatalf("seed %d, after crash %d: base:s on %s lost its forked members", seed, round, b)
					}
				}
				for _, cc := range all {
					if err := cc.check(ctx, vcs[cc.branch], bases[cc.branch]); err != nil {
						t.Fatalf("seed %d, after crash %d: %v", seed, round, err)
					}
					// A member added on one branch is not on the other.
					other := map[string]string{"main": "dev", "dev": "main"}[cc.branch]
					if cc.acked.Load() > 0 && bases[other][cc.prefix+"0"] {
						t.Fatalf("seed %d: %s0 added on %s is on %s too", seed, cc.prefix, cc.branch, other)
					}
				}
				for _, vc := range vcs {
					vc.Close()
				}
				if round == rounds {
					s.term(t)
					break
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for i := 0; i < 12; i++ {
					cc := &setCrashClient{prefix: fmt.Sprintf("r%dc%d:", round, i), branch: []string{"main", "dev"}[i%2]}
					all = append(all, cc)
					wg.Add(1)
					go func() { defer wg.Done(); cc.run(s.addr, stop) }()
				}
				time.Sleep(time.Duration(200+r.IntN(400)) * time.Millisecond)
				s.kill()
				close(stop)
				wg.Wait()
			}
			var acked int64
			for _, cc := range all {
				acked += cc.acked.Load()
			}
			t.Logf("%s: %d crashes, %d acknowledged SADDs checked", policy, rounds, acked)
		})
	}
}
