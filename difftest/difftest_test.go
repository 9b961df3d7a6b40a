package difftest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

// newEnv starts redis-server and our server for one test.
func newEnv(t *testing.T) Env {
	t.Helper()
	redis := StartRedis(t)
	ours := servertest.New(t)
	return Env{Redis: redis, Ours: ours.Addr}
}

// implemented reports whether our server knows cmd (COMMAND INFO returns
// a non-nil entry for it).
func implemented(t *testing.T, addr, cmd string) bool {
	t.Helper()
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rep, err := c.Do(args("COMMAND", "INFO", cmd)...)
	if err != nil {
		t.Fatalf("COMMAND INFO %s: %v", cmd, err)
	}
	return strings.HasPrefix(string(rep), "*1\r\n*") && !strings.HasPrefix(string(rep), "*1\r\n*-1")
}

func envInt(t *testing.T, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// TestRandomPrograms runs seeded random command programs on Redis and on
// our server and compares every reply. POTATO_DIFF_SEED=<n> reproduces a
// run, POTATO_DIFF_N=<commands> scales it (default 20000), and
// POTATO_DIFF_PROGRAM=<i> runs only program i of the seed's run,
// POTATO_DIFF_SKIP=lists,hashes leaves families out. A
// mismatch is shrunk to a short program, printed as a script that can
// be pasted into testdata/.
func TestRandomPrograms(t *testing.T) { randomPrograms(t, false, 20000) }

// TestRandomProgramsOnBranch is TestRandomPrograms with our server going
// on, half way through each program, on a fresh fork of its data
// (Env.Branches): a client that works on a branch sees Redis's behaviour.
func TestRandomProgramsOnBranch(t *testing.T) { randomPrograms(t, true, 8000) }

func randomPrograms(t *testing.T, branches bool, defTotal int64) {
	env := newEnv(t)
	env.Branches = branches
	env.Stats = map[string]*CmdStats{}
	seed := uint64(envInt(t, "POTATO_DIFF_SEED", time.Now().UnixNano()&(1<<62-1)))
	total := envInt(t, "POTATO_DIFF_N", defTotal)
	only := envInt(t, "POTATO_DIFF_PROGRAM", -1)
	if testing.Short() && os.Getenv("POTATO_DIFF_N") == "" {
		total = defTotal / 7
	}
	fams := []Family{FamStrings, FamKeys, FamTx, FamMisc}
	var skipped []string
	skip := strings.Split(os.Getenv("POTATO_DIFF_SKIP"), ",") // e.g. "lists,hashes"
	for _, f := range []struct {
		fam Family
		cmd string
	}{{FamHashes, "hset"}, {FamLists, "lpush"}, {FamSets, "sadd"}, {FamZSets, "zadd"}, {FamMemory, "memory"}, {FamBits, "setbit"}, {FamClient, "client"}} {
		if implemented(t, env.Ours, f.cmd) && !slices.Contains(skip, string(f.fam)) {
			fams = append(fams, f.fam)
		} else {
			skipped = append(skipped, string(f.fam))
		}
	}
	t.Logf("seed %d (POTATO_DIFF_SEED=%d reproduces this run), %d commands, families %v", seed, seed, total, fams)
	if len(skipped) > 0 {
		t.Logf("not implemented by our server yet, skipped: %v", skipped)
	}

	const maxReports = 6
	reported := map[string]bool{}
	var ran int64
	start := time.Now()
	for i := int64(0); ran < total; i++ {
		g := NewGen(seed*1_000_003+uint64(i), fams...)
		n := 40 + g.rnd.IntN(120)
		proto := 2
		if i%3 == 2 {
			proto = 3
		}
		p := g.Program(n, proto)
		if i%4 == 1 {
			p.Pipeline = 2 + int(i/4)%15
		}
		p.Inline = i%5 == 3
		ran += int64(len(p.Cmds))
		if only >= 0 && i != only {
			continue
		}
		m, err := env.Run(p)
		if err != nil {
			t.Fatalf("seed %d program %d: %v", seed, i, err)
		}
		if m == nil {
			continue
		}
		name := m.Cmd.Name()
		if reported[name] {
			continue
		}
		reported[name] = true
		if again, err := env.Run(p); err == nil && again == nil {
			t.Errorf("seed %d program %d (POTATO_DIFF_SEED=%d POTATO_DIFF_PROGRAM=%d): replies differed at %s but not on a replay "+
				"(timing-dependent?); the program up to there (RESP%d):\n%s%s",
				seed, i, seed, i, name, max(p.Proto, 2), indent(Program{Proto: p.Proto, Pipeline: p.Pipeline, Inline: p.Inline, Cmds: p.Cmds[:m.Index+1]}.String()), m)
			continue
		}
		small, sm := env.Shrink(p, m, 800)
		t.Errorf("seed %d program %d (POTATO_DIFF_SEED=%d POTATO_DIFF_PROGRAM=%d): replies differ at %s\n"+
			"shortest program found (%d of %d steps, RESP%d):\n%s%s",
			seed, i, seed, i, name, len(small.Cmds), len(p.Cmds), max(p.Proto, 2), indent(small.String()), sm)
		if len(reported) >= maxReports {
			t.Fatalf("stopping after %d distinct mismatches", maxReports)
		}
	}
	t.Logf("%d commands in %v", ran, time.Since(start).Round(time.Millisecond))
	if testing.Verbose() {
		var names []string
		for n := range env.Stats {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			st := env.Stats[n]
			fmt.Fprintf(&b, "  %-20q %5d runs %3d%% errors\n", n, st.Runs, 100*st.Errors/st.Runs)
		}
		t.Logf("coverage (Redis's replies):\n%s", b.String())
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ") + "\n"
}

// TestScripts runs every testdata/*.txt script on both servers and
// compares every reply.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata")
	}
	sort.Strings(files)
	env := newEnv(t)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParseScript(string(text))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, cmd := range p.Requires {
				if !implemented(t, env.Ours, cmd) {
					t.Skipf("our server does not implement %s yet", cmd)
				}
			}
			ms, err := env.RunAll(p, 20)
			for _, m := range ms {
				t.Errorf("%s: replies differ at %s", f, m)
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		})
	}
}

// TestQuoteRoundTrip checks that printed programs parse back.
func TestQuoteRoundTrip(t *testing.T) {
	cases := [][]byte{
		[]byte(""), []byte("plain"), []byte("sp ace"), []byte("\x00\r\n\xff"), []byte(`q"uo'te\`),
		[]byte("\t\a\b"), []byte("caf\xc3\xa9"),
	}
	for _, c := range cases {
		got, err := ParseLine("SET " + Quote(c))
		if err != nil || len(got) != 2 || string(got[1]) != string(c) {
			t.Errorf("Quote(%q) = %s parses to %q, %v", c, Quote(c), got, err)
		}
	}
	p, err := ParseScript("# c\n!resp3\nSET 'it''s' \"a\\x41\"\n!raw 2 \"PING\\r\\nPING\\r\\n\"\n!scanall MATCH *\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.Proto != 3 || len(p.Cmds) != 3 || string(p.Cmds[0].Args[1]) != "its" || string(p.Cmds[0].Args[2]) != "aA" ||
		string(p.Cmds[1].Raw) != "PING\r\nPING\r\n" || p.Cmds[1].Replies != 2 || p.Cmds[2].Pseudo != "scanall" {
		t.Fatalf("ParseScript: %+v", p)
	}
	again, err := ParseScript(p.String())
	if err != nil || again.String() != p.String() {
		t.Fatalf("round trip: %q -> %q (%v)", p.String(), again.String(), err)
	}
}

// TestCompareModes checks the normalized comparisons on sample replies.
func TestCompareModes(t *testing.T) {
	cases := []struct {
		cmd       string
		want, got string
		equal     bool
	}{
		{"KEYS *", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*2\r\n$1\r\nb\r\n$1\r\na\r\n", true},
		{"KEYS *", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*2\r\n$1\r\nb\r\n$1\r\nb\r\n", false},
		{"HGETALL h", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n", true},
		{"HGETALL h", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", "*4\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n", false},
		{"HGETALL h", "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", "%2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n", true},
		{"TTL k", ":100\r\n", ":99\r\n", true},
		{"TTL k", ":-1\r\n", ":99\r\n", false},
		{"TTL k", ":100\r\n", ":90\r\n", false},
		{"RANDOMKEY", "$1\r\na\r\n", "$1\r\nb\r\n", true},
		{"RANDOMKEY", "$1\r\na\r\n", "$-1\r\n", false},
		{"HRANDFIELD h -3", "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n", "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nb\r\n", true},
		{"TIME", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n", true},
		{"TIME", "-ERR x\r\n", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n", false},
		{"GET k", "$1\r\na\r\n", "+a\r\n", false},
	}
	for _, c := range cases {
		a, _ := ParseLine(c.cmd)
		if got := equalReply(Cmd{Args: a}, []byte(c.want), []byte(c.got)); got != c.equal {
			t.Errorf("%s: %q vs %q: equal = %v, want %v", c.cmd, c.want, c.got, got, c.equal)
		}
	}
	queued := []Cmd{{Args: args("KEYS", "*")}, {Args: args("GET", "k")}}
	if !equalExec(queued, []byte("*2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n$-1\r\n"), []byte("*2\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n$-1\r\n")) {
		t.Error("EXEC elements are not compared under their commands' rules")
	}
	if equalExec(queued, []byte("*2\r\n*0\r\n$-1\r\n"), []byte("*2\r\n*0\r\n$0\r\n\r\n")) {
		t.Error("EXEC elements compared too loosely")
	}
}

// TestReadReply checks that exactly one reply is consumed.
func TestReadReply(t *testing.T) {
	in := "*3\r\n$3\r\na\r\n\r\n%1\r\n+k\r\n|1\r\n+a\r\n:1\r\n:5\r\n>2\r\n_\r\n,1.5\r\n+NEXT\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	got, err := ReadReply(br, nil)
	if err != nil || string(got) != in[:len(in)-len("+NEXT\r\n")] {
		t.Fatalf("ReadReply = %q, %v", got, err)
	}
	got, err = ReadReply(br, nil)
	if err != nil || string(got) != "+NEXT\r\n" {
		t.Fatalf("ReadReply = %q, %v", got, err)
	}
}
