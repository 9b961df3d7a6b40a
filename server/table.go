package server

import (
	"sort"
	"strings"
	"sync/atomic"

	"rustypotato"
)

// flag is a command property, as Redis's COMMAND reports it.
type flag uint32

const (
	flagWrite flag = 1 << iota
	flagReadonly
	flagDenyOOM
	flagAdmin
	flagPubSub
	flagNoScript
	flagBlocking
	flagLoading
	flagStale
	flagFast
	flagNoAuth
	flagNoQueue // runs at once even inside MULTI (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET)
	flagMovableKeys
	flagSkipMonitor     // FCALL, EVAL: MONITOR shows the call, not its commands
	flagNoMandatoryKeys // FCALL, EVAL: may have no keys
	flagAllowBusy       // FUNCTION KILL, SCRIPT KILL: runs while a script is busy
)

var flagNames = []struct {
	f    flag
	name string
}{
	{flagWrite, "write"}, {flagReadonly, "readonly"}, {flagDenyOOM, "denyoom"},
	{flagAdmin, "admin"}, {flagPubSub, "pubsub"}, {flagNoScript, "noscript"},
	{flagBlocking, "blocking"}, {flagLoading, "loading"}, {flagStale, "stale"}, {flagSkipMonitor, "skip_monitor"},
	{flagFast, "fast"}, {flagNoAuth, "no_auth"}, {flagNoMandatoryKeys, "no_mandatory_keys"},
	{flagMovableKeys, "movablekeys"}, {flagAllowBusy, "allow_busy"},
}

// runFunc executes a command inside a transaction that holds its keys. It
// appends the reply on success; on error it appends nothing and the
// caller replies with the error's Redis text.
type runFunc func(c *Conn, tx *potato.Tx, args [][]byte) error

// connFunc executes a command that touches no keys (PING, SELECT, CLIENT)
// or manages its own transaction (EXEC, blocking pops). It appends its
// own reply. tx is non-nil when it runs inside EXEC.
type connFunc func(c *Conn, args [][]byte, tx *potato.Tx)

// Command is one entry of the command table: everything COMMAND reports,
// ACL checks, key locking and MULTI queuing need, and the handler.
type Command struct {
	Name       string // lower case; subcommands "parent|sub" in FullName
	full       string // FullName, set at registration (the timeline's origin)
	Arity      int    // Redis arity: n exact, -n at least n (name included)
	Flags      flag
	FirstKey   int // position of the first key, 0 if none
	LastKey    int // position of the last key; negative counts from the end
	Step       int
	Categories []string // ACL categories without '@', e.g. "string", "read", "fast"
	Group      string   // COMMAND DOCS group: "string", "generic", "hash", ...
	Since      string
	Summary    string
	Complexity string
	Syntax     string // argument syntax after the name, for docs and hints

	parent *Command
	sub    map[string]*Command
	run    runFunc
	conn   connFunc
	keys   func(args [][]byte) [][]byte // movable keys (LMPOP numkeys ...)
	// mayWrite runs a command Redis flags readonly in a write transaction:
	// PFCOUNT stores the estimate it computes in the value, as Redis does.
	mayWrite bool
	stats    cmdStats
}

type cmdStats struct {
	calls    atomic.Int64
	usec     atomic.Int64
	failed   atomic.Int64
	rejected atomic.Int64
	hist     histogram // durations, for /metrics (cmd_observe.go)
}

// FullName is the name COMMAND and errors use: "get", "client|kill".
func (c *Command) FullName() string {
	if c.parent != nil {
		return c.parent.Name + "|" + c.Name
	}
	return c.Name
}

func (c *Command) arityOK(n int) bool {
	if c.Arity >= 0 {
		return n == c.Arity
	}
	return n >= -c.Arity
}

type table struct {
	cmds map[string]*Command
	obs  *observer // SLOWLOG, LATENCY, MONITOR state (cmd_observe.go)
}

func (t *table) add(c *Command) *Command {
	if c.Step == 0 && c.FirstKey > 0 {
		c.Step = 1
	}
	if _, dup := t.cmds[c.Name]; dup {
		panic("server: command registered twice: " + c.Name)
	}
	t.cmds[c.Name] = c
	c.full = c.Name
	return c
}

// addSub registers a subcommand of parent.
func (t *table) addSub(parent *Command, c *Command) {
	if parent.sub == nil {
		parent.sub = make(map[string]*Command)
	}
	if c.Step == 0 && c.FirstKey > 0 {
		c.Step = 1
	}
	c.parent = parent
	c.full = parent.Name + "|" + c.Name
	if c.Group == "" {
		c.Group = parent.Group
	}
	parent.sub[c.Name] = c
}

// sorted returns the top-level commands by name.
func (t *table) sorted() []*Command {
	out := make([]*Command, 0, len(t.cmds))
	for _, c := range t.cmds {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// newTable builds the command table. Families register explicitly, in
// one place, so the table is easy to audit.
func newTable() *table {
	t := &table{cmds: make(map[string]*Command)}
	registerConnection(t)
	registerServer(t)
	registerTx(t)
	registerStrings(t)
	registerKeys(t)
	registerDump(t)
	registerHashes(t)
	registerLists(t)
	registerSets(t)        // cmd_set.go
	registerZSets(t)       // cmd_zset.go
	registerBits(t)        // cmd_bits.go
	registerHLL(t)         // cmd_hll.go
	registerSort(t)        // cmd_sort.go
	registerCompat(t)      // cmd_compat.go: LCS WAIT ROLE LOLWUT
	registerJSON(t)        // cmd_json.go
	registerBranch(t)      // cmd_branch.go
	registerTimeline(t)    // cmd_timeline.go
	registerPersistence(t) // cmd_persist.go
	registerPubSub(t)
	registerObserve(t)   // cmd_observe.go
	registerACL(t)       // acl.go
	registerFunctions(t) // cmd_function.go
	registerScripting(t) // cmd_script.go
	registerHooks(t)     // cmd_hook.go
	return t
}

// flagsOf returns the COMMAND flag names of c.
func flagsOf(c *Command) []string {
	var out []string
	for _, fn := range flagNames {
		if c.Flags&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// cats parses a space-separated category list.
func cats(s string) []string { return strings.Fields(s) }
