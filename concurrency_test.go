package potato

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// within runs fn and fails the test with every goroutine's stack if it
// does not return within d (a deadlock, or a livelock in the retry path).
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("did not finish within %v; goroutines:\n%s", d, buf)
	}
}

// scale shrinks loop counts in -short mode.
func scale(n int) int {
	if testing.Short() {
		return max(n/10, 1)
	}
	return n
}

func TestConcurrentIncr(t *testing.T) {
	d, _ := openTestDB(t)
	const goroutines = 32
	per := scale(10000)
	within(t, 2*time.Minute, func() {
		var wg sync.WaitGroup
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					if _, err := d.Incr("counter"); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	})
	want := strconv.Itoa(goroutines * per)
	if got := getStr(t, d, "counter"); got != want {
		t.Fatalf("counter = %s; want %s", got, want)
	}
}

// TestConcurrentTransfers moves amounts between 20 counters in Update
// closures that touch their keys in random order (so that many must undo
// and re-run in lock order), while readers check in View that the sum
// never changes. It must neither deadlock nor lose an update.
func TestConcurrentTransfers(t *testing.T) {
	d, _ := openTestDB(t)
	const counters = 20
	const initial = 1000
	keys := make([]string, counters)
	for i := range keys {
		keys[i] = fmt.Sprint("acct:", i)
		mustSet(t, d, keys[i], strconv.Itoa(initial))
	}
	writers, readers := 8, 4
	transfers := scale(2000)
	var runs, commits, views atomic.Int64
	within(t, 2*time.Minute, func() {
		stop := make(chan struct{})
		var rwg, wwg sync.WaitGroup
		for g := 0; g < readers; g++ {
			rwg.Add(1)
			go func(seed uint64) {
				defer rwg.Done()
				r := rand.New(rand.NewPCG(seed, 99))
				for {
					select {
					case <-stop:
						return
					default:
					}
					order := r.Perm(counters)
					var sum int64
					err := d.View(func(tx *Tx) error {
						sum = 0
						for _, i := range order {
							v, err := tx.Get(keys[i])
							if err != nil {
								return err
							}
							n, _ := strconv.ParseInt(string(v), 10, 64)
							sum += n
						}
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
					if sum != counters*initial {
						t.Errorf("View saw sum %d; want %d", sum, counters*initial)
						return
					}
					views.Add(1)
					time.Sleep(20 * time.Microsecond) // let writers in
				}
			}(uint64(g))
		}
		for g := 0; g < writers; g++ {
			wwg.Add(1)
			go func(seed uint64) {
				defer wwg.Done()
				r := rand.New(rand.NewPCG(seed, 7))
				for i := 0; i < transfers; i++ {
					// Touch 2..5 distinct counters in random order.
					n := 2 + r.IntN(4)
					pick := r.Perm(counters)[:n]
					amounts := make([]int64, n)
					var total int64
					for j := 1; j < n; j++ {
						amounts[j] = int64(r.IntN(10))
						total += amounts[j]
					}
					amounts[0] = -total
					err := d.Update(func(tx *Tx) error {
						runs.Add(1)
						for j, k := range pick {
							if _, err := tx.IncrBy(keys[k], amounts[j]); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
					commits.Add(1)
				}
			}(uint64(100 + g))
		}
		wwg.Wait()
		close(stop)
		rwg.Wait()
	})
	var sum int64
	for _, k := range keys {
		n, _ := strconv.ParseInt(getStr(t, d, k), 10, 64)
		sum += n
	}
	if sum != counters*initial {
		t.Fatalf("final sum %d; want %d", sum, counters*initial)
	}
	if commits.Load() != int64(writers*transfers) {
		t.Fatalf("%d commits; want %d", commits.Load(), writers*transfers)
	}
	t.Logf("%d transfers in %d closure runs (%d re-runs), %d consistent views",
		commits.Load(), runs.Load(), runs.Load()-commits.Load(), views.Load())
}

// TestWatcherConcurrent: optimistic increments with WATCH/Check from many
// goroutines lose nothing, and a change by another goroutine aborts.
func TestWatcherConcurrent(t *testing.T) {
	d, _ := openTestDB(t)
	mustSet(t, d, "k", "0")

	// Deterministic: another goroutine writes between WATCH and EXEC.
	w := d.WatchKeys("k")
	done := make(chan struct{})
	go func() { d.Incr("k"); close(done) }()
	<-done
	err := d.Update(func(tx *Tx) error {
		if err := tx.Check(w); err != nil {
			return err
		}
		return tx.Set("k", []byte("lost update"))
	})
	w.Close()
	if !errors.Is(err, ErrTxAborted) {
		t.Fatalf("Check after a concurrent write = %v; want ErrTxAborted", err)
	}
	if getStr(t, d, "k") != "1" {
		t.Fatalf("k = %s; the aborted transaction wrote", getStr(t, d, "k"))
	}

	// Many goroutines doing GET / WATCH-checked SET k v+1 with retries.
	const goroutines = 8
	per := scale(500)
	var aborts atomic.Int64
	within(t, 2*time.Minute, func() {
		var wg sync.WaitGroup
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					for {
						w := d.WatchKeys("k")
						v, _ := d.Get("k")
						n, _ := strconv.Atoi(string(v))
						runtime.Gosched() // widen the window for others
						err := d.Update(func(tx *Tx) error {
							if err := tx.Check(w); err != nil {
								return err
							}
							return tx.Set("k", []byte(strconv.Itoa(n+1)))
						})
						w.Close()
						if err == nil {
							break
						}
						if !errors.Is(err, ErrTxAborted) {
							t.Error(err)
							return
						}
						aborts.Add(1)
					}
				}
			}()
		}
		wg.Wait()
	})
	if got, want := getStr(t, d, "k"), strconv.Itoa(1+goroutines*per); got != want {
		t.Fatalf("k = %s; want %s (a lost update got past WATCH)", got, want)
	}
	t.Logf("%d aborted attempts", aborts.Load())
}

// TestReadersSeeWholeValues: readers racing a writer of one key only ever
// see complete values.
func TestReadersSeeWholeValues(t *testing.T) {
	d, _ := openTestDB(t)
	mustSet(t, d, "k", string(make([]byte, 64)))
	n := scale(20000)
	within(t, time.Minute, func() {
		var wg sync.WaitGroup
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				c := byte('a' + i%26)
				v := make([]byte, 64)
				for j := range v {
					v[j] = c
				}
				if i%3 == 0 {
					d.Append("k", v) // grows then is replaced
					continue
				}
				d.Set("k", v)
			}
		}()
		for r := 0; r < 2; r++ {
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					v, err := d.Get("k")
					if err != nil {
						t.Error(err)
						return
					}
					for j := 1; j < len(v); j++ {
						if j%64 != 0 && v[j] != v[j-1] {
							t.Errorf("torn value %q", v)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
	})
}

// TestScanCompleteUnderChurn: a full SCAN returns every key that exists
// throughout it, while other goroutines create and delete other keys.
func TestScanCompleteUnderChurn(t *testing.T) {
	d, _ := openTestDB(t)
	stable := scale(10000)
	for i := 0; i < stable; i++ {
		mustSet(t, d, fmt.Sprint("stable:", i), "v")
	}
	within(t, 2*time.Minute, func() {
		stop := make(chan struct{})
		var churn sync.WaitGroup
		for g := 0; g < 3; g++ {
			churn.Add(1)
			go func(seed uint64) {
				defer churn.Done()
				r := rand.New(rand.NewPCG(seed, 1))
				for {
					select {
					case <-stop:
						return
					default:
					}
					k := fmt.Sprint("churn:", r.IntN(5000))
					if r.IntN(2) == 0 {
						d.Set(k, []byte("x"))
					} else {
						d.Del(k)
					}
				}
			}(uint64(g))
		}
		for _, count := range []int64{1, 10, 97} {
			seen := make(map[string]bool, stable)
			for _, k := range scanAll(t, d, ScanArgs{Count: count, Match: "stable:*"}) {
				seen[k] = true
			}
			for i := 0; i < stable; i++ {
				if k := fmt.Sprint("stable:", i); !seen[k] {
					t.Errorf("SCAN COUNT %d missed %s", count, k)
					break
				}
			}
		}
		close(stop)
		churn.Wait()
	})
}

// ---------------------------------------------------------------------
// Linearizability of single-key histories (porcupine).
// ---------------------------------------------------------------------

type linInput struct {
	key string
	op  string // "set", "get", "incr"
	val int64  // for set
}

type linOutput struct {
	exists bool  // get: the key existed
	val    int64 // get: value; incr: new value
	err    bool
}

type linState struct {
	exists bool
	val    int64
}

var linModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		by := map[string][]porcupine.Operation{}
		var order []string
		for _, op := range history {
			k := op.Input.(linInput).key
			if _, ok := by[k]; !ok {
				order = append(order, k)
			}
			by[k] = append(by[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(order))
		for _, k := range order {
			out = append(out, by[k])
		}
		return out
	},
	Init: func() interface{} { return linState{} },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s := state.(linState)
		in := input.(linInput)
		out := output.(linOutput)
		switch in.op {
		case "set":
			return !out.err, linState{exists: true, val: in.val}
		case "get":
			return out.exists == s.exists && (!s.exists || out.val == s.val), s
		case "incr":
			n := s.val + 1
			return !out.err && out.val == n, linState{exists: true, val: n}
		}
		return false, s
	},
	DescribeOperation: func(input, output interface{}) string {
		in, out := input.(linInput), output.(linOutput)
		return fmt.Sprintf("%s %s(%d) -> %v %d", in.key, in.op, in.val, out.exists, out.val)
	},
}

// TestLinearizableModel: the model rejects a history with a stale read,
// so a pass of TestLinearizable means something.
func TestLinearizableModel(t *testing.T) {
	op := func(client int, in linInput, out linOutput, call, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret}
	}
	stale := []porcupine.Operation{
		op(0, linInput{key: "a", op: "set", val: 1}, linOutput{}, 0, 10),
		op(1, linInput{key: "a", op: "incr"}, linOutput{val: 2}, 20, 30),
		op(0, linInput{key: "a", op: "get"}, linOutput{exists: true, val: 1}, 40, 50),
	}
	if porcupine.CheckOperations(linModel, stale) {
		t.Fatal("model accepted a stale read")
	}
	concurrent := []porcupine.Operation{
		op(0, linInput{key: "a", op: "set", val: 1}, linOutput{}, 0, 10),
		op(1, linInput{key: "a", op: "incr"}, linOutput{val: 2}, 20, 50),
		op(0, linInput{key: "a", op: "get"}, linOutput{exists: true, val: 1}, 30, 40),
		op(2, linInput{key: "b", op: "get"}, linOutput{}, 0, 100),
	}
	if !porcupine.CheckOperations(linModel, concurrent) {
		t.Fatal("model rejected a read concurrent with the write")
	}
}

func TestLinearizable(t *testing.T) {
	d, _ := openTestDB(t)
	const clients = 6
	keys := []string{"a", "b", "c"}
	perClient := scale(400)
	start := time.Now()
	var mu sync.Mutex
	var history []porcupine.Operation
	within(t, 2*time.Minute, func() {
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(client int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(client), 42))
				ops := make([]porcupine.Operation, 0, perClient)
				for i := 0; i < perClient; i++ {
					in := linInput{key: keys[r.IntN(len(keys))]}
					var out linOutput
					call := time.Since(start).Nanoseconds()
					switch r.IntN(3) {
					case 0:
						in.op, in.val = "set", int64(r.IntN(1000))
						out.err = d.Set(in.key, []byte(strconv.FormatInt(in.val, 10))) != nil
					case 1:
						in.op = "get"
						v, err := d.Get(in.key)
						switch {
						case errors.Is(err, ErrNotFound):
						case err != nil:
							out.err = true
						default:
							out.exists = true
							out.val, _ = strconv.ParseInt(string(v), 10, 64)
						}
					case 2:
						in.op = "incr"
						v, err := d.Incr(in.key)
						out.val, out.err = v, err != nil
					}
					ret := time.Since(start).Nanoseconds()
					ops = append(ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
				}
				mu.Lock()
				history = append(history, ops...)
				mu.Unlock()
			}(c)
		}
		wg.Wait()
	})
	res := porcupine.CheckOperationsTimeout(linModel, history, time.Minute)
	switch res {
	case porcupine.Illegal:
		t.Fatalf("history of %d operations is not linearizable", len(history))
	case porcupine.Unknown:
		t.Logf("linearizability check timed out on %d operations (no violation found)", len(history))
	}
}
