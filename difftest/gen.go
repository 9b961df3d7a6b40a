package difftest

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Family is a group of commands the generator can be told to leave out
// (because our server does not implement it yet).
type Family string

// The command families of the generator.
const (
	FamStrings Family = "strings"
	FamKeys    Family = "keys"
	FamHashes  Family = "hashes"
	FamLists   Family = "lists"
	FamSets    Family = "sets"  // gen_sets.go
	FamZSets   Family = "zsets" // gen_zset.go
	FamTx      Family = "tx"
	FamMisc    Family = "misc"
	// FamMemory is the memory-limit family (issue 16): OBJECT FREQ and
	// MEMORY DOCTOR under the servers' default noeviction policy
	// (testdata/maxmemory.txt covers the limit itself).
	FamMemory Family = "memory"
	// FamHooks writes every kind of value to the hookKeys, on which
	// TestRandomProgramsUnderHooks installs hooks that accept all of
	// them: replies must stay Redis's.
	FamHooks  Family = "hooks"
	FamBits   Family = "bits"   // bitmaps, HyperLogLog, SORT (gen_bits.go)
	FamClient Family = "client" // replication CONFIG, CLIENT UNBLOCK/PAUSE/GETREDIR/TRACKINGINFO, GETKEYSANDFLAGS (gen_client.go)
)

// Gen makes random command programs from a seed. Keys come from small
// pools so that commands collide (and meet the wrong types); values come
// from a pool of edge cases plus random bytes.
type Gen struct {
	rnd      *rand.Rand
	families map[Family]bool
	gens     []weighted
	total    int
	relSeq   int64 // makes every relative TTL distinct (see relSeconds)
}

type weighted struct {
	fam    Family
	weight int
	fn     func(g *Gen) [][]byte
}

// NewGen returns a generator for seed over the given families.
func NewGen(seed uint64, families ...Family) *Gen {
	g := &Gen{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), families: map[Family]bool{}}
	for _, f := range families {
		g.families[f] = true
	}
	for _, w := range slices.Concat(generators, setGenerators, zsetGenerators) { // gen_sets.go, gen_zset.go
		if g.families[w.fam] {
			g.gens = append(g.gens, w)
			g.total += w.weight
		}
	}
	return g
}

// Program returns a random program of n steps in protocol proto.
func (g *Gen) Program(n, proto int) Program {
	p := Program{Proto: proto}
	for len(p.Cmds) < n {
		if g.families[FamTx] && g.rnd.IntN(25) == 0 {
			p.Cmds = append(p.Cmds, g.transaction()...)
			continue
		}
		p.Cmds = append(p.Cmds, g.cmd())
	}
	return p
}

// cmd returns one random step outside MULTI.
func (g *Gen) cmd() Cmd {
	if g.rnd.IntN(40) == 0 {
		if g.families[FamKeys] && g.rnd.IntN(2) == 0 {
			return Cmd{Pseudo: "scanall", Args: g.scanOpts(true)}
		}
		if g.families[FamHashes] && (!g.families[FamSets] || g.chance(2)) {
			return Cmd{Pseudo: "hscanall", Args: append([][]byte{g.key(FamHashes)}, g.scanOpts(false)...)}
		}
		if g.families[FamSets] {
			return Cmd{Pseudo: "sscanall", Args: append([][]byte{g.key(FamSets)}, g.scanOpts(false)...)}
		}
	}
	return Cmd{Args: g.plain()}
}

// plain returns the args of one random command (never one the
// exceptions table marks as not generated).
func (g *Gen) plain() [][]byte {
	for {
		a := g.anyPlain()
		if ruleFor(Cmd{Args: a}).mode != modeNotGenerated {
			return a
		}
	}
}

func (g *Gen) anyPlain() [][]byte {
	k := g.rnd.IntN(g.total)
	for _, w := range g.gens {
		if k < w.weight {
			return w.fn(g)
		}
		k -= w.weight
	}
	panic("unreachable")
}

// transaction returns a MULTI block: sometimes after a WATCH (and a write
// to a watched key), sometimes with a command refused while queuing
// (EXECABORT), ended by EXEC or DISCARD.
func (g *Gen) transaction() []Cmd {
	var out []Cmd
	if g.rnd.IntN(3) == 0 {
		w := args("WATCH")
		for i := 0; i <= g.rnd.IntN(2); i++ {
			w = append(w, g.anyKey())
		}
		out = append(out, Cmd{Args: w})
		for i := 0; i < g.rnd.IntN(3); i++ {
			out = append(out, Cmd{Args: g.plain()})
		}
		if g.rnd.IntN(4) == 0 {
			out = append(out, Cmd{Args: args("UNWATCH")})
		}
	}
	out = append(out, Cmd{Args: args("MULTI")})
	for i := 0; i <= g.rnd.IntN(5); i++ {
		switch g.rnd.IntN(12) {
		case 0:
			out = append(out, Cmd{Args: g.unknown()})
		case 1:
			out = append(out, Cmd{Args: g.badArity()})
		case 2:
			out = append(out, Cmd{Args: args("MULTI")})
		case 3:
			out = append(out, Cmd{Args: append(args("WATCH"), g.anyKey())})
		default:
			out = append(out, Cmd{Args: g.plain()})
		}
	}
	if g.rnd.IntN(5) == 0 {
		out = append(out, Cmd{Args: args("DISCARD")})
	} else {
		out = append(out, Cmd{Args: args("EXEC")})
	}
	return out
}

func (g *Gen) pick(pool []string) []byte { return []byte(g.pickS(pool)) }

func (g *Gen) pickS(pool []string) string { return pool[g.rnd.IntN(len(pool))] }

func (g *Gen) chance(n int) bool { return g.rnd.IntN(n) == 0 }

// Key pools: each family has its own keys, and every family sometimes
// uses another's (WRONGTYPE) or a special key.
var (
	strKeys     = []string{"s1", "s2", "s3", "n1", "n2"}
	hashKeys    = []string{"h1", "h2", "h3"}
	listKeys    = []string{"l1", "l2", "l3"}
	specialKeys = []string{"", "k:{x}", "bin\x00\r\n\xff", "sp ace", "\xc3\xa9t\xc3\xa9"}
	hookKeys    = []string{"hk:1", "hk:2", "hk:3", "hk:x"}
)

func (g *Gen) key(f Family) []byte {
	switch n := g.rnd.IntN(100); {
	case n < 70:
		switch f {
		case FamHashes:
			return g.pick(hashKeys)
		case FamLists:
			return g.pick(listKeys)
		case FamSets:
			return g.pick(setKeys)
		case FamZSets:
			return g.pick(zsetKeys)
		default:
			return g.pick(strKeys)
		}
	case n < 93:
		return g.anyKey()
	case n < 98:
		return g.pick(specialKeys)
	default:
		return []byte("r" + strconv.Itoa(g.rnd.IntN(1000)))
	}
}

func (g *Gen) anyKey() []byte {
	pools := [][]string{strKeys, strKeys}
	if g.families[FamHashes] {
		pools = append(pools, hashKeys)
	}
	if g.families[FamLists] {
		pools = append(pools, listKeys)
	}
	if g.families[FamSets] {
		pools = append(pools, setKeys)
	}
	if g.families[FamZSets] {
		pools = append(pools, zsetKeys)
	}
	if g.chance(10) {
		return g.pick(specialKeys)
	}
	return g.pick(pools[g.rnd.IntN(len(pools))])
}

func (g *Gen) keys(f Family, max int) [][]byte {
	var out [][]byte
	for i := 0; i <= g.rnd.IntN(max); i++ {
		out = append(out, g.key(f))
	}
	return out
}

var valuePool = []string{
	"", "0", "1", "-1", "10", "42", "3.5", "-0", "007", "+5", " 1", "1 ", "1e3", "1.0", "0x10",
	"abc", "hello world", "a", "aa", "\x00", "\x00\r\n\xff", "\r\n", "\xff\xfe", "\t",
	"9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551616",
	"1.7976931348623157e308", "inf", "-inf", "nan", "5e-324", "0.1", "100.50",
	"long-value-" + strings.Repeat("xyz", 30),
}

func (g *Gen) value() []byte {
	if g.chance(400) {
		// Big values cross the readers' and writers' buffer sizes.
		n := []int{16 << 10, 64<<10 + 3, 200 << 10}[g.rnd.IntN(3)]
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + i%26)
		}
		b[g.rnd.IntN(n)] = '\n'
		return b
	}
	if g.chance(6) {
		b := make([]byte, g.rnd.IntN(12))
		for i := range b {
			b[i] = byte(g.rnd.IntN(256))
		}
		return b
	}
	return g.pick(valuePool)
}

var intPool = []string{
	"0", "1", "-1", "2", "-2", "3", "5", "-5", "10", "-10", "100", "-100",
	"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
	"abc", "", "1.5", " 1", "+1", "007", "-0", "1e2", "0x1", "99999999999999999999",
}

// index returns an integer argument: mostly small, sometimes an edge.
func (g *Gen) index() []byte {
	if g.chance(4) {
		return g.pick(intPool)
	}
	return []byte(strconv.Itoa(g.rnd.IntN(13) - 6))
}

var floatPool = []string{
	"0", "1", "-1", "1.5", "-1.5", "0.1", "3.0e3", "1e-5", "10.50", "1e308", "-1e308", "1.7976931348623157e308",
	"inf", "-inf", "+inf", "nan", "abc", "", " 1", "1 ", "0x10", "1e400", ".5", "5.", "+1", "-0", "1_0",
	"5e-324", "2.5e-310", "123456789012345678901234567890", "0.000000000000000000001",
}

func (g *Gen) float() []byte { return g.pick(floatPool) }

// relSeconds returns a large relative TTL in seconds. Each one is
// distinct and far from the others, so that NX/XX/GT/LT comparisons
// never depend on how many milliseconds passed between two commands.
func (g *Gen) relSeconds() int64 {
	g.relSeq++
	return 100000 + 7*g.relSeq + int64(g.rnd.IntN(3))*100000
}

var absSeconds = []string{"4102444800", "4102444900", "4133980800", "32503680000"}
var pastSeconds = []string{"1", "1000000000", "1600000000"}
var badTimes = []string{"0", "-1", "abc", "", "1.5", "9223372036854775807", "9223372036854775", "-9223372036854775808", "9223372036854776"}

// ttlArg returns a TTL argument for unit ("ex", "px", "exat", "pxat").
// Relative TTLs are large so that no key expires during a run; past
// absolute times and bad values are edge cases.
func (g *Gen) ttlArg(unit string) []byte {
	ms := unit == "px" || unit == "pxat"
	abs := unit == "exat" || unit == "pxat"
	n := g.rnd.IntN(20)
	switch {
	case n < 2:
		return g.pick(badTimes)
	case n < 3 && abs:
		v := g.pick(pastSeconds)
		if ms {
			v = append(v, "000"...)
		}
		return v
	case abs:
		v := g.pick(absSeconds)
		if ms {
			v = append(v, []byte(strconv.Itoa(100+g.rnd.IntN(900)))...)
		}
		return v
	default:
		s := g.relSeconds()
		if ms {
			return []byte(strconv.FormatInt(s*1000+int64(g.rnd.IntN(1000)), 10))
		}
		return []byte(strconv.FormatInt(s, 10))
	}
}

func (g *Gen) randCase(s string) []byte {
	switch g.rnd.IntN(4) {
	case 0:
		return []byte(strings.ToLower(s))
	case 1:
		b := []byte(s)
		for i := range b {
			if g.chance(2) {
				b[i] ^= 0x20
			}
		}
		return b
	}
	return []byte(s)
}

func (g *Gen) setArgs() [][]byte {
	a := [][]byte{[]byte("SET"), g.key(FamStrings), g.value()}
	for i := 0; i < g.rnd.IntN(4); i++ {
		switch g.rnd.IntN(11) {
		case 0:
			a = append(a, g.randCase("NX"))
		case 1:
			a = append(a, g.randCase("XX"))
		case 2, 3:
			a = append(a, g.randCase("GET"))
		case 4:
			a = append(a, g.randCase("KEEPTTL"))
		case 5, 6:
			a = append(a, g.randCase("EX"), g.ttlArg("ex"))
		case 7:
			a = append(a, g.randCase("PX"), g.ttlArg("px"))
		case 8:
			a = append(a, g.randCase("EXAT"), g.ttlArg("exat"))
		case 9:
			a = append(a, g.randCase("PXAT"), g.ttlArg("pxat"))
		default:
			a = append(a, g.pick([]string{"EX", "PX", "FOO", "PERSIST", "EXAT"}))
		}
	}
	return a
}

func (g *Gen) getexArgs() [][]byte {
	a := [][]byte{[]byte("GETEX"), g.key(FamStrings)}
	for i := 0; i < g.rnd.IntN(3); i++ {
		switch g.rnd.IntN(7) {
		case 0:
			a = append(a, g.randCase("EX"), g.ttlArg("ex"))
		case 1:
			a = append(a, g.randCase("PX"), g.ttlArg("px"))
		case 2:
			a = append(a, g.randCase("EXAT"), g.ttlArg("exat"))
		case 3:
			a = append(a, g.randCase("PXAT"), g.ttlArg("pxat"))
		case 4:
			a = append(a, g.randCase("PERSIST"))
		case 5:
			a = append(a, g.pick([]string{"KEEPTTL", "NX", "GET", "EX", "FOO"}))
		}
	}
	return a
}

func (g *Gen) expireArgs() [][]byte {
	name := g.pick([]string{"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"})
	var t []byte
	switch string(name) {
	case "EXPIRE":
		t = g.ttlArg("ex")
	case "PEXPIRE":
		t = g.ttlArg("px")
	case "EXPIREAT":
		t = g.ttlArg("exat")
	default:
		t = g.ttlArg("pxat")
	}
	if g.chance(8) {
		t = g.pick([]string{"-1", "0", "-100"}) // in the past: deletes the key
	}
	a := [][]byte{name, g.anyKey(), t}
	for i := 0; i < g.rnd.IntN(3); i++ {
		a = append(a, g.randCase(g.pickS([]string{"NX", "XX", "GT", "LT", "NX", "XX", "GT", "LT", "FOO"})))
	}
	return a
}

var patterns = []string{
	"*", "s*", "h?", "[hl]*", "*1", "\\*", "[a-z]1", "bin*", "", "k:{x}", "[^s]*", "*[", "\\", "s[",
	"?", "??", "*\\", "[!h]*", "[a-", "[1-3]", "n[0-9]", "*x*", "l[\\]]", "r*", "\xc3*",
}

func (g *Gen) scanOpts(withType bool) [][]byte {
	var a [][]byte
	for i := 0; i < g.rnd.IntN(3); i++ {
		switch g.rnd.IntN(4) {
		case 0:
			a = append(a, g.randCase("MATCH"), g.pick(patterns))
		case 1:
			a = append(a, g.randCase("COUNT"), g.pick([]string{"1", "2", "10", "1000"}))
		case 2:
			if withType {
				a = append(a, g.randCase("TYPE"), g.pick([]string{"string", "hash", "list", "set", "foo", "STRING"}))
			}
		}
	}
	return a
}

var fieldPool = []string{"f1", "f2", "f3", "f4", "", "bin\x00\xff", "n", "x y"}

func (g *Gen) field() []byte {
	if g.chance(30) {
		return []byte("rf" + strconv.Itoa(g.rnd.IntN(5)))
	}
	return g.pick(fieldPool)
}

func (g *Gen) fields(max int) [][]byte {
	var out [][]byte
	for i := 0; i <= g.rnd.IntN(max); i++ {
		out = append(out, g.field())
	}
	return out
}

func (g *Gen) fieldValues(max int) [][]byte {
	var out [][]byte
	for i := 0; i <= g.rnd.IntN(max); i++ {
		out = append(out, g.field(), g.value())
	}
	if g.chance(15) {
		out = out[:len(out)-1] // odd count: a wrong-arity case
	}
	return out
}

func (g *Gen) elems(max int) [][]byte {
	var out [][]byte
	for i := 0; i <= g.rnd.IntN(max); i++ {
		if g.chance(3) {
			out = append(out, g.value())
		} else {
			out = append(out, g.pick([]string{"a", "b", "c", "a", "b", "1"}))
		}
	}
	return out
}

func (g *Gen) dbIndex() []byte {
	if g.chance(8) {
		return g.pick([]string{"-1", "16", "abc", "", "2147483648", "1.0"})
	}
	return []byte(strconv.Itoa(g.rnd.IntN(3)))
}

func (g *Gen) direction() []byte {
	return g.randCase(g.pickS([]string{"LEFT", "RIGHT", "LEFT", "RIGHT", "UP"}))
}

// unknown returns an unknown command or an unknown subcommand.
func (g *Gen) unknown() [][]byte {
	switch g.rnd.IntN(4) {
	case 0:
		return [][]byte{g.pick([]string{"FOO", "getx", "HSETT", "", "\x00", "SET\r\n"}), g.value(), g.value()}
	case 1:
		return [][]byte{g.pick([]string{"OBJECT", "CLIENT", "CONFIG", "COMMAND"}), g.pick([]string{"FOO", "", "x y", "\r\n"})}
	case 2:
		a := [][]byte{[]byte("NOPE")}
		for i := 0; i < 1+g.rnd.IntN(8); i++ {
			a = append(a, []byte(strings.Repeat(string(rune('a'+i)), 1+g.rnd.IntN(60))))
		}
		return a
	}
	return [][]byte{[]byte("XYZ")}
}

// arityNames are commands whose wrong arities are tried; the family
// decides whether they are used.
var arityNames = map[Family][]string{
	FamStrings: {"GET", "SET", "SETNX", "SETEX", "PSETEX", "MGET", "MSET", "MSETNX", "GETSET", "GETDEL", "GETEX", "APPEND", "STRLEN", "GETRANGE", "SETRANGE", "INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT", "SUBSTR"},
	FamKeys:    {"DEL", "UNLINK", "EXISTS", "TYPE", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST", "RENAME", "RENAMENX", "COPY", "MOVE", "SWAPDB", "DBSIZE", "KEYS", "SCAN", "RANDOMKEY", "TOUCH", "OBJECT", "FLUSHDB"},
	FamHashes:  {"HSET", "HSETNX", "HGET", "HMGET", "HMSET", "HDEL", "HLEN", "HSTRLEN", "HEXISTS", "HKEYS", "HVALS", "HGETALL", "HINCRBY", "HINCRBYFLOAT", "HRANDFIELD", "HSCAN"},
	FamLists:   {"LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET", "LINSERT", "LREM", "LTRIM", "LPOS", "RPOPLPUSH", "LMOVE", "LMPOP", "BLPOP", "BRPOP", "BLMOVE", "BLMPOP", "BRPOPLPUSH"},
	FamSets:    setArityNames, // gen_sets.go
	FamTx:      {"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"},
	FamZSets:   {"ZADD", "ZINCRBY", "ZREM", "ZSCORE", "ZMSCORE", "ZCARD", "ZRANK", "ZREVRANK", "ZCOUNT", "ZLEXCOUNT", "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZRANGEBYLEX", "ZRANGESTORE", "ZREMRANGEBYRANK", "ZPOPMIN", "ZPOPMAX", "ZMPOP", "BZPOPMIN", "BZMPOP", "ZUNION", "ZINTERSTORE", "ZINTERCARD", "ZDIFF", "ZRANDMEMBER", "ZSCAN"},
	FamMisc:    {"PING", "ECHO", "SELECT", "CLIENT", "TIME"},
}

// badArity returns a known command with a random, often wrong, number of
// arguments.
func (g *Gen) badArity() [][]byte {
	var names []string
	for f, ns := range arityNames {
		if g.families[f] {
			names = append(names, ns...)
		}
	}
	// Map iteration order is random: sort for reproducible seeds.
	sortStrings(names)
	name := names[g.rnd.IntN(len(names))]
	a := [][]byte{g.randCase(name)}
	pool := []string{"s1", "h1", "l1", "1", "0"}
	switch {
	case strings.HasPrefix(name, "BL") || strings.HasPrefix(name, "BR") || strings.HasPrefix(name, "BZ"):
		// No number: a blocking pop would wait for its timeout.
		pool = []string{"s1", "h1", "l1", "abc"}
	case strings.Contains(name, "EX"):
		// No TTL short enough to run out mid-program.
		pool = []string{"s1", "h1", "l1", "100000"}
	}
	for i := 0; i < g.rnd.IntN(3); i++ {
		a = append(a, g.pick(pool))
	}
	return a
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func cat(parts ...any) [][]byte {
	var out [][]byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, []byte(v))
		case []byte:
			out = append(out, v)
		case [][]byte:
			out = append(out, v...)
		default:
			panic("difftest: cat of unsupported type")
		}
	}
	return out
}

// generators are the weighted command makers, by family.
var generators = []weighted{
	// Memory limit.
	{FamMemory, 2, func(g *Gen) [][]byte { return cat("OBJECT", g.pick([]string{"FREQ", "freq"}), g.anyKey()) }},
	{FamMemory, 1, func(g *Gen) [][]byte { return cat("MEMORY", g.pick([]string{"DOCTOR", "doctor"})) }},

	// Writes to the keys under hooks (FamHooks): every command family
	// that stores a value, on keys of every type.
	{FamHooks, 6, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"SET", "SETNX", "GETSET"}), g.pick(hookKeys), g.value())
	}},
	{FamHooks, 2, func(g *Gen) [][]byte {
		return cat("MSET", g.pick(hookKeys), g.value(), g.pick(hookKeys), g.value())
	}},
	{FamHooks, 3, func(g *Gen) [][]byte { return cat("APPEND", g.pick(hookKeys), g.value()) }},
	{FamHooks, 4, func(g *Gen) [][]byte { return cat("INCRBY", g.pick(hookKeys), g.pick(intPool)) }},
	{FamHooks, 2, func(g *Gen) [][]byte { return cat("INCRBYFLOAT", g.pick(hookKeys), g.float()) }},
	{FamHooks, 2, func(g *Gen) [][]byte {
		return cat("SETRANGE", g.pick(hookKeys), g.pick([]string{"0", "3", "-1"}), g.value())
	}},
	{FamHooks, 4, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"HSET", "HSETNX"}), g.pick(hookKeys), g.pick([]string{"f", "g"}), g.value())
	}},
	{FamHooks, 2, func(g *Gen) [][]byte { return cat("HINCRBY", g.pick(hookKeys), "f", g.pick(intPool)) }},
	{FamHooks, 4, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"LPUSH", "RPUSH", "LPUSHX", "RPUSHX"}), g.pick(hookKeys), g.value(), g.value())
	}},
	{FamHooks, 2, func(g *Gen) [][]byte {
		return cat("LSET", g.pick(hookKeys), g.pick([]string{"0", "-1", "5"}), g.value())
	}},
	{FamHooks, 2, func(g *Gen) [][]byte {
		return cat("LINSERT", g.pick(hookKeys), g.pick([]string{"BEFORE", "AFTER"}), g.value(), g.value())
	}},
	{FamHooks, 2, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"LMOVE"}), g.pick(hookKeys), g.pick(hookKeys), g.pick([]string{"LEFT", "RIGHT"}), g.pick([]string{"LEFT", "RIGHT"}))
	}},
	{FamHooks, 2, func(g *Gen) [][]byte { return cat("COPY", g.pick(hookKeys), g.pick(hookKeys), "REPLACE") }},
	{FamHooks, 2, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"RENAME", "RENAMENX"}), g.pick(hookKeys), g.pick(hookKeys))
	}},
	{FamHooks, 2, func(g *Gen) [][]byte { return cat(g.pick([]string{"GET", "TYPE", "HGETALL"}), g.pick(hookKeys)) }},
	{FamHooks, 2, func(g *Gen) [][]byte { return cat("LRANGE", g.pick(hookKeys), "0", "-1") }},
	// Strings.
	{FamStrings, 10, func(g *Gen) [][]byte { return cat("GET", g.key(FamStrings)) }},
	{FamStrings, 12, func(g *Gen) [][]byte { return g.setArgs() }},
	{FamStrings, 2, func(g *Gen) [][]byte { return cat("SETNX", g.key(FamStrings), g.value()) }},
	{FamStrings, 2, func(g *Gen) [][]byte { return cat("SETEX", g.key(FamStrings), g.ttlArg("ex"), g.value()) }},
	{FamStrings, 2, func(g *Gen) [][]byte { return cat("PSETEX", g.key(FamStrings), g.ttlArg("px"), g.value()) }},
	{FamStrings, 3, func(g *Gen) [][]byte { return cat("MGET", g.keys(FamStrings, 4)) }},
	{FamStrings, 3, func(g *Gen) [][]byte {
		a := cat(g.pick([]string{"MSET", "MSETNX"}))
		for i := 0; i <= g.rnd.IntN(3); i++ {
			a = append(a, g.key(FamStrings), g.value())
		}
		if g.chance(8) {
			a = a[:len(a)-1]
		}
		return a
	}},
	{FamStrings, 2, func(g *Gen) [][]byte { return cat("GETSET", g.key(FamStrings), g.value()) }},
	{FamStrings, 2, func(g *Gen) [][]byte { return cat("GETDEL", g.key(FamStrings)) }},
	{FamStrings, 3, func(g *Gen) [][]byte { return g.getexArgs() }},
	{FamStrings, 4, func(g *Gen) [][]byte { return cat("APPEND", g.key(FamStrings), g.value()) }},
	{FamStrings, 2, func(g *Gen) [][]byte { return cat("STRLEN", g.key(FamStrings)) }},
	{FamStrings, 4, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"GETRANGE", "GETRANGE", "SUBSTR"}), g.key(FamStrings), g.index(), g.index())
	}},
	{FamStrings, 3, func(g *Gen) [][]byte {
		off := g.index()
		val := g.value()
		if n, err := strconv.ParseInt(string(off), 10, 64); err == nil && n > 1000 {
			val = []byte{} // never allocate a huge string on both servers
		}
		if g.chance(20) {
			off, val = []byte("536870912"), []byte("x") // past proto-max-bulk-len: an error
		}
		return cat("SETRANGE", g.key(FamStrings), off, val)
	}},
	{FamStrings, 5, func(g *Gen) [][]byte { return cat(g.pick([]string{"INCR", "DECR"}), g.key(FamStrings)) }},
	{FamStrings, 5, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"INCRBY", "DECRBY"}), g.key(FamStrings), g.pick(intPool))
	}},
	{FamStrings, 5, func(g *Gen) [][]byte { return cat("INCRBYFLOAT", g.key(FamStrings), g.float()) }},

	// Keys.
	{FamKeys, 4, func(g *Gen) [][]byte {
		a := cat(g.pick([]string{"DEL", "UNLINK", "DEL"}))
		for i := 0; i <= g.rnd.IntN(3); i++ {
			a = append(a, g.anyKey())
		}
		return a
	}},
	{FamKeys, 3, func(g *Gen) [][]byte {
		a := cat(g.pick([]string{"EXISTS", "TOUCH", "EXISTS"}))
		for i := 0; i <= g.rnd.IntN(3); i++ {
			a = append(a, g.anyKey())
		}
		return a
	}},
	{FamKeys, 4, func(g *Gen) [][]byte { return cat("TYPE", g.anyKey()) }},
	{FamKeys, 6, func(g *Gen) [][]byte { return g.expireArgs() }},
	{FamKeys, 5, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}), g.anyKey())
	}},
	{FamKeys, 2, func(g *Gen) [][]byte { return cat("PERSIST", g.anyKey()) }},
	{FamKeys, 3, func(g *Gen) [][]byte { return cat(g.pick([]string{"RENAME", "RENAMENX"}), g.anyKey(), g.anyKey()) }},
	{FamKeys, 3, func(g *Gen) [][]byte {
		a := cat("COPY", g.anyKey(), g.anyKey())
		for i := 0; i < g.rnd.IntN(3); i++ {
			if g.chance(2) {
				a = append(a, g.randCase("DB"), g.dbIndex())
			} else {
				a = append(a, g.randCase(g.pickS([]string{"REPLACE", "REPLACE", "FOO", "DB"})))
			}
		}
		return a
	}},
	{FamKeys, 2, func(g *Gen) [][]byte { return cat("MOVE", g.anyKey(), g.dbIndex()) }},
	{FamKeys, 2, func(g *Gen) [][]byte { return cat("SELECT", g.dbIndex()) }},
	{FamKeys, 1, func(g *Gen) [][]byte { return cat("SWAPDB", g.dbIndex(), g.dbIndex()) }},
	{FamKeys, 2, func(g *Gen) [][]byte { return cat("DBSIZE") }},
	{FamKeys, 1, func(g *Gen) [][]byte {
		if g.chance(4) {
			return cat("FLUSHDB", g.pick([]string{"ASYNC", "SYNC", "sync", "FOO"}))
		}
		return cat("FLUSHDB")
	}},
	{FamKeys, 3, func(g *Gen) [][]byte { return cat("KEYS", g.pick(patterns)) }},
	{FamKeys, 1, func(g *Gen) [][]byte {
		// Single SCAN calls: only the errors and the shape are compared.
		return cat("SCAN", g.pick([]string{"0", "abc", "-1", "18446744073709551616", "0"}), g.scanOpts(true))
	}},
	{FamKeys, 1, func(g *Gen) [][]byte {
		return cat("SCAN", "0", g.pick([]string{"MATCH", "COUNT", "TYPE", "FOO"}), g.pick([]string{"0", "-1", "x", "*"}))
	}},
	{FamKeys, 2, func(g *Gen) [][]byte { return cat("RANDOMKEY") }},
	{FamKeys, 1, func(g *Gen) [][]byte {
		return cat("OBJECT", g.pick([]string{"ENCODING", "REFCOUNT", "FREQ", "IDLETIME", "encoding"}), g.anyKey())
	}},

	// Hashes.
	{FamHashes, 10, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"HSET", "HSET", "HMSET"}), g.key(FamHashes), g.fieldValues(3))
	}},
	{FamHashes, 3, func(g *Gen) [][]byte { return cat("HSETNX", g.key(FamHashes), g.field(), g.value()) }},
	{FamHashes, 6, func(g *Gen) [][]byte { return cat("HGET", g.key(FamHashes), g.field()) }},
	{FamHashes, 3, func(g *Gen) [][]byte { return cat("HMGET", g.key(FamHashes), g.fields(3)) }},
	{FamHashes, 4, func(g *Gen) [][]byte { return cat("HDEL", g.key(FamHashes), g.fields(3)) }},
	{FamHashes, 3, func(g *Gen) [][]byte { return cat("HLEN", g.key(FamHashes)) }},
	{FamHashes, 2, func(g *Gen) [][]byte { return cat("HSTRLEN", g.key(FamHashes), g.field()) }},
	{FamHashes, 2, func(g *Gen) [][]byte { return cat("HEXISTS", g.key(FamHashes), g.field()) }},
	{FamHashes, 4, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"HKEYS", "HVALS", "HGETALL", "HGETALL"}), g.key(FamHashes))
	}},
	{FamHashes, 4, func(g *Gen) [][]byte { return cat("HINCRBY", g.key(FamHashes), g.field(), g.pick(intPool)) }},
	{FamHashes, 4, func(g *Gen) [][]byte { return cat("HINCRBYFLOAT", g.key(FamHashes), g.field(), g.float()) }},
	{FamHashes, 3, func(g *Gen) [][]byte {
		a := cat("HRANDFIELD", g.key(FamHashes))
		if g.chance(4) {
			return a
		}
		// Positive counts exceed any hash's size (see the exceptions).
		a = append(a, g.pick([]string{"0", "1000", "-3", "-1", "500", "abc", "-9223372036854775808", "9223372036854775807"}))
		if g.chance(2) {
			a = append(a, g.randCase(g.pickS([]string{"WITHVALUES", "WITHVALUES", "FOO"})))
		}
		return a
	}},
	{FamHashes, 1, func(g *Gen) [][]byte {
		return cat("HSCAN", g.key(FamHashes), g.pick([]string{"0", "abc", "-1"}), g.scanOpts(false))
	}},

	// Lists.
	{FamLists, 10, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"}), g.key(FamLists), g.elems(4))
	}},
	{FamLists, 5, func(g *Gen) [][]byte {
		a := cat(g.pick([]string{"LPOP", "RPOP"}), g.key(FamLists))
		if g.chance(2) {
			a = append(a, g.pick([]string{"0", "1", "2", "10", "-1", "abc", "9223372036854775807"}))
		}
		return a
	}},
	{FamLists, 3, func(g *Gen) [][]byte { return cat("LLEN", g.key(FamLists)) }},
	{FamLists, 6, func(g *Gen) [][]byte { return cat("LRANGE", g.key(FamLists), g.index(), g.index()) }},
	{FamLists, 3, func(g *Gen) [][]byte { return cat("LINDEX", g.key(FamLists), g.index()) }},
	{FamLists, 3, func(g *Gen) [][]byte { return cat("LSET", g.key(FamLists), g.index(), g.value()) }},
	{FamLists, 3, func(g *Gen) [][]byte {
		return cat("LINSERT", g.key(FamLists), g.randCase(g.pickS([]string{"BEFORE", "AFTER", "BEFORE", "AFTER", "MIDDLE"})),
			g.pick([]string{"a", "b", "c", "1", "zz"}), g.value())
	}},
	{FamLists, 3, func(g *Gen) [][]byte {
		return cat("LREM", g.key(FamLists), g.index(), g.pick([]string{"a", "b", "c", "1", "zz"}))
	}},
	{FamLists, 3, func(g *Gen) [][]byte { return cat("LTRIM", g.key(FamLists), g.index(), g.index()) }},
	{FamLists, 3, func(g *Gen) [][]byte {
		a := cat("LPOS", g.key(FamLists), g.pick([]string{"a", "b", "c", "1", "zz"}))
		for i := 0; i < g.rnd.IntN(4); i++ {
			a = append(a, g.randCase(g.pickS([]string{"RANK", "COUNT", "MAXLEN", "FOO"})),
				g.pick([]string{"0", "1", "-1", "2", "-2", "10", "abc", "-9223372036854775808"}))
		}
		return a
	}},
	{FamLists, 3, func(g *Gen) [][]byte { return cat("RPOPLPUSH", g.key(FamLists), g.key(FamLists)) }},
	{FamLists, 3, func(g *Gen) [][]byte {
		return cat("LMOVE", g.key(FamLists), g.key(FamLists), g.direction(), g.direction())
	}},
	{FamLists, 3, func(g *Gen) [][]byte {
		ks := g.keys(FamLists, 2)
		n := []byte(strconv.Itoa(len(ks)))
		if g.chance(8) {
			n = g.pick([]string{"0", "-1", "abc", "5"})
		}
		a := cat("LMPOP", n, ks, g.direction())
		if g.chance(2) {
			a = append(a, g.randCase("COUNT"), g.pick([]string{"1", "2", "10", "0", "-1", "abc"}))
		}
		return a
	}},
	{FamLists, 1, func(g *Gen) [][]byte {
		// Blocking forms: on an empty list they time out after 10 ms.
		timeout := g.pick([]string{"0.01", "0.01", "0.01", "-1", "abc", "1e400"})
		switch g.rnd.IntN(5) {
		case 0:
			return cat("BLPOP", g.keys(FamLists, 2), timeout)
		case 1:
			return cat("BRPOP", g.keys(FamLists, 2), timeout)
		case 2:
			return cat("BRPOPLPUSH", g.key(FamLists), g.key(FamLists), timeout)
		case 3:
			return cat("BLMOVE", g.key(FamLists), g.key(FamLists), g.direction(), g.direction(), timeout)
		}
		ks := g.keys(FamLists, 2)
		return cat("BLMPOP", timeout, strconv.Itoa(len(ks)), ks, g.direction())
	}},

	// Connection and other misc.
	{FamMisc, 1, func(g *Gen) [][]byte {
		switch g.rnd.IntN(3) {
		case 0:
			return cat("PING")
		case 1:
			return cat("PING", g.value())
		}
		return cat("ECHO", g.value())
	}},
	{FamMisc, 2, func(g *Gen) [][]byte { return g.unknown() }},
	{FamMisc, 3, func(g *Gen) [][]byte { return g.badArity() }},
	{FamMisc, 1, func(g *Gen) [][]byte {
		if g.chance(2) {
			return cat("CLIENT", "GETNAME")
		}
		return cat("CLIENT", g.randCase("SETNAME"), g.pick([]string{"app", "", "a b", "x\ny", "caf\xc3\xa9", "ok-name_1"}))
	}},
	{FamMisc, 1, func(g *Gen) [][]byte {
		switch g.rnd.IntN(4) {
		case 0:
			return cat("HELLO", g.pick([]string{"4", "1", "abc", "-1", "3 ", ""}))
		case 1:
			// Switches the protocol mid-program (the reply holds ids).
			return cat("HELLO", g.pick([]string{"2", "3"}))
		case 2:
			return cat("HELLO", g.pick([]string{"2", "3"}), g.randCase("SETNAME"), g.pick([]string{"x", "a b", ""}))
		}
		return cat("HELLO", g.pick([]string{"2", "3"}), g.randCase("AUTH"), g.pick([]string{"default", "nobody"}), "pw")
	}},
	{FamMisc, 1, func(g *Gen) [][]byte {
		// Key extraction must agree with Redis's key specs.
		if g.chance(5) {
			return cat("COMMAND", "GETKEYS", g.pick([]string{"FOO", "PING", "GET", "MSET", "SET", "RANDOMKEY"}), g.pick([]string{"a", "b c"}))
		}
		return cat("COMMAND", "GETKEYS", g.plain())
	}},
	{FamMisc, 1, func(g *Gen) [][]byte {
		switch g.rnd.IntN(4) {
		case 0:
			return cat("AUTH", g.pick([]string{"pw", ""}))
		case 1:
			return cat("AUTH", g.pick([]string{"default", "nobody", "DEFAULT"}), "pw")
		case 2:
			return cat("AUTH", "a", "b", "c")
		}
		return cat("CLIENT", "NO-EVICT", g.pick([]string{"on", "OFF", "maybe"}))
	}},
	{FamMisc, 1, func(g *Gen) [][]byte {
		if g.chance(3) {
			return cat("RESET") // back to db 0, RESP2, no MULTI, no WATCH
		}
		return cat("ECHO", g.value())
	}},

	// Many arguments in one command.
	{FamStrings, 1, func(g *Gen) [][]byte {
		n := 50 + g.rnd.IntN(500)
		switch g.rnd.IntN(3) {
		case 0:
			a := cat("MSET")
			for i := 0; i < n; i++ {
				a = append(a, []byte("m"+strconv.Itoa(i)), g.value())
			}
			return a
		case 1:
			a := cat("MGET")
			for i := 0; i < n; i++ {
				a = append(a, []byte("m"+strconv.Itoa(g.rnd.IntN(600))))
			}
			return a
		}
		a := cat(g.pick([]string{"DEL", "EXISTS", "UNLINK"}))
		for i := 0; i < n; i++ {
			a = append(a, []byte("m"+strconv.Itoa(g.rnd.IntN(600))))
		}
		return a
	}},
	{FamHashes, 1, func(g *Gen) [][]byte {
		a := cat("HSET", g.key(FamHashes))
		for i := 0; i < 50+g.rnd.IntN(300); i++ {
			a = append(a, []byte("bf"+strconv.Itoa(i)), g.value())
		}
		return a
	}},

	// Transactions outside a generated block: stray EXEC/DISCARD/UNWATCH.
	{FamTx, 1, func(g *Gen) [][]byte { return cat(g.pick([]string{"EXEC", "DISCARD", "UNWATCH"})) }},
}
