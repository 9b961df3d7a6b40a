package server

import (
	"strings"

	"rustypotato"
)

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: Redis's Lua scripts
// (luaengine.go), run like FCALL (script.go).

func registerScripting(t *table) {
	scr := func(c *Command) *Command {
		c.Group = "scripting"
		return t.add(c)
	}
	evalFlags := flagNoScript | flagStale | flagSkipMonitor | flagNoMandatoryKeys | flagMovableKeys
	scr(&Command{Name: "eval", Arity: -3, Flags: evalFlags, Categories: cats("slow scripting"), Since: "2.6.0",
		Summary: "Execute a Lua script server side", Complexity: "Depends on the script that is executed.",
		Syntax: "script numkeys [key [key ...]] [arg [arg ...]]", conn: cmdEval(false, false), keys: scriptKeys})
	scr(&Command{Name: "evalsha", Arity: -3, Flags: evalFlags, Categories: cats("slow scripting"), Since: "2.6.0",
		Summary: "Execute a Lua script server side", Complexity: "Depends on the script that is executed.",
		Syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]", conn: cmdEval(true, false), keys: scriptKeys})
	scr(&Command{Name: "eval_ro", Arity: -3, Flags: flagReadonly | evalFlags, Categories: cats("slow scripting"), Since: "7.0.0",
		Summary: "Execute a read-only Lua script server side", Complexity: "Depends on the script that is executed.",
		Syntax: "script numkeys [key [key ...]] [arg [arg ...]]", conn: cmdEval(false, true), keys: scriptKeys})
	scr(&Command{Name: "evalsha_ro", Arity: -3, Flags: flagReadonly | evalFlags, Categories: cats("slow scripting"), Since: "7.0.0",
		Summary: "Execute a read-only Lua script server side", Complexity: "Depends on the script that is executed.",
		Syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]", conn: cmdEval(true, true), keys: scriptKeys})

	sc := scr(&Command{Name: "script", Arity: -2, Categories: cats("slow"), Since: "2.6.0",
		Summary: "A container for Lua scripts management commands", Complexity: "Depends on subcommand."})
	sub := func(name string, arity int, flags flag, since, summary, complexity, syntax string, run connFunc) {
		t.addSub(sc, &Command{Name: name, Arity: arity, Flags: flags, Categories: cats("slow scripting"), Since: since,
			Summary: summary, Complexity: complexity, Syntax: syntax, conn: run})
	}
	sub("load", 3, flagNoScript|flagStale, "2.6.0", "Load the specified Lua script into the script cache.",
		"O(N) with N being the length in bytes of the script body.", "script", cmdScriptLoad)
	sub("exists", -3, flagNoScript, "2.6.0", "Check existence of scripts in the script cache.",
		"O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", "sha1 [sha1 ...]", cmdScriptExists)
	sub("flush", -2, flagNoScript, "2.6.0", "Remove all the scripts from the script cache.",
		"O(N) with N being the number of scripts in cache", "[ASYNC | SYNC]", cmdScriptFlush)
	sub("kill", 2, flagNoScript|flagAllowBusy, "2.6.0", "Kill the script currently in execution.", "O(1)", "",
		func(c *Conn, _ [][]byte, _ *potato.Tx) { c.replyKill(true) })
	sub("help", 2, flagLoading|flagStale, "5.0.0", "Show helpful text about the different subcommands", "O(1)", "",
		helpReply("SCRIPT", []string{
			"DEBUG (YES|SYNC|NO)",
			"    Set the debug mode for subsequent scripts executed.",
			"EXISTS <sha1> [<sha1> ...]",
			"    Return information about the existence of the scripts in the script cache.",
			"FLUSH [ASYNC|SYNC]",
			"    Flush the Lua scripts cache. Very dangerous on replicas.",
			"    When called without the optional mode argument, the behavior is determined by the",
			"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
			"    * ASYNC: Asynchronously flush the scripts cache.",
			"    * SYNC: Synchronously flush the scripts cache.",
			"KILL",
			"    Kill the currently executing Lua script.",
			"LOAD <script>",
			"    Load a script into the scripts cache without executing it.",
		}))
}

func cmdEval(bySHA, ro bool) connFunc {
	return func(c *Conn, a [][]byte, tx *potato.Tx) {
		f := c.s.funcs
		n, ok := parseLongLong(a[2])
		switch {
		case !ok:
			c.replyErr(errNotInt)
			return
		case n > int64(len(a)-3):
			c.replyErr("ERR Number of keys can't be greater than number of args")
			return
		case n < 0:
			c.replyErr("ERR Number of keys can't be negative")
			return
		}
		var sc *luaScript
		if bySHA {
			f.lua.mu.RLock()
			sc = f.lua.scripts[strings.ToLower(string(a[1]))]
			f.lua.mu.RUnlock()
			if sc == nil {
				c.replyErr("NOSCRIPT No matching script. Please use EVAL.")
				return
			}
		} else {
			var err error
			if sc, err = f.compileScript(a[1]); err != nil {
				c.replyError(err)
				return
			}
		}
		flags := sc.fn.flags
		if flags&sfEvalCompat == 0 && flags&sfNoWrites == 0 && ro {
			c.replyErr("ERR Can not execute a script with write flag using *_ro command.")
			return
		}
		keys, args := a[3:3+n], a[3+n:]
		r := f.runs.newRun(c, a, sc.sha)
		defer f.runs.free(r)
		r.eval = true
		r.write = !ro && flags&sfNoWrites == 0
		f.runCall(c, tx, r, sc.fn, keys, args)
	}
}

func cmdScriptLoad(c *Conn, a [][]byte, _ *potato.Tx) {
	sc, err := c.s.funcs.compileScript(a[2])
	if err != nil {
		c.replyError(err)
		return
	}
	c.w.AppendBulkString(sc.sha)
}

func cmdScriptExists(c *Conn, a [][]byte, _ *potato.Tx) {
	ls := &c.s.funcs.lua
	c.w.AppendArrayLen(len(a) - 2)
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	for _, sha := range a[2:] {
		if ls.scripts[strings.ToLower(string(sha))] != nil {
			c.w.AppendInt(1)
		} else {
			c.w.AppendInt(0)
		}
	}
}

func cmdScriptFlush(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 3 || (len(a) == 3 && !eqFold(a[2], "sync") && !eqFold(a[2], "async")) {
		c.replyErr("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	ls := &c.s.funcs.lua
	ls.mu.Lock()
	ls.scripts = nil
	ls.gen++
	ls.mu.Unlock()
	c.w.AppendOK()
}
