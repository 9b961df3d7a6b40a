package server

import (
	"errors"
	"strings"

	"rustypotato"
)

// HOOK: key mutation hooks (Boiled Key Mode), a RustyPotato extension
// over the library's hooks (hooks.go). Built-in and FUNCTION hooks are
// stored with the data; see PROTOCOL.md, "HOOK".

func registerHooks(t *table) {
	hk := t.add(&Command{Name: "hook", Arity: -2, Categories: cats("slow"), Group: "server", Since: "7.0.0",
		Summary: "A container for key mutation hook commands (RustyPotato extension)", Complexity: "Depends on subcommand."})
	sub := func(name string, arity int, flags flag, categories, summary, complexity, syntax string, run connFunc) {
		t.addSub(hk, &Command{Name: name, Arity: arity, Flags: flags, Categories: cats(categories), Since: "7.0.0",
			Summary: summary, Complexity: complexity, Syntax: syntax, conn: run})
	}
	sub("add", -6, flagAdmin|flagNoScript, "admin slow dangerous", "Install a hook that validates or transforms the values written to matching keys",
		"O(1)", "name pattern [ON op[,op...]] [BRANCH branch] [PRIORITY n] BUILTIN kind [arg ...] | FUNCTION function", cmdHookAdd)
	sub("del", 3, flagAdmin|flagNoScript, "admin slow dangerous", "Remove a hook", "O(1)", "name", cmdHookDel)
	sub("list", 2, flagNoScript, "slow", "List the installed hooks with their counters",
		"O(N) where N is the number of hooks", "", cmdHookList)
	sub("test", -4, flagNoScript, "slow", "Show what a hook would store for a value, without writing",
		"Depends on the hook.", "name value [key]", cmdHookTest)
	sub("help", 2, flagLoading|flagStale, "slow", "Show helpful text about the different subcommands", "O(1)", "",
		helpReply("HOOK", []string{
			"ADD <name> <pattern> [ON <op>[,<op>...]] [BRANCH <branch>] [PRIORITY <n>] BUILTIN <kind> [<arg> ...]",
			"ADD <name> <pattern> [ON <op>[,<op>...]] [BRANCH <branch>] [PRIORITY <n>] FUNCTION <function>",
			"    Install a hook on the keys matching <pattern>: a built-in validator or transform, or",
			"    a library function (FUNCTION LOAD). ON limits it to writes with these keyspace",
			"    event names (set, hset, lpush, incrby, ...), BRANCH to one branch. Hooks run in",
			"    PRIORITY order (default 0), then by name. Built-ins:",
			"    int [min max], float [min max], json, json-schema <schema>, maxlen <n>,",
			"    regex <re>, enum <v> [<v> ...], not-empty, lower, upper, trim, json-compact,",
			"    default-ttl <seconds>.",
			"DEL <name>",
			"    Remove the hook.",
			"LIST",
			"    Return the hooks in the order they run, with calls and rejections.",
			"TEST <name> <value> [<key>]",
			"    Return what the hook would store for <value> written to <key>, or its error.",
		}))
}

func cmdHookAdd(c *Conn, a [][]byte, _ *potato.Tx) {
	h := potato.Hook{Name: string(a[2]), Pattern: string(a[3])}
	i := 4
	seen := map[string]bool{}
	for ; i < len(a); i++ {
		opt := strings.ToLower(string(a[i]))
		if opt == "builtin" || opt == "function" {
			break
		}
		if seen[opt] || i+1 >= len(a) {
			c.replyErr("ERR syntax error")
			return
		}
		seen[opt] = true
		v := string(a[i+1])
		switch opt {
		case "on":
			for _, op := range strings.Split(v, ",") {
				h.Ops = append(h.Ops, strings.ToLower(op))
			}
		case "branch":
			h.Branch = v
		case "priority":
			n, err := parseInt(a[i+1])
			if err != nil || n < -1<<31 || n > 1<<31-1 {
				c.replyErr("ERR PRIORITY must be an integer")
				return
			}
			h.Priority = int(n)
		default:
			c.replyErr("ERR syntax error")
			return
		}
		i++
	}
	if i+1 >= len(a) {
		c.replyErr("ERR syntax error, BUILTIN <kind> or FUNCTION <function> expected")
		return
	}
	if eqFold(a[i], "function") {
		if i+2 != len(a) {
			c.replyErr("ERR syntax error")
			return
		}
		h.Function = string(a[i+1])
	} else {
		h.Builtin = strings.ToLower(string(a[i+1]))
		for _, x := range a[i+2:] {
			h.Args = append(h.Args, string(x))
		}
	}
	if err := c.db.AddHook(h); err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendOK()
}

func cmdHookDel(c *Conn, a [][]byte, _ *potato.Tx) {
	if err := c.db.RemoveHook(string(a[2])); err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendOK()
}

func cmdHookList(c *Conn, _ [][]byte, _ *potato.Tx) {
	hs := c.db.Hooks()
	w := c.w
	w.AppendArrayLen(len(hs))
	strs := func(ss []string) {
		w.AppendArrayLen(len(ss))
		for _, s := range ss {
			w.AppendBulkString(s)
		}
	}
	for _, h := range hs {
		w.AppendMapLen(10)
		w.AppendBulkString("name")
		w.AppendBulkString(h.Name)
		w.AppendBulkString("pattern")
		w.AppendBulkString(h.Pattern)
		w.AppendBulkString("ops")
		strs(h.Ops)
		w.AppendBulkString("branch")
		if h.Branch == "" {
			w.AppendNull()
		} else {
			w.AppendBulkString(h.Branch)
		}
		w.AppendBulkString("priority")
		w.AppendInt(int64(h.Priority))
		w.AppendBulkString("kind")
		w.AppendBulkString(h.Kind())
		w.AppendBulkString("run")
		switch h.Kind() {
		case "builtin":
			w.AppendBulkString(h.Builtin)
		case "function":
			w.AppendBulkString(h.Function)
		default:
			w.AppendNull()
		}
		w.AppendBulkString("args")
		strs(h.Args)
		w.AppendBulkString("calls")
		w.AppendInt(int64(h.Calls))
		w.AppendBulkString("rejections")
		w.AppendInt(int64(h.Rejections))
	}
}

func cmdHookTest(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 5 {
		c.replyErr(subcommandSyntax(a))
		return
	}
	name, value, key := string(a[2]), a[3], ""
	if len(a) == 5 {
		key = string(a[4])
	}
	var fn string
	for _, h := range c.db.Hooks() {
		if h.Name == name && h.Kind() == "function" {
			fn = h.Function
		}
	}
	if fn == "" {
		v, err := c.db.TestHook(name, key, value)
		if err != nil {
			c.replyError(err)
			return
		}
		c.w.AppendBulk(v)
		return
	}
	// A function hook runs in a read-only transaction, as it would inside
	// a write.
	var res HookResult
	err := c.db.ViewKeys([]string{key}, func(tx *potato.Tx) error {
		var err error
		res, err = c.s.CallHookFunction(tx, c.db.Index(), fn, key, "set", nil, value)
		return err
	})
	switch {
	case err != nil:
		c.replyError(&potato.HookError{Hook: name, Reason: oneLine(err.Error())})
	case res.Reject != "":
		c.replyError(&potato.HookError{Hook: name, Reason: oneLine(res.Reject)})
	case res.Replace:
		c.w.AppendBulk(res.Value)
	default:
		c.w.AppendBulk(value)
	}
}

// hookInfo writes INFO's "# Hooks" section: the number of hooks, and each
// hook's calls and rejections.
func (c *Conn) hookInfo(kv func(string, any)) {
	hs := c.db.Hooks()
	kv("hooks", len(hs))
	for _, h := range hs {
		kv("hook_"+h.Name, "kind="+h.Kind()+",calls="+itoa(h.Calls)+",rejections="+itoa(h.Rejections))
	}
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// runHookFunction adapts CallHookFunction to the library's function
// hooks (potato.HookFunctionRunner): the server installs it on its DB.
func (s *Server) runHookFunction(name string, hc *potato.HookContext) error {
	res, err := s.CallHookFunction(hc.Tx, hc.DB, name, hc.Key, hc.Op, hc.Old, hc.Value)
	switch {
	case errors.Is(err, ErrNoHookFunction):
		return errors.New("ERR function '" + name + "' is not loaded")
	case err != nil:
		return err
	case res.Reject != "":
		return &potato.HookError{Hook: hc.Hook, Reason: oneLine(res.Reject)}
	case res.Replace:
		hc.Value = res.Value
	}
	return nil
}

// oneLine makes msg fit in an error reply.
func oneLine(msg string) string { return strings.Join(strings.Fields(msg), " ") }
