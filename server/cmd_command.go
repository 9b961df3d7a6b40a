package server

import (
	"fmt"
	"strings"

	"rustypotato"
	"rustypotato/internal/keyspace"
)

func registerCommandCmd(t *table) {
	cmd := t.add(&Command{Name: "command", Arity: -1, Flags: flagLoading | flagStale, Group: "server",
		Categories: cats("slow connection"), Since: "2.8.13", Summary: "Returns detailed information about all commands.",
		Complexity: "O(N) where N is the total number of Redis commands", conn: cmdCommandAll})
	sub := func(c *Command) {
		c.Flags |= flagLoading | flagStale
		c.Categories = cats("slow connection")
		t.addSub(cmd, c)
	}
	sub(&Command{Name: "count", Arity: 2, Since: "2.8.13", Summary: "Returns a count of commands.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) { c.w.AppendInt(int64(len(c.s.table.cmds))) }})
	sub(&Command{Name: "info", Arity: -2, Since: "2.8.13", Summary: "Returns information about one, multiple or all commands.",
		Complexity: "O(N) where N is the number of commands to look up", Syntax: "[command-name [command-name ...]]",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			if len(a) == 2 {
				cmdCommandAll(c, a, nil)
				return
			}
			c.w.AppendArrayLen(len(a) - 2)
			for _, n := range a[2:] {
				if x := c.s.table.cmds[strings.ToLower(string(n))]; x != nil {
					c.commandInfo(x)
				} else {
					c.w.AppendNullArray()
				}
			}
		}})
	sub(&Command{Name: "docs", Arity: -2, Since: "7.0.0", Summary: "Returns documentary information about one, multiple or all commands.",
		Complexity: "O(N) where N is the number of commands to look up", Syntax: "[command-name [command-name ...]]", conn: cmdCommandDocs})
	sub(&Command{Name: "list", Arity: -2, Since: "7.0.0", Summary: "Returns a list of command names.",
		Complexity: "O(N) where N is the total number of Redis commands", Syntax: "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
		conn: cmdCommandList})
	sub(&Command{Name: "getkeys", Arity: -4, Since: "2.8.13", Summary: "Extracts the key names from an arbitrary command.",
		Complexity: "O(N) where N is the number of arguments to the command", Syntax: "command [arg [arg ...]]",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			_, keys, ok := c.commandKeys(a)
			if !ok {
				return
			}
			c.w.AppendArrayLen(len(keys))
			for _, k := range keys {
				c.w.AppendBulkString(k)
			}
		}})
	sub(&Command{Name: "getkeysandflags", Arity: -4, Since: "7.0.0", Summary: "Extracts the key names and access flags for an arbitrary command.",
		Complexity: "O(N) where N is the number of arguments to the command", Syntax: "command [arg [arg ...]]",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			// Each key with its key spec's flags, as in Redis 7.0. The
			// table has one key spec per command (commandInfo): RO access
			// for a read, RW update for a write.
			x, keys, ok := c.commandKeys(a)
			if !ok {
				return
			}
			flags := [2]string{"RO", "access"}
			if x.Flags&flagWrite != 0 {
				flags = [2]string{"RW", "update"}
			}
			c.w.AppendArrayLen(len(keys))
			for _, k := range keys {
				c.w.AppendArrayLen(2)
				c.w.AppendBulkString(k)
				c.w.AppendSetLen(2)
				c.w.AppendSimple(flags[0])
				c.w.AppendSimple(flags[1])
			}
		}})
	sub(&Command{Name: "help", Arity: 2, Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Complexity: "O(1)",
		conn: helpReply("COMMAND", []string{
			"(no subcommand)", "    Return details about all Redis commands.",
			"COUNT", "    Return the total number of commands in this Redis server.",
			"LIST", "    Return a list of all commands in this Redis server.",
			"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
			"    If no command names are given, documentation details for all",
			"    commands are returned.",
			"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
			"    If no command names are given, documentation details for all",
			"    commands are returned.",
			"GETKEYS <full-command>", "    Return the keys from a full Redis command.",
			"GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.",
		})})
}

func cmdCommandAll(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 1 && c.s.table.cmds["command"].sub[strings.ToLower(string(a[1]))] == nil {
		c.replyErr(sanitize(fmt.Sprintf("ERR unknown subcommand '%s'. Try COMMAND HELP.", cText(a[1], 128))))
		return
	}
	all := c.s.table.sorted()
	c.w.AppendArrayLen(len(all))
	for _, x := range all {
		c.commandInfo(x)
	}
}

// commandInfo writes one COMMAND INFO entry in Redis 7's shape.
func (c *Conn) commandInfo(x *Command) {
	c.w.AppendArrayLen(10)
	c.w.AppendBulkString(x.FullName())
	c.w.AppendInt(int64(x.Arity))
	fl := flagsOf(x)
	c.w.AppendSetLen(len(fl))
	for _, f := range fl {
		c.w.AppendSimple(f)
	}
	c.w.AppendInt(int64(x.FirstKey))
	c.w.AppendInt(int64(x.LastKey))
	c.w.AppendInt(int64(x.Step))
	c.w.AppendSetLen(len(x.Categories))
	for _, cat := range x.Categories {
		c.w.AppendSimple("@" + cat)
	}
	c.w.AppendSetLen(0) // tips
	if x.FirstKey > 0 {
		c.w.AppendArrayLen(1)
		c.w.AppendMapLen(3)
		c.w.AppendBulkString("flags")
		if x.Flags&flagWrite != 0 {
			c.w.AppendSetLen(2)
			c.w.AppendSimple("RW")
			c.w.AppendSimple("UPDATE")
		} else {
			c.w.AppendSetLen(2)
			c.w.AppendSimple("RO")
			c.w.AppendSimple("ACCESS")
		}
		c.w.AppendBulkString("begin_search")
		c.w.AppendMapLen(2)
		c.w.AppendBulkString("type")
		c.w.AppendBulkString("index")
		c.w.AppendBulkString("spec")
		c.w.AppendMapLen(1)
		c.w.AppendBulkString("index")
		c.w.AppendInt(int64(x.FirstKey))
		c.w.AppendBulkString("find_keys")
		c.w.AppendMapLen(2)
		c.w.AppendBulkString("type")
		c.w.AppendBulkString("range")
		c.w.AppendBulkString("spec")
		c.w.AppendMapLen(3)
		c.w.AppendBulkString("lastkey")
		last := x.LastKey
		if last > 0 {
			last -= x.FirstKey
		}
		c.w.AppendInt(int64(last))
		c.w.AppendBulkString("keystep")
		c.w.AppendInt(int64(x.Step))
		c.w.AppendBulkString("limit")
		c.w.AppendInt(0)
	} else {
		c.w.AppendArrayLen(0)
	}
	names := sortedSubs(x)
	c.w.AppendArrayLen(len(names))
	for _, n := range names {
		c.commandInfo(x.sub[n])
	}
}

func sortedSubs(x *Command) []string {
	names := make([]string, 0, len(x.sub))
	for n := range x.sub {
		names = append(names, n)
	}
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

func cmdCommandDocs(c *Conn, a [][]byte, _ *potato.Tx) {
	var list []*Command
	if len(a) == 2 {
		list = c.s.table.sorted()
	} else {
		for _, n := range a[2:] {
			if x := c.s.table.cmds[strings.ToLower(string(n))]; x != nil {
				list = append(list, x)
			}
		}
	}
	c.w.AppendMapLen(len(list))
	for _, x := range list {
		c.w.AppendBulkString(x.Name)
		c.commandDoc(x)
	}
}

// commandDoc writes one COMMAND DOCS entry: summary, since, group,
// complexity, the arguments parsed from the syntax line, and subcommands.
func (c *Conn) commandDoc(x *Command) {
	args := parseSyntax(x.Syntax)
	n := 4
	if len(args) > 0 {
		n++
	}
	if len(x.sub) > 0 {
		n++
	}
	c.w.AppendMapLen(n)
	c.w.AppendBulkString("summary")
	c.w.AppendBulkString(x.Summary)
	c.w.AppendBulkString("since")
	c.w.AppendBulkString(x.Since)
	c.w.AppendBulkString("group")
	c.w.AppendBulkString(x.Group)
	c.w.AppendBulkString("complexity")
	c.w.AppendBulkString(x.Complexity)
	if len(args) > 0 {
		c.w.AppendBulkString("arguments")
		c.writeArgs(args)
	}
	if len(x.sub) > 0 {
		c.w.AppendBulkString("subcommands")
		names := sortedSubs(x)
		c.w.AppendMapLen(len(names))
		for _, sn := range names {
			c.w.AppendBulkString(x.sub[sn].FullName())
			c.commandDoc(x.sub[sn])
		}
	}
}

// argDoc is one argument of COMMAND DOCS.
type argDoc struct {
	name     string
	typ      string // "key", "string", "integer", "pure-token", "oneof", "block"
	token    string
	optional bool
	multiple bool
	args     []argDoc
}

func (c *Conn) writeArgs(args []argDoc) {
	c.w.AppendArrayLen(len(args))
	for _, a := range args {
		n := 2
		if a.token != "" {
			n++
		}
		var flags []string
		if a.optional {
			flags = append(flags, "optional")
		}
		if a.multiple {
			flags = append(flags, "multiple")
		}
		if len(flags) > 0 {
			n++
		}
		if len(a.args) > 0 {
			n++
		}
		c.w.AppendMapLen(n)
		c.w.AppendBulkString("name")
		c.w.AppendBulkString(a.name)
		c.w.AppendBulkString("type")
		c.w.AppendBulkString(a.typ)
		if a.token != "" {
			c.w.AppendBulkString("token")
			c.w.AppendBulkString(a.token)
		}
		if len(flags) > 0 {
			c.w.AppendBulkString("flags")
			c.w.AppendArrayLen(len(flags))
			for _, f := range flags {
				c.w.AppendSimple(f)
			}
		}
		if len(a.args) > 0 {
			c.w.AppendBulkString("arguments")
			c.writeArgs(a.args)
		}
	}
}

// parseSyntax turns a syntax line such as
// "key value [NX | XX] [EX seconds | PX milliseconds]" into argument docs.
func parseSyntax(s string) []argDoc {
	toks := tokenizeSyntax(s)
	args, _ := parseArgSeq(toks, 0, "")
	return args
}

func tokenizeSyntax(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		switch ch := s[i]; {
		case ch == ' ':
			i++
		case ch == '[' || ch == ']' || ch == '<' || ch == '>' || ch == '|':
			out = append(out, string(ch))
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" []<>|", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

// parseArgSeq parses tokens until the closing token end ("]" or ">").
func parseArgSeq(toks []string, i int, end string) ([]argDoc, int) {
	var alts [][]argDoc
	var cur []argDoc
	for i < len(toks) {
		t := toks[i]
		switch {
		case t == end:
			i++
			goto done
		case t == "|":
			alts = append(alts, cur)
			cur = nil
			i++
		case t == "[" || t == "<":
			closing := "]"
			if t == "<" {
				closing = ">"
			}
			inner, next := parseArgSeq(toks, i+1, closing)
			i = next
			var a argDoc
			if len(inner) == 1 {
				a = inner[0]
			} else {
				a = argDoc{name: blockName(inner), typ: "block", args: inner}
			}
			if t == "[" {
				a.optional = true
			}
			cur = append(cur, a)
		case t == "..." || strings.HasPrefix(t, "..."):
			if len(cur) > 0 {
				cur[len(cur)-1].multiple = true
			}
			i++
		default:
			cur = append(cur, wordArg(t))
			i++
		}
	}
done:
	if len(alts) > 0 {
		alts = append(alts, cur)
		one := argDoc{typ: "oneof"}
		var names []string
		for _, alt := range alts {
			if len(alt) == 1 {
				one.args = append(one.args, alt[0])
			} else {
				one.args = append(one.args, argDoc{name: blockName(alt), typ: "block", args: alt})
			}
			names = append(names, one.args[len(one.args)-1].name)
		}
		one.name = strings.Join(names, "-")
		if len(one.name) > 32 {
			one.name = "option"
		}
		return []argDoc{one}, i
	}
	return mergeTokens(cur), i
}

// mergeTokens folds "TOKEN value" pairs into one argument with a token.
func mergeTokens(args []argDoc) []argDoc {
	var out []argDoc
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a.typ == "pure-token" && i+1 < len(args) && args[i+1].typ != "pure-token" && args[i+1].typ != "oneof" && args[i+1].typ != "block" && !args[i+1].optional {
			v := args[i+1]
			v.token = a.token
			v.optional = v.optional || a.optional
			out = append(out, v)
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

func blockName(args []argDoc) string {
	if len(args) > 0 {
		if args[0].token != "" {
			return strings.ToLower(args[0].token)
		}
		return args[0].name
	}
	return "block"
}

func wordArg(t string) argDoc {
	if strings.ToUpper(t) == t && strings.ToLower(t) != t {
		return argDoc{name: strings.ToLower(t), typ: "pure-token", token: t}
	}
	typ := "string"
	switch {
	case t == "key" || t == "source" || t == "destination" || t == "newkey":
		typ = "key"
	case strings.Contains(t, "seconds") || strings.Contains(t, "milliseconds") || t == "count" || t == "index" ||
		t == "start" || t == "end" || t == "stop" || t == "offset" || t == "increment" || t == "decrement" ||
		t == "numkeys" || t == "db" || t == "cursor" || t == "timeout" || t == "rank" || t == "len":
		typ = "integer"
	}
	return argDoc{name: t, typ: typ}
}

func cmdCommandList(c *Conn, a [][]byte, _ *potato.Tx) {
	var filter func(x *Command) bool
	if len(a) > 2 {
		if len(a) != 5 || !eqFold(a[2], "filterby") {
			c.replyErr(errSyntax)
			return
		}
		v := string(a[4])
		switch {
		case eqFold(a[3], "module"):
			filter = func(*Command) bool { return false }
		case eqFold(a[3], "aclcat"):
			filter = func(x *Command) bool {
				for _, cat := range x.Categories {
					if strings.EqualFold(cat, v) {
						return true
					}
				}
				return false
			}
		case eqFold(a[3], "pattern"):
			filter = func(x *Command) bool { return keyspace.Match(strings.ToLower(v), x.FullName(), true) }
		default:
			c.replyErr(errSyntax)
			return
		}
	}
	var names []string
	for _, x := range c.s.table.sorted() {
		if filter == nil || filter(x) {
			names = append(names, x.Name)
		}
		for _, n := range sortedSubs(x) {
			if filter == nil || filter(x.sub[n]) {
				names = append(names, x.sub[n].FullName())
			}
		}
	}
	c.w.AppendArrayLen(len(names))
	for _, n := range names {
		c.w.AppendBulkString(n)
	}
}

// commandKeys finds the command of COMMAND GETKEYS[ANDFLAGS] a and the
// keys of its arguments, or replies with Redis's error (the order of
// getKeysSubcommandImpl: an unknown command or subcommand, then a command
// without key specs, then the arity, then no key in these args).
func (c *Conn) commandKeys(a [][]byte) (*Command, []string, bool) {
	x := c.s.table.cmds[strings.ToLower(string(a[2]))]
	args := a[2:]
	if x != nil && x.sub != nil && len(args) > 1 {
		x = x.sub[strings.ToLower(string(args[1]))]
	}
	if x == nil {
		c.replyErr("ERR Invalid command specified")
		return nil, nil, false
	}
	if x.FirstKey <= 0 && x.keys == nil {
		c.replyErr("ERR The command has no key arguments")
		return nil, nil, false
	}
	if !x.arityOK(len(args)) {
		c.replyErr("ERR Invalid number of arguments specified for command")
		return nil, nil, false
	}
	keys := c.keysOf(x, args)
	if len(keys) == 0 {
		c.replyErr("ERR Invalid arguments specified for command")
		return nil, nil, false
	}
	return x, keys, true
}
