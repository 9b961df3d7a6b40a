package potato

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"rustypotato/internal/keyspace"
)

// openDurable opens a durable DB on dir with a test clock and closes it
// in t.Cleanup (closing twice is harmless).
func openDurable(t testing.TB, o Options) *DB {
	t.Helper()
	if o.ExpiryInterval == 0 {
		o.ExpiryInterval = -1
	}
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	d, err := Open(o)
	if err != nil {
		t.Fatalf("Open(%s): %v", o.Dir, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// dumpStore renders every live key of every database, with its type,
// deadline and value, in a canonical order: two stores hold the same data
// exactly when their dumps are equal.
func dumpStore(t testing.TB, d *DB) string {
	t.Helper()
	var sb strings.Builder
	err := d.View(func(tx *Tx) error {
		for db := 0; db < NumDBs; db++ {
			tx.db = db
			keys, err := tx.Keys("*")
			if err != nil {
				return err
			}
			slices.Sort(keys)
			for _, k := range keys {
				e := tx.lookup(k)
				if e == nil {
					continue
				}
				fmt.Fprintf(&sb, "%d %q ttl=%d ", db, k, e.ExpireAt)
				switch e.Kind {
				case keyspace.KindString:
					fmt.Fprintf(&sb, "string %q\n", e.Str)
				case keyspace.KindHash:
					var fs []string
					for i := 0; i < e.Hash.Len(); i++ {
						f := e.Hash.At(i)
						fs = append(fs, fmt.Sprintf("%q=%q", f.Name, f.Value))
					}
					slices.Sort(fs)
					fmt.Fprintf(&sb, "hash %s\n", strings.Join(fs, " "))
				case keyspace.KindJSON:
					fmt.Fprintf(&sb, "json %s\n", e.Str)
				case keyspace.KindList:
					var es []string
					for i := 0; i < e.List.Len(); i++ {
						es = append(es, fmt.Sprintf("%q", e.List.Index(i)))
					}
					fmt.Fprintf(&sb, "list %s\n", strings.Join(es, " "))
				case keyspace.KindSet:
					fmt.Fprintf(&sb, "%s\n", dumpSet(e.Set)) // set_meta_test.go
				case keyspace.KindZSet:
					fmt.Fprintf(&sb, "zset %s\n", zsetDump(e.ZSet))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return sb.String()
}

// diffDumps reports the first differing line of two dumps.
func diffDumps(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, x, y)
		}
	}
	return ""
}

func bs(s string) []byte { return []byte(s) }

// fillEveryType writes one of everything into d: strings (empty, binary,
// large), hashes, lists shaped by every list edit, deadlines, several
// databases, SWAPDB and FLUSHDB.
func fillEveryType(t *testing.T, d *DB, clk *testClock) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Set("s:plain", bs("hello")))
	must(d.Set("s:empty", []byte{}))
	must(d.Set("s:binary\x00\xff", bs("\x00\x01\xfe\xff")))
	must(d.Set("s:big", bytes.Repeat(bs("0123456789"), 100_000)))
	_, err := d.Append("s:plain", bs(" world"))
	must(err)
	_, err = d.Incr("s:counter")
	must(err)
	must(d.SetEx("s:ttl", bs("soon"), time.Hour))
	must(d.SetEx("s:short", bs("gone"), time.Second))
	_, err = d.HSet("h:small", FieldValue{Field: "a", Value: bs("1")}, FieldValue{Field: "b\x00", Value: bs("")})
	must(err)
	for i := 0; i < 300; i++ {
		_, err = d.HSet("h:big", FieldValue{Field: fmt.Sprint("f", i), Value: bs(fmt.Sprint(i))})
		must(err)
	}
	_, err = d.HDel("h:big", "f7", "f100")
	must(err)
	_, err = d.HIncrBy("h:big", "f1", 41)
	must(err)
	_, err = d.Expire("h:small", 2*time.Hour)
	must(err)
	for i := 0; i < 20; i++ {
		_, err = d.RPush("l:mixed", bs(fmt.Sprint("r", i)))
		must(err)
		_, err = d.LPush("l:mixed", bs(fmt.Sprint("l", i)))
		must(err)
	}
	_, err = d.LPop("l:mixed")
	must(err)
	_, err = d.RPop("l:mixed")
	must(err)
	must(d.LSet("l:mixed", 5, bs("set5")))
	_, err = d.LInsert("l:mixed", InsertBefore, bs("r3"), bs("before-r3"))
	must(err)
	_, err = d.LInsert("l:mixed", InsertAfter, bs("l2"), bs("after-l2"))
	must(err)
	_, err = d.LRem("l:mixed", 0, bs("r10"))
	must(err)
	_, err = d.LRem("l:mixed", 1, bs("l15"))
	must(err)
	must(d.LTrim("l:mixed", 1, -2))
	_, err = d.RPush("l:queue", bs("a"), bs("b"), bs("c"))
	must(err)
	_, err = d.LMove("l:queue", "l:moved", Left, Right)
	must(err)
	_, err = d.Expire("l:moved", 3*time.Hour)
	must(err)
	must(d.Rename("l:queue", "l:renamed"))
	_, err = d.Copy("h:small", "h:copied", 4, false)
	must(err)
	d3, _ := d.Select(3)
	must(d3.Set("db3", bs("three")))
	_, err = d3.RPush("db3:list", bs("x"), bs("y"))
	must(err)
	d5, _ := d.Select(5)
	must(d5.Set("db5", bs("five")))
	must(d.SwapDB(3, 5))
	d7, _ := d.Select(7)
	must(d7.Set("doomed", bs("x")))
	must(d7.FlushDB())
	must(d7.Set("after-flush", bs("y")))
	_, err = d.Move("s:counter", 9)
	must(err)
}

func TestPersistRoundTripEveryType(t *testing.T) {
	for _, fs := range []Fsync{FsyncAlways, FsyncEverySec, FsyncNo} {
		t.Run(fs.String(), func(t *testing.T) {
			dir := t.TempDir()
			clk := newTestClock()
			d := openDurable(t, Options{Dir: dir, Fsync: fs, Clock: clk})
			fillEveryType(t, d, clk)
			want := dumpStore(t, d)
			if err := d.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			d = openDurable(t, Options{Dir: dir, Fsync: fs, Clock: clk})
			if got := dumpStore(t, d); got != want {
				t.Fatalf("after reopen: %s", diffDumps(want, got))
			}
			// Time passes while the store is closed: the key whose
			// deadline passed is gone for good, the others stay.
			d.Close()
			clk.Advance(2 * time.Second)
			d = openDurable(t, Options{Dir: dir, Fsync: fs, Clock: clk})
			if _, err := d.Get("s:short"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("expired key after reopen: %v", err)
			}
			if v, err := d.Get("s:ttl"); err != nil || string(v) != "soon" {
				t.Fatalf("s:ttl = %q, %v", v, err)
			}
			at, _ := d.ExpireTime("s:ttl")
			if want := testEpoch.Add(time.Hour); !at.Equal(want) {
				t.Fatalf("deadline %v, want %v (absolute deadlines survive restarts)", at, want)
			}
			d.Close()
			// The expired key was deleted from disk too: even with the
			// clock back, it does not come back.
			clk.Set(testEpoch)
			d = openDurable(t, Options{Dir: dir, Fsync: fs, Clock: clk})
			if _, err := d.Get("s:short"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("expired key resurrected: %v", err)
			}
		})
	}
}

// quietLogger discards log lines below Error, so tests stay readable.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// metaOp is one random operation of the metamorphic test: it runs in a
// transaction and renders its reply, so two stores can be compared reply
// by reply.
type metaOp struct {
	name string
	run  func(tx *Tx) string
}

// genMetaOp draws a random operation over a small keyspace (so that
// operations meet each other often): every write primitive, keys moving
// between names and databases, containers emptied and recreated.
func genMetaOp(r *rand.Rand) metaOp {
	key := func() string { return fmt.Sprint("k", r.IntN(6)) }
	val := func() []byte { return []byte(fmt.Sprint("v", r.IntN(5))) }
	vals := func(n int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = val()
		}
		return out
	}
	ttl := func() time.Duration { return time.Duration(1+r.IntN(5000)) * time.Millisecond }
	render := func(v any, err error) string {
		if err != nil {
			return "err " + err.Error()
		}
		return fmt.Sprintf("%q", v)
	}
	k, k2, db := key(), key(), r.IntN(3)
	switch r.IntN(44) {
	case 30, 31, 32, 33, 34, 35:
		return genMetaOpSets(r) // set_meta_test.go
	case 0:
		v := val()
		return metaOp{fmt.Sprintf("SET %s %s", k, v), func(tx *Tx) string { return render(nil, tx.Set(k, v)) }}
	case 1:
		v, d := val(), ttl()
		return metaOp{fmt.Sprintf("SETEX %s %v", k, d), func(tx *Tx) string { return render(nil, tx.SetEx(k, v, d)) }}
	case 2:
		return metaOp{"APPEND " + k, func(tx *Tx) string { return render(tx.Append(k, bs("+"))) }}
	case 3:
		return metaOp{"INCR " + k, func(tx *Tx) string { return render(tx.Incr(k)) }}
	case 4:
		return metaOp{"DEL " + k + " " + k2, func(tx *Tx) string { return render(tx.Del(k, k2)) }}
	case 5:
		d := ttl()
		return metaOp{fmt.Sprintf("EXPIRE %s %v", k, d), func(tx *Tx) string { return render(tx.Expire(k, d)) }}
	case 6:
		return metaOp{"PERSIST " + k, func(tx *Tx) string { return render(tx.Persist(k)) }}
	case 7:
		return metaOp{"RENAME " + k + " " + k2, func(tx *Tx) string { return render(nil, tx.Rename(k, k2)) }}
	case 8:
		replace := r.IntN(2) == 0
		return metaOp{fmt.Sprintf("COPY %s %s DB %d %v", k, k2, db, replace), func(tx *Tx) string { return render(tx.Copy(k, k2, db, replace)) }}
	case 9:
		return metaOp{fmt.Sprintf("MOVE %s %d", k, db), func(tx *Tx) string { return render(tx.Move(k, db)) }}
	case 10:
		return metaOp{fmt.Sprintf("SELECT %d", db), func(tx *Tx) string { return render(nil, tx.Select(db)) }}
	case 11, 12:
		f, v := fmt.Sprint("f", r.IntN(4)), val()
		return metaOp{"HSET " + k + " " + f, func(tx *Tx) string { return render(tx.HSet(k, FieldValue{Field: f, Value: v})) }}
	case 13:
		f := fmt.Sprint("f", r.IntN(4))
		return metaOp{"HDEL " + k + " " + f, func(tx *Tx) string { return render(tx.HDel(k, f)) }}
	case 14:
		f := fmt.Sprint("f", r.IntN(4))
		return metaOp{"HINCRBY " + k + " " + f, func(tx *Tx) string { return render(tx.HIncrBy(k, f, 3)) }}
	case 15, 16:
		vs := vals(1 + r.IntN(3))
		if r.IntN(8) == 0 {
			vs = vals(40 + r.IntN(40))
		}
		return metaOp{fmt.Sprintf("LPUSH %s x%d", k, len(vs)), func(tx *Tx) string { return render(tx.LPush(k, vs...)) }}
	case 17, 18:
		vs := vals(1 + r.IntN(3))
		return metaOp{fmt.Sprintf("RPUSH %s x%d", k, len(vs)), func(tx *Tx) string { return render(tx.RPush(k, vs...)) }}
	case 19:
		n := 1 + r.IntN(3)
		return metaOp{fmt.Sprintf("LPOP %s %d", k, n), func(tx *Tx) string { return render(tx.LPopCount(k, n)) }}
	case 20:
		n := 1 + r.IntN(3)
		return metaOp{fmt.Sprintf("RPOP %s %d", k, n), func(tx *Tx) string { return render(tx.RPopCount(k, n)) }}
	case 21:
		i, v := int64(r.IntN(10)-5), val()
		return metaOp{fmt.Sprintf("LSET %s %d", k, i), func(tx *Tx) string { return render(nil, tx.LSet(k, i, v)) }}
	case 22:
		pos, pivot, v := InsertPosition(1+r.IntN(2)), val(), val()
		return metaOp{fmt.Sprintf("LINSERT %s %v %s", k, pos, pivot), func(tx *Tx) string { return render(tx.LInsert(k, pos, pivot, v)) }}
	case 23:
		n, v := int64(r.IntN(7)-3), val()
		return metaOp{fmt.Sprintf("LREM %s %d %s", k, n, v), func(tx *Tx) string { return render(tx.LRem(k, n, v)) }}
	case 24:
		a, b := int64(r.IntN(8)-3), int64(r.IntN(8)-3)
		return metaOp{fmt.Sprintf("LTRIM %s %d %d", k, a, b), func(tx *Tx) string { return render(nil, tx.LTrim(k, a, b)) }}
	case 25:
		from, to := ListDirection(r.IntN(2)), ListDirection(r.IntN(2))
		return metaOp{fmt.Sprintf("LMOVE %s %s", k, k2), func(tx *Tx) string { return render(tx.LMove(k, k2, from, to)) }}
	case 26:
		if r.IntN(4) == 0 {
			return metaOp{"FLUSHDB", func(tx *Tx) string { return render(nil, tx.FlushDB()) }}
		}
		return metaOp{"GETDEL " + k, func(tx *Tx) string { return render(tx.GetDel(k)) }}
	case 27:
		return metaOp{fmt.Sprintf("SWAPDB 0 %d", db), func(tx *Tx) string { return render(nil, tx.SwapDB(0, db)) }}
	case 28:
		off := int64(r.IntN(6))
		return metaOp{fmt.Sprintf("SETRANGE %s %d", k, off), func(tx *Tx) string { return render(tx.SetRange(k, off, bs("xy"))) }}
	case 29, 36, 37, 38:
		return genMetaOpZSets(r) // zset_meta_test.go
	case 39: // bitmaps and HyperLogLogs (bits.go, hll.go)
		off, bit := int64(r.IntN(40)), r.IntN(2)
		return metaOp{fmt.Sprintf("SETBIT %s %d %d", k, off, bit), func(tx *Tx) string { return render(tx.SetBit(k, off, bit)) }}
	case 40:
		return metaOp{"BITOP OR " + k + " " + k2, func(tx *Tx) string { return render(tx.BitOp("or", k, k, k2)) }}
	case 41:
		els := vals(1 + r.IntN(3))
		return metaOp{fmt.Sprintf("PFADD %s %q", k, els), func(tx *Tx) string { return render(tx.PFAdd(k, els...)) }}
	case 42:
		return metaOp{"PFCOUNT " + k, func(tx *Tx) string { return render(tx.PFCount(k)) }}
	default:
		return metaOp{"LRANGE " + k, func(tx *Tx) string { return render(tx.LRange(k, 0, -1)) }}
	}
}

// TestPersistMetamorphic runs one random op log on an in-memory store and
// on a durable one that is closed and reopened along the way, and
// requires the same replies and the same final data.
func TestPersistMetamorphic(t *testing.T) {
	seeds := []uint64{1, 2, 3, uint64(time.Now().UnixNano())}
	steps := 3000
	if testing.Short() || raceBuild {
		steps = 600
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed))
			clk := newTestClock()
			mem, err := Open(Options{Clock: clk, ExpiryInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer mem.Close()
			dir := t.TempDir()
			fs := []Fsync{FsyncAlways, FsyncEverySec, FsyncNo}[seed%3]
			disk := openDurable(t, Options{Dir: dir, Clock: clk, Fsync: fs})
			var log []string
			for step := 0; step < steps; step++ {
				if step > 0 && step%(steps/4) == 0 {
					disk.Close()
					disk = openDurable(t, Options{Dir: dir, Clock: clk, Fsync: fs})
					if want, got := dumpStore(t, mem), dumpStore(t, disk); want != got {
						t.Fatalf("seed %d: after reopen at step %d: %s\nlog:\n%s", seed, step, diffDumps(want, got), tail(log))
					}
				}
				if r.IntN(10) == 0 {
					d := time.Duration(r.IntN(1500)) * time.Millisecond
					clk.Advance(d)
					log = append(log, fmt.Sprintf("advance %v", d))
					continue
				}
				ops := make([]metaOp, 1+r.IntN(4))
				for i := range ops {
					ops[i] = genMetaOp(r)
				}
				abort := r.IntN(10) == 0
				run := func(d *DB) string {
					var out []string
					err := d.Update(func(tx *Tx) error {
						out = out[:0]
						for _, op := range ops {
							var res string
							if err := tx.Try(func(tx *Tx) error { res = op.run(tx); return nil }); err != nil {
								res = "try " + err.Error()
							}
							out = append(out, res)
						}
						if abort {
							return errors.New("abort")
						}
						return nil
					})
					if err != nil {
						out = append(out, "update "+err.Error())
					}
					return strings.Join(out, "; ")
				}
				var names []string
				for _, op := range ops {
					names = append(names, op.name)
				}
				log = append(log, fmt.Sprintf("%d: [%s] abort=%v", step, strings.Join(names, ", "), abort))
				if a, b := run(mem), run(disk); a != b {
					t.Fatalf("seed %d step %d: replies differ:\n  mem  %s\n  disk %s\nlog:\n%s", seed, step, a, b, tail(log))
				}
			}
			want := dumpStore(t, mem)
			if got := dumpStore(t, disk); want != got {
				t.Fatalf("seed %d: at the end: %s", seed, diffDumps(want, got))
			}
			disk.Close()
			disk = openDurable(t, Options{Dir: dir, Clock: clk, Fsync: fs})
			if got := dumpStore(t, disk); want != got {
				t.Fatalf("seed %d: after the last reopen: %s\nlog:\n%s", seed, diffDumps(want, got), tail(log))
			}
		})
	}
}

func tail(log []string) string {
	if len(log) > 40 {
		log = log[len(log)-40:]
	}
	return strings.Join(log, "\n")
}

// ackWriter writes its own keys in sequence and records how far it got:
// op i is acknowledged once acked >= i+1, and was possibly sent once
// sent >= i+1. Op i is SET w<c>:s<i>, RPUSH w<c>:l or HSET w<c>:h f<i>,
// rotating, so every kind of record is exercised.
type ackWriter struct {
	id          int
	sent, acked atomic.Int64
}

func (w *ackWriter) op(d *DB, i int64) error {
	v := bs(fmt.Sprint(i))
	switch i % 3 {
	case 0:
		return d.Set(fmt.Sprintf("w%d:s%d", w.id, i), v)
	case 1:
		_, err := d.RPush(fmt.Sprintf("w%d:l", w.id), v)
		return err
	default:
		_, err := d.HSet(fmt.Sprintf("w%d:h", w.id), FieldValue{Field: fmt.Sprint("f", i), Value: v})
		return err
	}
}

func (w *ackWriter) run(d *DB, stop <-chan struct{}, max int64) {
	for i := int64(0); i < max; i++ {
		select {
		case <-stop:
			return
		default:
		}
		w.sent.Store(i + 1)
		if err := w.op(d, i); err != nil {
			return
		}
		w.acked.Store(i + 1)
	}
}

// check verifies, in a store recovered after a crash, that every op below
// acked is there and none at or above sent is.
func (w *ackWriter) check(d *DB, acked, sent int64) error {
	var list []int64
	for i := int64(0); i < sent+3; i++ {
		var present bool
		switch i % 3 {
		case 0:
			v, err := d.Get(fmt.Sprintf("w%d:s%d", w.id, i))
			present = err == nil
			if present && string(v) != fmt.Sprint(i) {
				return fmt.Errorf("writer %d op %d: value %q", w.id, i, v)
			}
		case 1:
			list = append(list, i)
			continue
		default:
			v, err := d.HGet(fmt.Sprintf("w%d:h", w.id), fmt.Sprint("f", i))
			present = err == nil
			if present && string(v) != fmt.Sprint(i) {
				return fmt.Errorf("writer %d op %d: field value %q", w.id, i, v)
			}
		}
		if i < acked && !present {
			return fmt.Errorf("writer %d: acknowledged op %d lost (acked %d)", w.id, i, acked)
		}
		if i >= sent && present {
			return fmt.Errorf("writer %d: op %d never sent but present (sent %d)", w.id, i, sent)
		}
	}
	got, err := d.LRange(fmt.Sprintf("w%d:l", w.id), 0, -1)
	if err != nil {
		return err
	}
	for j, v := range got {
		if j >= len(list) || string(v) != fmt.Sprint(list[j]) {
			return fmt.Errorf("writer %d: list element %d is %q", w.id, j, v)
		}
	}
	for _, i := range list[len(got):] {
		if i < acked {
			return fmt.Errorf("writer %d: acknowledged push %d lost (list has %d)", w.id, i, len(got))
		}
	}
	return nil
}

// TestPersistPowerLoss simulates power failures with Pebble's crashable
// in-memory filesystem: at many random moments during a concurrent write
// load it takes the state a crash would leave (everything synced, and a
// random part of what was not: torn WAL tails), recovers a store from
// it, and requires every write acknowledged before that moment. Under
// FsyncAlways this must hold whatever unsynced data survives; under
// everysec and no, a process kill keeps everything written to the
// kernel, so the same must hold when all unsynced data survives.
func TestPersistPowerLoss(t *testing.T) {
	cases := []struct {
		name     string
		fsync    Fsync
		unsynced func(r *rand.Rand) int // percent of unsynced data kept
	}{
		{"always/power-loss", FsyncAlways, func(r *rand.Rand) int { return []int{0, 0, 10, 50, 90}[r.IntN(5)] }},
		{"everysec/process-kill", FsyncEverySec, func(*rand.Rand) int { return 100 }},
		{"no/process-kill", FsyncNo, func(*rand.Rand) int { return 100 }},
	}
	crashes := 40
	if testing.Short() || raceBuild {
		crashes = 10
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			r := rand.New(rand.NewPCG(seed, 1))
			fs := vfs.NewCrashableMem()
			d := openDurable(t, Options{Dir: "/data", fs: fs, Fsync: tc.fsync})
			const maxOps = 3000
			writers := make([]*ackWriter, 8)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i := range writers {
				writers[i] = &ackWriter{id: i}
				wg.Add(1)
				go func() { defer wg.Done(); writers[i].run(d, stop, maxOps) }()
			}
			defer func() { close(stop); wg.Wait() }()
			live := 0 // crash points taken while writers were still writing
			for c := 0; c < crashes; c++ {
				time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
				acked := make([]int64, len(writers))
				busy := false
				for i, w := range writers {
					acked[i] = w.acked.Load()
					busy = busy || acked[i] < maxOps
				}
				if busy {
					live++
				}
				pct := tc.unsynced(r)
				crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(r.Uint64(), 2))})
				sent := make([]int64, len(writers))
				for i, w := range writers {
					sent[i] = w.sent.Load()
				}
				rd, err := Open(Options{Dir: "/data", fs: crashed, Logger: quietLogger(), ExpiryInterval: -1})
				if err != nil {
					t.Fatalf("seed %d crash %d (%d%% unsynced kept): recovery failed: %v", seed, c, pct, err)
				}
				for i, w := range writers {
					if err := w.check(rd, acked[i], sent[i]); err != nil {
						rd.Close()
						t.Fatalf("seed %d crash %d (%d%% unsynced kept): %v", seed, c, pct, err)
					}
				}
				rd.Close()
			}
			var total int64
			for _, w := range writers {
				total += w.acked.Load()
			}
			t.Logf("%d crashes (%d under load), %d acknowledged writes, %d WAL syncs", crashes, live, total, d.Persistence().WALSyncs)
		})
	}
}

// faultFS injects the failures of a full disk, a read-only remount or a
// failing device into the filesystem under a store.
type faultFS struct {
	vfs.FS
	writeErr atomic.Pointer[error] // returned by writes, creates, renames
	syncErr  atomic.Pointer[error] // returned by syncs
}

func (fs *faultFS) setWriteErr(err error) {
	if err == nil {
		fs.writeErr.Store(nil)
	} else {
		fs.writeErr.Store(&err)
	}
}

func (fs *faultFS) setSyncErr(err error) {
	if err == nil {
		fs.syncErr.Store(nil)
	} else {
		fs.syncErr.Store(&err)
	}
}

func (fs *faultFS) werr() error {
	if p := fs.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (fs *faultFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	if err := fs.werr(); err != nil {
		return nil, err
	}
	f, err := fs.FS.Create(name, c)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: f, fs: fs}, nil
}

func (fs *faultFS) ReuseForWrite(o, n string, c vfs.DiskWriteCategory) (vfs.File, error) {
	if err := fs.werr(); err != nil {
		return nil, err
	}
	f, err := fs.FS.ReuseForWrite(o, n, c)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: f, fs: fs}, nil
}

func (fs *faultFS) Rename(o, n string) error {
	if err := fs.werr(); err != nil {
		return err
	}
	return fs.FS.Rename(o, n)
}

type faultFile struct {
	vfs.File
	fs *faultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	if err := f.fs.werr(); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f *faultFile) sync() error {
	if p := f.fs.syncErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (f *faultFile) Sync() error {
	if err := f.sync(); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *faultFile) SyncData() error {
	if err := f.sync(); err != nil {
		return err
	}
	return f.File.SyncData()
}

// TestPersistFaults: a full disk, a read-only filesystem or a failing
// fsync make writes fail with ErrPersistence (Redis's MISCONF) and change
// nothing in memory, reads keep working, and every write acknowledged
// before the fault is there after a restart.
func TestPersistFaults(t *testing.T) {
	cases := []struct {
		name  string
		fsync Fsync
		fault func(fs *faultFS)
	}{
		{"full-disk/always", FsyncAlways, func(fs *faultFS) { fs.setWriteErr(syscall.ENOSPC) }},
		{"full-disk/everysec", FsyncEverySec, func(fs *faultFS) { fs.setWriteErr(syscall.ENOSPC) }},
		{"read-only/everysec", FsyncEverySec, func(fs *faultFS) { fs.setWriteErr(syscall.EROFS) }},
		{"fsync-fails/always", FsyncAlways, func(fs *faultFS) { fs.setSyncErr(syscall.EIO) }},
		{"fsync-fails/everysec", FsyncEverySec, func(fs *faultFS) { fs.setSyncErr(syscall.EIO) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := vfs.NewMem()
			fs := &faultFS{FS: mem}
			d := openDurable(t, Options{Dir: "/data", fs: fs, Fsync: tc.fsync})
			for i := 0; i < 50; i++ {
				if err := d.Set(fmt.Sprint("k", i), bs(fmt.Sprint(i))); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := d.RPush("list", bs("a"), bs("b")); err != nil {
				t.Fatal(err)
			}
			tc.fault(fs)
			if tc.fsync == FsyncEverySec && fs.syncErr.Load() != nil {
				// The write reaches the kernel and is acknowledged; the
				// background sync (here forced by SAVE) then fails.
				if err := d.Set("dirty", bs("1")); err != nil {
					t.Fatal(err)
				}
				if err := d.Save(); !errors.Is(err, ErrPersistence) {
					t.Fatalf("Save with a failing fsync: %v", err)
				}
			}
			err := d.Set("k0", bs("changed"))
			if !errors.Is(err, ErrPersistence) || !strings.HasPrefix(err.Error(), "potato: MISCONF ") {
				t.Fatalf("write under fault: %v, want ErrPersistence", err)
			}
			_, err = d.LPop("list")
			if !errors.Is(err, ErrPersistence) {
				t.Fatalf("second write under fault: %v", err)
			}
			// Nothing changed in memory, and reads work.
			if v, err := d.Get("k0"); err != nil || string(v) != "0" {
				t.Fatalf("read under fault: %q, %v", v, err)
			}
			if l, _ := d.LRange("list", 0, -1); len(l) != 2 {
				t.Fatalf("list under fault: %q", l)
			}
			if info := d.Persistence(); info.Err == nil {
				t.Fatalf("Persistence().Err is nil under fault")
			}
			// Once the device recovers, the store reopens its Pebble in
			// the background and accepts writes again by itself
			// (TestPersistRecoversAfterFullDisk covers a real disk).
			fs.setWriteErr(nil)
			fs.setSyncErr(nil)
			waitWritable(t, d, "k1", "x")
			_ = d.Close()
			d = openDurable(t, Options{Dir: "/data", fs: fs, Fsync: tc.fsync})
			for i := 0; i < 50; i++ {
				if i == 1 {
					continue // k1 was written again after the recovery
				}
				v, err := d.Get(fmt.Sprint("k", i))
				if i == 0 && err == nil && string(v) == "changed" {
					// A write whose fsync failed may have reached the disk
					// anyway: it was reported failed, it may come back.
					continue
				}
				if err != nil || string(v) != fmt.Sprint(i) {
					t.Fatalf("after restart k%d = %q, %v", i, v, err)
				}
			}
			if v, err := d.Get("k1"); err != nil || string(v) != "x" {
				t.Fatalf("write accepted after recovery, after restart: %q, %v", v, err)
			}
			if err := d.Set("again", bs("ok")); err != nil {
				t.Fatalf("write after restart: %v", err)
			}
		})
	}
}

func TestPersistOpenErrors(t *testing.T) {
	dir := t.TempDir()
	d := openDurable(t, Options{Dir: dir})
	if _, err := Open(Options{Dir: dir, Logger: quietLogger()}); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open of the same dir: %v", err)
	}
	d.Close()
	for _, o := range []Options{{Dir: dir, Fsync: 9}, {Dir: dir, Compression: 9}} {
		if _, err := Open(o); err == nil || !strings.Contains(err.Error(), "Options.") {
			t.Fatalf("Open(%+v): %v", o, err)
		}
	}
	// An in-memory store has no persistence to drive.
	mem, _ := openTestDB(t)
	if err := mem.Save(); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Save in memory: %v", err)
	}
	if _, err := mem.SnapshotList(); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("SnapshotList in memory: %v", err)
	}
	if info := mem.Persistence(); info.Dir != "" {
		t.Fatalf("Persistence in memory: %+v", info)
	}
}

func TestPersistSnapshots(t *testing.T) {
	dir := t.TempDir()
	clk := newTestClock()
	d := openDurable(t, Options{Dir: dir, Clock: clk, Fsync: FsyncAlways})
	fillEveryType(t, d, clk)
	saved := dumpStore(t, d)

	before, _ := d.LastSave()
	time.Sleep(1100 * time.Millisecond) // LASTSAVE has a one-second resolution
	if err := d.Save(); err != nil {
		t.Fatal(err)
	}
	if after, _ := d.LastSave(); !after.After(before) {
		t.Fatalf("LastSave did not move: %v -> %v", before, after)
	}
	if err := d.SnapshotCreate("first"); err != nil {
		t.Fatal(err)
	}
	if err := d.SnapshotCreate("first"); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate name: %v", err)
	}
	for _, bad := range []string{"", ".hidden", "a/b", strings.Repeat("x", 65), "sp ace"} {
		if err := d.SnapshotCreate(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("SnapshotCreate(%q): %v", bad, err)
		}
	}
	export := filepath.Join(t.TempDir(), "data.rpz")
	if n, err := d.SnapshotExport(export); err != nil || n == 0 {
		t.Fatalf("SnapshotExport: %d, %v", n, err)
	}

	// Change everything, including list positions, then go back.
	if err := d.FlushAll(); err != nil {
		t.Fatal(err)
	}
	if err := d.Set("new", bs("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LPush("l:mixed", bs("other")); err != nil {
		t.Fatal(err)
	}
	ops := recordOps(t, d)
	n, err := d.SnapshotRestore("first")
	if err != nil || n == 0 {
		t.Fatalf("SnapshotRestore: %d, %v", n, err)
	}
	if got := dumpStore(t, d); got != saved {
		t.Fatalf("after restore: %s", diffDumps(saved, got))
	}
	if got := ops(); len(got) == 0 || got[0] != "flushdb " || !slices.Contains(got, "restore s:plain") {
		t.Fatalf("restore events: %q", got[:min(len(got), 5)])
	}
	// The restored lists keep working on disk: edit, reopen, compare.
	if _, err := d.LPush("l:mixed", bs("front")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LInsert("l:mixed", InsertAfter, bs("r3"), bs("mid")); err != nil {
		t.Fatal(err)
	}
	want := dumpStore(t, d)
	d.Close()
	d = openDurable(t, Options{Dir: dir, Clock: clk, Fsync: FsyncAlways})
	if got := dumpStore(t, d); got != want {
		t.Fatalf("reopen after restore: %s", diffDumps(want, got))
	}

	// "dump" (from Save) restores too, and the list is oldest first.
	list, err := d.SnapshotList()
	if err != nil || len(list) != 2 || list[0].Name != "dump" || list[1].Name != "first" {
		t.Fatalf("SnapshotList: %+v, %v", list, err)
	}
	if _, err := d.SnapshotRestore("dump"); err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, d); got != saved {
		t.Fatalf("after restoring dump: %s", diffDumps(saved, got))
	}
	if err := d.SnapshotDelete("first"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SnapshotRestore("first"); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "no such snapshot") {
		t.Fatalf("restore of a deleted snapshot: %v", err)
	}

	// Import into another store, in another directory.
	d2 := openDurable(t, Options{Dir: t.TempDir(), Clock: clk})
	if err := d2.Set("to-be-replaced", bs("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := d2.SnapshotImport(export); err != nil || n == 0 {
		t.Fatalf("SnapshotImport: %d, %v", n, err)
	}
	if got := dumpStore(t, d2); got != saved {
		t.Fatalf("after import: %s", diffDumps(saved, got))
	}
	// A damaged file changes nothing.
	data, _ := os.ReadFile(export)
	bad := filepath.Join(t.TempDir(), "bad.rpz")
	os.WriteFile(bad, data[:len(data)/2], 0o644)
	d2.Set("marker", bs("1"))
	if _, err := d2.SnapshotImport(bad); err == nil {
		t.Fatal("truncated import accepted")
	}
	if v, err := d2.Get("marker"); err != nil || string(v) != "1" {
		t.Fatalf("failed import changed data: %q, %v", v, err)
	}

	// BGSAVE runs in the background; a second one at the same time is
	// refused with Redis's text.
	if err := d.BGSave(); err != nil {
		t.Fatal(err)
	}
	if err := d.BGSave(); err != nil && !strings.Contains(err.Error(), "Background save already in progress") {
		t.Fatalf("second BGSave: %v", err)
	}
	for d.Persistence().BGSaveInProgress {
		time.Sleep(time.Millisecond)
	}
	if d.Persistence().LastBGSaveFailed {
		t.Fatal("BGSave failed")
	}
}

// copyDir copies the regular files of src into dst (created), like the
// state a killed process leaves on disk.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			copyDir(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPersistTornWALTail: a crash in the middle of writing the WAL leaves
// a partial record (or garbage) after the last complete one. Recovery
// keeps everything acknowledged before it.
func TestPersistTornWALTail(t *testing.T) {
	tails := map[string][]byte{
		"garbage": bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 300),
		"zeros":   make([]byte, 5000),
		"partial": nil, // filled below: the start of a real record, cut short
	}
	for name, tail := range tails {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			d := openDurable(t, Options{Dir: dir, Fsync: FsyncAlways})
			for i := 0; i < 300; i++ {
				if err := d.Set(fmt.Sprint("k", i), bs(fmt.Sprint(i))); err != nil {
					t.Fatal(err)
				}
			}
			crashed := filepath.Join(t.TempDir(), "crashed")
			copyDir(t, dir, crashed) // the process dies here
			logs, _ := filepath.Glob(filepath.Join(crashed, "db", "*.log"))
			if len(logs) == 0 {
				t.Fatal("no WAL")
			}
			slices.Sort(logs)
			last := logs[len(logs)-1]
			data, _ := os.ReadFile(last)
			if tail == nil {
				// A record header and half of a body, as a write cut by
				// the crash would leave.
				tail = data[len(data)-40 : len(data)-20]
			}
			if err := os.WriteFile(last, append(data, tail...), 0o644); err != nil {
				t.Fatal(err)
			}
			rd := openDurable(t, Options{Dir: crashed})
			for i := 0; i < 300; i++ {
				if v, err := rd.Get(fmt.Sprint("k", i)); err != nil || string(v) != fmt.Sprint(i) {
					t.Fatalf("k%d after torn tail: %q, %v", i, v, err)
				}
			}
			if err := rd.Set("after", bs("ok")); err != nil {
				t.Fatalf("write after recovery: %v", err)
			}
		})
	}
}

// TestPersistWritesPerElement: on a big hash or list, a command writes a
// few small records, not the value; DEL is one range deletion.
func TestPersistWritesPerElement(t *testing.T) {
	d := openDurable(t, Options{Dir: t.TempDir(), Fsync: FsyncNo})
	const n = 100_000
	err := d.Update(func(tx *Tx) error {
		for i := 0; i < n; i++ {
			if _, err := tx.RPush("list", bs(fmt.Sprint(i))); err != nil {
				return err
			}
			if _, err := tx.HSet("hash", FieldValue{Field: fmt.Sprint("f", i), Value: bs("v")}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := d.c.durable.(*persister)
	for _, tc := range []struct {
		name string
		max  int64
		run  func() error
	}{
		{"LPUSH", 1, func() error { _, err := d.LPush("list", bs("head")); return err }},
		{"RPUSH", 1, func() error { _, err := d.RPush("list", bs("tail")); return err }},
		{"LPOP", 1, func() error { _, err := d.LPop("list"); return err }},
		{"RPOP", 1, func() error { _, err := d.RPop("list"); return err }},
		{"LSET", 1, func() error { return d.LSet("list", n/2, bs("mid")) }},
		{"LINSERT near the head", 4, func() error { _, err := d.LInsert("list", InsertBefore, bs("2"), bs("x")); return err }},
		{"LINSERT near the tail", 4, func() error {
			_, err := d.LInsert("list", InsertAfter, bs(fmt.Sprint(n-3)), bs("y"))
			return err
		}},
		{"LREM near the tail", 4, func() error { _, err := d.LRem("list", -1, bs("y")); return err }},
		{"HSET", 1, func() error { _, err := d.HSet("hash", FieldValue{Field: "new", Value: bs("1")}); return err }},
		{"HDEL", 1, func() error { _, err := d.HDel("hash", "f7"); return err }},
		{"EXPIRE", 1, func() error { _, err := d.Expire("hash", time.Hour); return err }},
		{"DEL list", 1, func() error { _, err := d.Del("list"); return err }},
		{"DEL hash", 1, func() error { _, err := d.Del("hash"); return err }},
	} {
		before := p.records.Load()
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := p.records.Load() - before; got > tc.max || got == 0 {
			t.Errorf("%s wrote %d records, want 1..%d", tc.name, got, tc.max)
		}
	}
}
