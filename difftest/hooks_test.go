package difftest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"rustypotato"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

// TestRandomProgramsUnderHooks runs random programs, with the FamHooks
// writes among them, against Redis and against our server with hooks
// installed that accept every value: 1,000 that match no key, validators
// every value passes, and a Go hook that replaces each value by an equal
// copy (so every write takes the path of a transform). Replies must be
// Redis's: a hook that passes changes nothing a client can see. The hooks
// check what they are shown, too: a hook called with a value it should
// not see (nil) fails its write, which shows up as a mismatch.
func TestRandomProgramsUnderHooks(t *testing.T) {
	redis := StartRedis(t)
	db, err := potato.Open(potato.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i := range 1000 {
		if err := db.AddHook(potato.Hook{Name: fmt.Sprintf("none%04d", i), Pattern: fmt.Sprintf("nomatch%d:*", i), Builtin: "int"}); err != nil {
			t.Fatal(err)
		}
	}
	var calls atomic.Int64
	hooks := []potato.Hook{
		{Name: "len", Pattern: "*", Builtin: "maxlen", Args: []string{"1000000000"}},
		{Name: "any", Pattern: "hk:*", Builtin: "regex", Args: []string{""}},
		{Name: "copy", Pattern: "*", Priority: 1, Func: func(hc *potato.HookContext) error {
			calls.Add(1)
			if hc.Value == nil {
				return errors.New("nil value")
			}
			if (hc.Field != "") && hc.Index != -1 {
				return errors.New("field and index both set")
			}
			hc.Value = bytes.Clone(hc.Value)
			return nil
		}},
	}
	for _, h := range hooks {
		if err := db.AddHook(h); err != nil {
			t.Fatal(err)
		}
	}
	ours := servertest.NewServer(t, &server.Server{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	env := Env{Redis: redis, Ours: ours.Addr}
	seed := uint64(envInt(t, "POTATO_DIFF_SEED", time.Now().UnixNano()&(1<<62-1)))
	total := envInt(t, "POTATO_DIFF_N", 6000)
	if testing.Short() {
		total /= 4
	}
	fams := []Family{FamHooks, FamStrings, FamKeys, FamHashes, FamLists, FamTx}
	t.Logf("seed %d (POTATO_DIFF_SEED=%d reproduces this run), %d commands", seed, seed, total)
	var ran int64
	for i := int64(0); ran < total; i++ {
		g := NewGen(seed*1_000_003+uint64(i), fams...)
		p := g.Program(40+g.rnd.IntN(120), 2+int(i%2))
		if i%4 == 1 {
			p.Pipeline = 2 + int(i/4)%15
		}
		ran += int64(len(p.Cmds))
		m, err := env.Run(p)
		if err != nil {
			t.Fatalf("seed %d program %d: %v", seed, i, err)
		}
		if m == nil {
			continue
		}
		small, sm := env.Shrink(p, m, 400)
		t.Fatalf("seed %d program %d: replies differ under hooks\nshortest program found (%d of %d steps):\n%s%s",
			seed, i, len(small.Cmds), len(p.Cmds), indent(small.String()), sm)
	}
	if calls.Load() == 0 {
		t.Fatal("the hooks never ran")
	}
	t.Logf("%d commands, %d hook calls", ran, calls.Load())
}
