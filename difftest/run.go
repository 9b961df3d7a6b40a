package difftest

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"rustypotato/internal/resp"
)

// Env is a pair of servers under comparison: Redis is the oracle.
type Env struct {
	Redis string // address of redis-server
	Ours  string // address of our server
	// Stats, when non-nil, counts the steps run per command name and how
	// many of them Redis answered with an error (generator coverage).
	Stats map[string]*CmdStats
	// Branches runs our half of each program partly on a branch: after
	// half of its steps (outside MULTI), our server forks its data into
	// a branch and the program goes on there, so every later reply comes
	// through the layers of a fork. Replies must not change.
	Branches bool
}

// forkBranch is the branch Env.Branches runs programs on.
const forkBranch = "difftest-fork"

// CmdStats counts one command's steps.
type CmdStats struct {
	Runs, Errors int
}

// Mismatch is the first step at which the servers disagreed.
type Mismatch struct {
	Index int    // position in Program.Cmds
	Cmd   Cmd    // the step
	Want  []byte // Redis's reply (or a <...> note for a transport event)
	Got   []byte // ours
	Reply int    // for a raw step: which of its replies
}

func (m *Mismatch) String() string {
	return fmt.Sprintf("step %d: %s\n  redis: %s\n  ours:  %s", m.Index+1, m.Cmd, showReply(m.Want), showReply(m.Got))
}

// showReply quotes a raw reply for a message, shortened if long.
func showReply(b []byte) string {
	const max = 1500
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

// session is one pair of connections running a program.
type session struct {
	env     Env
	proto   int
	r, o    *Client
	inline  bool
	inMulti bool
	queued  []Cmd
	stats   map[string]*CmdStats
	forked  bool // our connection works on forkBranch
	// watching: a WATCH may be in force. A WATCH taken on one branch
	// makes EXEC on another fail (documented), so the fork waits.
	watching bool
}

// fork forks our server's data into forkBranch and switches our
// connection to it; it reports whether it could (not in subscribed
// RESP2 mode, say: then it is tried again at the next step).
func (s *session) fork() bool {
	c, err := Dial(s.env.Ours)
	if err != nil {
		return false
	}
	rep, err := c.Do(args("BRANCH", "CREATE", forkBranch)...)
	c.Close()
	if err != nil || string(rep) != "+OK\r\n" {
		return false
	}
	return s.switchFork()
}

func (s *session) switchFork() bool {
	rep, err := s.o.Do(args("BRANCH", "SWITCH", forkBranch)...)
	return err == nil && string(rep) == "+OK\r\n"
}

func (s *session) dial() error {
	var err error
	if s.r, err = Dial(s.env.Redis); err != nil {
		return fmt.Errorf("dial redis: %w", err)
	}
	if s.o, err = Dial(s.env.Ours); err != nil {
		s.r.Close()
		return fmt.Errorf("dial ours: %w", err)
	}
	s.inMulti, s.queued, s.watching = false, nil, false
	if s.proto == 3 {
		for _, c := range []*Client{s.r, s.o} {
			rep, err := c.Do(args("HELLO", "3")...)
			if err != nil || len(rep) == 0 || rep[0] != '%' {
				return fmt.Errorf("HELLO 3: %q %v", rep, err)
			}
		}
	}
	return nil
}

func (s *session) close() {
	if s.r != nil {
		s.r.Close()
	}
	if s.o != nil {
		s.o.Close()
	}
}

// Run runs p on both servers after FLUSHALL, over fresh connections, and
// returns the first step whose replies differ (nil if none). The error is
// for failures of the harness itself (a server cannot be reached).
func (e Env) Run(p Program) (*Mismatch, error) {
	ms, err := e.RunAll(p, 1)
	if len(ms) > 0 {
		return ms[0], err
	}
	return nil, err
}

// RunAll is Run that goes on after a mismatch, up to max mismatches
// (later ones may follow from the first).
func (e Env) RunAll(p Program, max int) ([]*Mismatch, error) {
	if err := e.flushAll(); err != nil {
		return nil, err
	}
	s := &session{env: e, proto: p.Proto, inline: p.Inline, stats: e.Stats}
	if err := s.dial(); err != nil {
		return nil, err
	}
	defer s.close()
	var out []*Mismatch
	created := false
	for i := 0; i < len(p.Cmds); i++ {
		c := p.Cmds[i]
		if e.Branches && i >= len(p.Cmds)/2 && !s.inMulti && !s.watching && !s.forked {
			if !created {
				created = s.fork()
				s.forked = created
			} else {
				s.forked = s.switchFork()
			}
		}
		if p.Pipeline > 1 && isPlain(c) && !(e.Branches && c.Name() == "reset") {
			// Send a run of plain commands in one write, then check
			// their replies in order.
			j := i
			for j < len(p.Cmds) && j-i < p.Pipeline && isPlain(p.Cmds[j]) && !(e.Branches && p.Cmds[j].Name() == "reset") {
				s.r.out = s.encode(s.r.out, p.Cmds[j].Args)
				s.o.out = s.encode(s.o.out, p.Cmds[j].Args)
				j++
			}
			errR, errO := s.r.Flush(), s.o.Flush()
			for k := i; k < j; k++ {
				if m := s.check(p.Cmds[k], errR, errO); m != nil {
					m.Index, m.Cmd = k, p.Cmds[k]
					out = append(out, m)
				}
			}
			if len(out) >= max {
				break
			}
			i = j - 1
			continue
		}
		m, err := s.step(c)
		if err != nil {
			return out, fmt.Errorf("step %d (%s): %w", i+1, c, err)
		}
		if s.forked && (c.Pseudo == "reconnect" || c.Name() == "reset") {
			// A new connection, or RESET, is back on main.
			s.forked = false
		}
		if m != nil {
			m.Index, m.Cmd = i, c
			out = append(out, m)
			if len(out) >= max {
				break
			}
		}
	}
	return out, nil
}

// flushAll empties both servers over a separate connection (so that a
// program's own connection starts clean).
func (e Env) flushAll() error {
	if e.Branches {
		c, err := Dial(e.Ours)
		if err != nil {
			return err
		}
		// The last program's connection may still be closing (and
		// counted on the branch) for a moment.
		for try := 0; ; try++ {
			rep, err := c.Do(args("BRANCH", "DELETE", forkBranch)...)
			if err == nil && (string(rep) == "+OK\r\n" || strings.Contains(string(rep), "no such branch")) {
				break
			}
			if try == 200 || err != nil || !strings.Contains(string(rep), "in use") {
				c.Close()
				return fmt.Errorf("BRANCH DELETE on ours: %q %v", rep, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		c.Close()
	}
	for _, addr := range []string{e.Redis, e.Ours} {
		c, err := Dial(addr)
		if err != nil {
			return err
		}
		rep, err := c.Do(args("FLUSHALL")...)
		c.Close()
		if err != nil || string(rep) != "+OK\r\n" {
			return fmt.Errorf("FLUSHALL on %s: %q %v", addr, rep, err)
		}
	}
	return nil
}

// note renders a transport error as a reply-like text, so that "both
// closed the connection" compares equal.
func note(rep []byte, err error) []byte {
	if err == nil {
		return rep
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "EOF"), strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"):
		msg = "connection closed"
	case strings.Contains(msg, "timeout"):
		msg = "no reply within " + ReplyTimeout.String()
	}
	return append(rep, "<"+msg+">"...)
}

func (s *session) step(c Cmd) (*Mismatch, error) {
	switch {
	case c.Raw != nil:
		return s.rawStep(c)
	case c.Pseudo == "reconnect":
		s.close()
		return nil, s.dial()
	case c.Pseudo == "sleep":
		ms, _ := strconv.Atoi(string(c.Args[0]))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return nil, nil
	case c.Pseudo == "scanall" || c.Pseudo == "hscanall" || c.Pseudo == "sscanall":
		if s.inMulti {
			return nil, nil // a full scan cannot be queued
		}
		want := scanAll(s.r, c)
		got := scanAll(s.o, c)
		if !bytes.Equal(want, got) {
			return &Mismatch{Want: want, Got: got}, nil
		}
		return nil, nil
	}
	s.r.out = s.encode(s.r.out, c.Args)
	s.o.out = s.encode(s.o.out, c.Args)
	errR, errO := s.r.Flush(), s.o.Flush()
	return s.check(c, errR, errO), nil
}

// encode appends a command as the session sends it: multibulk, or an
// inline line (redis-cli quoting, which Redis's sdssplitargs reads back)
// in an inline session, unless the line would be long.
func (s *session) encode(dst []byte, args [][]byte) []byte {
	if s.inline && len(args) > 0 && (len(args[0]) == 0 || args[0][0] != '*') {
		start := len(dst)
		for i, a := range args {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, Quote(a)...)
		}
		if len(dst)-start < 16<<10 {
			return append(dst, '\r', '\n')
		}
		dst = dst[:start]
	}
	return resp.AppendCommand(dst, args...)
}

// isPlain reports whether c is an ordinary command (one reply each).
func isPlain(c Cmd) bool { return c.Raw == nil && c.Pseudo == "" }

// check reads one reply of c from each server, compares them and follows
// the MULTI state; errR and errO are errors from sending c.
func (s *session) check(c Cmd, errR, errO error) *Mismatch {
	want, err := s.r.Read()
	want = note(want, firstErr(errR, err))
	got, err := s.o.Read()
	got = note(got, firstErr(errO, err))

	name := c.Name()
	if s.stats != nil {
		st := s.stats[name]
		if st == nil {
			st = &CmdStats{}
			s.stats[name] = st
		}
		st.Runs++
		if isError(want) {
			st.Errors++
		}
	}
	var equal bool
	if name == "exec" && s.inMulti {
		equal = equalExec(s.queued, want, got)
	} else {
		equal = equalReply(c, want, got)
	}
	// Follow the oracle's view of the MULTI and WATCH state.
	switch name {
	case "watch":
		s.watching = s.watching || string(want) == "+OK\r\n"
	case "exec":
		// Only an EXEC that ends a MULTI unwatches: one without MULTI is
		// an error that leaves the WATCH in force (execCommand returns
		// before unwatchAllKeys).
		s.watching = s.watching && !s.inMulti
	case "unwatch", "reset":
		s.watching = false
	case "discard":
		s.watching = s.watching && string(want) != "+OK\r\n"
	}
	switch {
	case name == "multi" && string(want) == "+OK\r\n":
		s.inMulti, s.queued = true, nil
	case s.inMulti && string(want) == "+QUEUED\r\n":
		s.queued = append(s.queued, c)
	case name == "exec" || name == "discard" || name == "reset":
		if name != "discard" || string(want) == "+OK\r\n" {
			s.inMulti, s.queued = false, nil
		}
	}
	if !equal {
		return &Mismatch{Want: want, Got: got}
	}
	return nil
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (s *session) rawStep(c Cmd) (*Mismatch, error) {
	errR := s.r.SendRaw(c.Raw)
	errO := s.o.SendRaw(c.Raw)
	for k := 0; k < c.Replies; k++ {
		want, err := s.r.Read()
		want = note(want, firstErr(errR, err))
		got, err := s.o.Read()
		got = note(got, firstErr(errO, err))
		if !bytes.Equal(want, got) {
			return &Mismatch{Want: want, Got: got, Reply: k}, nil
		}
	}
	if c.ExpectClose {
		closedR, extraR := s.r.Closed(2 * time.Second)
		closedO, extraO := s.o.Closed(2 * time.Second)
		if closedR != closedO || !bytes.Equal(extraR, extraO) {
			return &Mismatch{
				Want:  []byte(fmt.Sprintf("<closed=%v, then %q>", closedR, extraR)),
				Got:   []byte(fmt.Sprintf("<closed=%v, then %q>", closedO, extraO)),
				Reply: c.Replies,
			}, nil
		}
		s.close()
		return nil, s.dial()
	}
	return nil, nil
}

// scanAll runs a full SCAN (or HSCAN) on one server and returns the sorted
// union of what it returned as one synthetic aggregate reply, or the first
// non-scan reply (an error) as it is.
func scanAll(cl *Client, c Cmd) []byte {
	var prefix [][]byte
	opts := c.Args
	pairs := c.Pseudo == "hscanall"
	if pairs {
		if len(opts) == 0 {
			return []byte("<hscanall needs a key>")
		}
		prefix = [][]byte{[]byte("HSCAN"), opts[0]}
		opts = opts[1:]
	} else if c.Pseudo == "sscanall" {
		if len(opts) == 0 {
			return []byte("<sscanall needs a key>")
		}
		prefix = [][]byte{[]byte("SSCAN"), opts[0]}
		opts = opts[1:]
	} else {
		prefix = [][]byte{[]byte("SCAN")}
	}
	seen := map[string]bool{}
	cursor := []byte("0")
	for iter := 0; iter < 100000; iter++ {
		cmd := append(append(append([][]byte{}, prefix...), cursor), opts...)
		rep, err := cl.Do(cmd...)
		if err != nil {
			return note(rep, err)
		}
		_, elems, ok := splitAggregate(rep)
		if !ok || len(elems) != 2 {
			return rep
		}
		_, items, ok := splitAggregate(elems[1])
		if !ok {
			return rep
		}
		if pairs && len(items)%2 == 1 {
			return rep
		}
		for i := 0; i < len(items); i++ {
			if pairs {
				seen[string(items[i])+string(items[i+1])] = true
				i++
			} else {
				seen[string(items[i])] = true
			}
		}
		next, ok := bulkText(elems[0])
		if !ok {
			return rep
		}
		if next == "0" {
			keys := make([]string, 0, len(seen))
			for k := range seen {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return []byte(fmt.Sprintf("*%d\r\n%s", len(keys), strings.Join(keys, "")))
		}
		cursor = []byte(next)
	}
	return []byte("<scan did not finish>")
}

// bulkText returns the text of a raw bulk string reply.
func bulkText(raw []byte) (string, bool) {
	if len(raw) < 5 || raw[0] != '$' {
		return "", false
	}
	i := bytes.IndexByte(raw, '\n')
	if i < 0 || i+1 > len(raw)-2 {
		return "", false
	}
	return string(raw[i+1 : len(raw)-2]), true
}

// Shrink reduces a program that shows m to a shorter one that still
// shows a mismatch at a command of the same name (delta debugging:
// remove chunks, then single steps, while the mismatch remains, replaying
// each candidate on FLUSHALLed servers). It makes at most budget replays.
func (e Env) Shrink(p Program, m *Mismatch, budget int) (Program, *Mismatch) {
	name := m.Cmd.Name()
	cur := p
	cur.Cmds = append([]Cmd(nil), p.Cmds[:m.Index+1]...)
	best := m
	try := func(cand []Cmd) bool {
		if budget <= 0 {
			return false
		}
		budget--
		q := Program{Proto: p.Proto, Pipeline: p.Pipeline, Inline: p.Inline, Cmds: cand}
		m2, err := e.Run(q)
		if err != nil || m2 == nil || m2.Cmd.Name() != name {
			return false
		}
		cur.Cmds = append([]Cmd(nil), cand[:m2.Index+1]...)
		best = m2
		return true
	}
	n := 2
	for len(cur.Cmds) >= 2 && budget > 0 {
		size := (len(cur.Cmds) + n - 1) / n
		reduced := false
		for start := 0; start < len(cur.Cmds); start += size {
			end := min(start+size, len(cur.Cmds))
			cand := append(append([]Cmd(nil), cur.Cmds[:start]...), cur.Cmds[end:]...)
			if len(cand) > 0 && try(cand) {
				n = max(n-1, 2)
				reduced = true
				break
			}
		}
		if !reduced {
			if n >= len(cur.Cmds) {
				break
			}
			n = min(2*n, len(cur.Cmds))
		}
	}
	// One-minimal: no single step can go.
	for i := len(cur.Cmds) - 2; i >= 0 && budget > 0; i-- {
		if i >= len(cur.Cmds)-1 {
			continue
		}
		cand := append(append([]Cmd(nil), cur.Cmds[:i]...), cur.Cmds[i+1:]...)
		try(cand)
	}
	return cur, best
}
