package difftest

import (
	"bufio"
	"bytes"
	"sort"
	"strconv"
	"strings"
	"time"
)

// mode says how the replies of a command are compared.
type mode int

const (
	modeExact        mode = iota // raw bytes, byte for byte
	modeIgnore                   // not compared (unless either is an error)
	modeSorted                   // aggregate elements compared as a multiset
	modePairs                    // field/value pairs (flat RESP2 array or RESP3 map) compared as a multiset of pairs
	modeUnique                   // elements compared as a set (duplicates dropped)
	modePresence                 // only null versus non-null
	modeLen                      // only the aggregate's type and length
	modeTTL                      // integers: negative codes exact, others within tol
	modeNotGenerated             // the random generator never makes such a command (scripts may)
	modeUnchecked                // nothing compared, not even errors: a deliberate extension
	modeNULTies                  // exact, but as a multiset when an element holds a NUL byte
)

// exception is one row of the exceptions table: replies of cmd (when
// `when` accepts the args) are compared with mode instead of byte for
// byte, for the reason given. Error replies are always compared byte for
// byte, whatever the mode: errors are deterministic.
type exception struct {
	cmd    string                   // Cmd.Name(): lower case, "parent|sub"
	when   func(args [][]byte) bool // nil: always
	mode   mode
	tol    int64 // modeTTL: largest accepted difference
	reason string
}

// exceptions is the one table of every place where replies are not
// compared byte for byte. The first matching row wins.
//
// Besides these rows, the programs keep away from a few things by
// construction (see gen.go), each because the answer would depend on
// timing or would stall Redis, not because the servers differ:
//   - relative TTLs are large (over a day) and pairwise distinct by
//     seconds, so no key expires mid-program and NX/XX/GT/LT never
//     compare two deadlines set the same number of seconds apart (a
//     millisecond tick between the servers would decide);
//   - blocking pops time out after 10 ms, never 0 or a long time;
//   - SETRANGE offsets above 1000 come with an empty value (no 512 MB
//     allocation on both servers), and no HRANDFIELD count that makes
//     Redis build billions of pairs;
//   - no multibulk count above 1048576: ours refuses it with Redis's
//     "invalid multibulk length" text while Redis 7 waits for up to
//     INT_MAX arguments (documented in internal/resp).
var exceptions = []exception{
	// States the random programs avoid.
	{cmd: "set", when: pastDeadline, mode: modeNotGenerated,
		reason: "SET with an EXAT/PXAT in the past stores an already-expired key; Redis 7.0 deletes it on the next access (even a read) or active-expiry cycle, ours only in the active-expiry cycle (reads never write), so DBSIZE right after a read of it differs for up to ~100 ms (it is timing-dependent in Redis too); scripts check the deterministic part"},
	{cmd: "lpos", when: rankLongMin, mode: modeNotGenerated,
		reason: "LPOS RANK -9223372036854775808: Redis 7.0 negates LONG_MIN (signed overflow) and then ignores COUNT; later Redis versions refuse the rank; not worth matching"},
	// Deliberate extensions: Redis 7.2 subcommands that clients send
	// (go-redis v9 sends CLIENT SETINFO on connect); 7.0 replies
	// "unknown subcommand".
	{cmd: "client|setinfo", mode: modeUnchecked, reason: "Redis 7.2 subcommand, implemented deliberately; 7.0.15 does not know it"},
	{cmd: "client|no-touch", mode: modeUnchecked, reason: "Redis 7.2 subcommand, implemented deliberately; 7.0.15 does not know it"},
	{cmd: "config|set", when: func(a [][]byte) bool {
		return len(a) > 2 && (strings.EqualFold(string(a[2]), "port") || strings.EqualFold(string(a[2]), "bind"))
	}, mode: modeUnchecked, reason: "Redis 7 rebinds its listener on CONFIG SET port/bind; our server treats them as immutable (the embedding program owns the listener)"},
	// Order is unspecified: both servers return the same members in hash
	// table order, which differs between implementations.
	{cmd: "keys", mode: modeSorted, reason: "reply order is unspecified (hash table order)"},
	{cmd: "hkeys", mode: modeSorted, reason: "reply order is unspecified (hash table order)"},
	{cmd: "hvals", mode: modeSorted, reason: "reply order is unspecified (hash table order)"},
	{cmd: "hgetall", mode: modePairs, reason: "pair order is unspecified (hash table order)"},
	{cmd: "hrandfield", when: func(a [][]byte) bool { return len(a) == 2 }, mode: modePresence,
		reason: "a random field: only whether one is returned"},
	{cmd: "hrandfield", when: func(a [][]byte) bool { return hrandCount(a) < 0 }, mode: modeLen,
		reason: "negative count: random fields with repetition; only the count is fixed"},
	{cmd: "hrandfield", when: func(a [][]byte) bool { return hrandCount(a) > 0 && hrandCount(a) < 100 }, mode: modeLen,
		reason: "a positive count that may be below the hash's size: a random subset; only the count is compared"},
	{cmd: "hrandfield", when: func(a [][]byte) bool { return hrandCount(a) > 0 && withValues(a) }, mode: modePairs,
		reason: "positive count >= size returns the whole hash in unspecified order (the programs use counts above any hash's size); RESP3 nests pairs, compared as sorted elements"},
	{cmd: "hrandfield", when: func(a [][]byte) bool { return hrandCount(a) > 0 }, mode: modeSorted,
		reason: "positive count >= size returns every field in unspecified order (the programs use counts above any hash's size)"},
	{cmd: "zrandmember", when: func(a [][]byte) bool { return len(a) == 2 }, mode: modePresence,
		reason: "a random member: only whether one is returned"},
	{cmd: "zrandmember", mode: modeLen, reason: "random members: only the count is compared"},
	{cmd: "zscan", mode: modeIgnore, reason: "cursors and the split between calls are implementation-specific (a big set is visited in hash order)"},
	{cmd: "randomkey", mode: modePresence, reason: "a random key: only whether one is returned"},
	// Scans: the cursor values and the split of keys between calls are
	// implementation details; the harness compares the union of a full
	// scan, sorted (pseudo commands scanall/hscanall). A single SCAN with
	// a non-zero cursor is compared only when it is an error.
	{cmd: "scan", when: func(a [][]byte) bool { return len(a) > 1 && string(a[1]) != "0" },
		mode: modeIgnore, reason: "cursors are implementation-specific; full scans are compared by !scanall"},
	{cmd: "scan", mode: modeLen, reason: "SCAN 0: the split of keys between calls is implementation-specific; full scans are compared by !scanall"},
	{cmd: "hscan", mode: modeIgnore, reason: "cursors and the split between calls are implementation-specific; full scans are compared by !hscanall"},
	// Time-dependent values: the two servers set the deadline a few
	// milliseconds apart and a second may tick between them.
	{cmd: "ttl", mode: modeTTL, tol: 2, reason: "remaining time depends on when each server ran the command"},
	{cmd: "pttl", mode: modeTTL, tol: 2000, reason: "remaining time depends on when each server ran the command"},
	{cmd: "expiretime", mode: modeTTL, tol: 2, reason: "a deadline set relative to each server's clock"},
	{cmd: "pexpiretime", mode: modeTTL, tol: 2000, reason: "a deadline set relative to each server's clock"},
	// Replies that hold times, ids, versions, addresses, counters or
	// implementation details.
	{cmd: "time", mode: modeIgnore, reason: "the current time"},
	{cmd: "lastsave", mode: modeIgnore, reason: "a time"},
	{cmd: "info", mode: modeIgnore, reason: "server statistics and versions"},
	{cmd: "hello", mode: modeIgnore, reason: "holds the connection id and the server version"},
	{cmd: "client|id", mode: modeIgnore, reason: "connection ids differ"},
	{cmd: "client|list", mode: modeIgnore, reason: "connection ids, addresses, ages and memory figures"},
	{cmd: "client|info", mode: modeIgnore, reason: "connection ids, addresses, ages and memory figures"},
	{cmd: "client|help", mode: modeIgnore, reason: "help text lists subcommands we do not implement"},
	{cmd: "object|encoding", mode: modeIgnore, reason: "internal encodings are implementation details"},
	{cmd: "object|idletime", mode: modeIgnore, reason: "a time"},
	{cmd: "object|refcount", mode: modeIgnore, reason: "Redis shares small integer objects depending on how the value was made (SET \"0\" gives INT_MAX, INCRBYFLOAT to 0 gives 1): an implementation detail"},
	{cmd: "object|help", mode: modeIgnore, reason: "help text"},
	{cmd: "command", mode: modeIgnore, reason: "lists the implemented commands and their docs, which differ"},
	{cmd: "command|count", mode: modeIgnore, reason: "we implement fewer commands"},
	{cmd: "command|info", mode: modeIgnore, reason: "key specs, tips and docs differ in detail"},
	{cmd: "command|docs", mode: modeIgnore, reason: "docs differ"},
	{cmd: "command|list", mode: modeIgnore, reason: "we implement fewer commands"},
	{cmd: "command|help", mode: modeIgnore, reason: "help text"},
	{cmd: "config|get", mode: modeIgnore, reason: "configuration values differ (ports, paths, unimplemented parameters)"},
	{cmd: "debug", mode: modeUnchecked, reason: "Redis 7 refuses DEBUG by default (enable-debug-command no); ours implements a few subcommands for tests"},
	{cmd: "memory", mode: modeIgnore, reason: "memory figures are implementation-specific"},
}

// rankLongMin reports whether LPOS's options hold RANK LONG_MIN.
func rankLongMin(a [][]byte) bool {
	for i := 3; i+1 < len(a); i++ {
		if strings.EqualFold(string(a[i]), "rank") && string(a[i+1]) == "-9223372036854775808" {
			return true
		}
	}
	return false
}

// pastDeadline reports whether SET's options hold an EXAT or PXAT
// deadline that has passed.
func pastDeadline(a [][]byte) bool {
	for i := 3; i+1 < len(a); i++ {
		unit := strings.ToLower(string(a[i]))
		if unit != "exat" && unit != "pxat" {
			continue
		}
		v, err := strconv.ParseInt(string(a[i+1]), 10, 64)
		if err != nil || v <= 0 {
			continue
		}
		if unit == "exat" && v < 1<<62/1000 {
			v *= 1000
		}
		if v <= time.Now().UnixMilli() {
			return true
		}
	}
	return false
}

// hrandCount returns HRANDFIELD's count argument, or 0 if absent or not
// an integer.
func hrandCount(a [][]byte) int64 {
	if len(a) < 3 {
		return 0
	}
	n, err := strconv.ParseInt(string(a[2]), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func withValues(a [][]byte) bool {
	return len(a) > 3 && strings.EqualFold(string(a[3]), "withvalues")
}

func isUint(b []byte) bool {
	_, err := strconv.ParseUint(string(b), 10, 64)
	return err == nil
}

// ruleFor returns the comparison rule of a command.
func ruleFor(c Cmd) exception {
	name := c.Name()
	for _, e := range allExceptions { // exceptions plus setExceptions (gen_sets.go)
		if e.cmd == name && (e.when == nil || e.when(c.Args)) {
			return e
		}
	}
	// A subcommand without a row of its own follows its parent's row
	// ("debug|foo" as "debug").
	if i := strings.IndexByte(name, '|'); i > 0 {
		for _, e := range exceptions {
			if e.cmd == name[:i] && (e.when == nil || e.when(c.Args)) {
				return e
			}
		}
	}
	return exception{mode: modeExact}
}

func isError(raw []byte) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] == '!')
}

func isNull(raw []byte) bool {
	s := string(raw)
	return s == "$-1\r\n" || s == "*-1\r\n" || s == "_\r\n"
}

// equalReply compares two raw replies of c under its rule.
func equalReply(c Cmd, want, got []byte) bool {
	return equalMode(ruleFor(c), want, got)
}

func equalMode(r exception, want, got []byte) bool {
	if bytes.Equal(want, got) || r.mode == modeUnchecked {
		return true
	}
	if isError(want) || isError(got) {
		return false
	}
	switch r.mode {
	case modeIgnore:
		return true
	case modePresence:
		return isNull(want) == isNull(got)
	case modeTTL:
		a, okA := replyInt(want)
		b, okB := replyInt(got)
		if !okA || !okB || a < 0 || b < 0 {
			return false
		}
		return a-b <= r.tol && b-a <= r.tol
	case modeSorted, modePairs, modeUnique, modeLen:
		return bytes.Equal(canon(r.mode, want), canon(r.mode, got))
	case modeNULTies:
		if bytes.Equal(want, got) {
			return true
		}
		return bytes.IndexByte(want, 0) >= 0 && bytes.Equal(canon(modeSorted, want), canon(modeSorted, got))
	}
	return false
}

func replyInt(raw []byte) (int64, bool) {
	if len(raw) < 4 || raw[0] != ':' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw[1:len(raw)-2]), 10, 64)
	return n, err == nil
}

// splitAggregate splits a raw aggregate reply into its header line and the
// raw bytes of each element (map entries count as two elements). ok is
// false for non-aggregates and null aggregates.
func splitAggregate(raw []byte) (header []byte, elems [][]byte, ok bool) {
	if len(raw) == 0 || !strings.ContainsRune("*~%>", rune(raw[0])) {
		return nil, nil, false
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, nil, false
	}
	n, err := strconv.Atoi(string(line[1 : len(line)-2]))
	if err != nil || n < 0 {
		return nil, nil, false
	}
	if raw[0] == '%' {
		n *= 2
	}
	for i := 0; i < n; i++ {
		e, err := ReadReply(br, nil)
		if err != nil {
			return nil, nil, false
		}
		elems = append(elems, e)
	}
	return line, elems, true
}

// canon returns a canonical form of an aggregate reply under mode: its
// elements (or pairs) sorted, deduplicated for modeUnique, or only its
// header for modeLen. Non-aggregates are returned as they are.
func canon(m mode, raw []byte) []byte {
	header, elems, ok := splitAggregate(raw)
	if !ok {
		return raw
	}
	if m == modeLen {
		return header
	}
	var items []string
	if m == modePairs && (raw[0] == '*' || raw[0] == '%') && len(elems)%2 == 0 &&
		(len(elems) == 0 || elems[0][0] != '*') {
		for i := 0; i+1 < len(elems); i += 2 {
			items = append(items, string(elems[i])+string(elems[i+1]))
		}
	} else {
		for _, e := range elems {
			items = append(items, string(e))
		}
	}
	sort.Strings(items)
	if m == modeUnique {
		out := items[:0]
		for i, s := range items {
			if i == 0 || s != items[i-1] {
				out = append(out, s)
			}
		}
		items = out
		header = []byte(string(raw[0]) + "?\r\n")
	}
	return []byte(string(header) + strings.Join(items, ""))
}

// equalExec compares EXEC replies element by element, each under the rule
// of the command queued at its position.
func equalExec(queued []Cmd, want, got []byte) bool {
	if bytes.Equal(want, got) {
		return true
	}
	hw, ew, okW := splitAggregate(want)
	hg, eg, okG := splitAggregate(got)
	if !okW || !okG || !bytes.Equal(hw, hg) || len(ew) != len(queued) {
		return false
	}
	for i := range ew {
		if !equalReply(queued[i], ew[i], eg[i]) {
			return false
		}
	}
	return true
}
