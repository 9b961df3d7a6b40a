package cli

import (
	"sort"
	"strings"

	"rustypotato/internal/resp"
)

// helpEntry is one command (or subcommand, "CLIENT KILL") as COMMAND DOCS
// describes it, for hints, Tab completion and "help <command>".
type helpEntry struct {
	argv    []string // "CLIENT", "KILL"
	full    string   // "CLIENT KILL"
	params  string   // "key value [NX|XX] ..." as redis-cli's help shows it
	summary string
	since   string
	group   string
}

// helpTable is every command the server documents, sorted by name. An
// empty table (the server has no COMMAND DOCS) gives no hints, completes
// nothing and prints only the generic help.
type helpTable struct {
	entries []helpEntry
	groups  []string
}

// parseCommandDocs builds the table from a COMMAND DOCS reply: a map (or,
// in RESP2, a flat array) from command name to its doc map, whose
// "subcommands" holds the subcommands' docs the same way.
func parseCommandDocs(v resp.Value) *helpTable {
	t := &helpTable{}
	t.add(v)
	sort.Slice(t.entries, func(i, j int) bool { return t.entries[i].full < t.entries[j].full })
	seen := map[string]bool{}
	for _, e := range t.entries {
		if e.group != "" && !seen[e.group] {
			seen[e.group] = true
			t.groups = append(t.groups, e.group)
		}
	}
	sort.Strings(t.groups)
	return t
}

func (t *helpTable) add(v resp.Value) {
	if v.Type != '*' && v.Type != '%' {
		return
	}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		name := string(v.Elems[i].Str)
		if name == "" {
			continue
		}
		e := helpEntry{argv: strings.Split(strings.ToUpper(name), "|")}
		e.full = strings.Join(e.argv, " ")
		doc := v.Elems[i+1]
		var subs resp.Value
		for j := 0; j+1 < len(doc.Elems); j += 2 {
			val := doc.Elems[j+1]
			switch string(doc.Elems[j].Str) {
			case "summary":
				e.summary = string(val.Str)
			case "since":
				e.since = string(val.Str)
			case "group":
				e.group = string(val.Str)
			case "arguments":
				e.params = docArgs(val.Elems)
			case "subcommands":
				subs = val
			}
		}
		t.entries = append(t.entries, e)
		t.add(subs)
	}
}

// docArgs renders COMMAND DOCS arguments the way redis-cli's help does:
// "key", "TOKEN name", "[optional]", "a|b" for oneof, "name [name ...]" for
// multiple.
func docArgs(args []resp.Value) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		parts = append(parts, docArg(a))
	}
	return strings.Join(parts, " ")
}

func docArg(a resp.Value) string {
	var name, typ, token, display string
	var optional, multiple, multipleToken bool
	var sub []resp.Value
	for j := 0; j+1 < len(a.Elems); j += 2 {
		val := a.Elems[j+1]
		switch string(a.Elems[j].Str) {
		case "name":
			name = string(val.Str)
		case "display_text":
			display = string(val.Str)
		case "type":
			typ = string(val.Str)
		case "token":
			token = string(val.Str)
			if token == "" {
				// MIGRATE's empty-string key: help shows it as "".
				token = `""`
			}
		case "arguments":
			sub = val.Elems
		case "flags":
			for _, f := range val.Elems {
				switch string(f.Str) {
				case "optional":
					optional = true
				case "multiple":
					multiple = true
				case "multiple_token":
					multipleToken = true
				}
			}
		}
	}
	if display != "" {
		name = display
	}
	var s string
	switch typ {
	case "block":
		s = docArgs(sub)
	case "oneof":
		p := make([]string, 0, len(sub))
		for _, x := range sub {
			p = append(p, docArg(x))
		}
		s = strings.Join(p, "|")
	case "pure-token":
		s = ""
	default:
		s = name
	}
	if multiple {
		one := s
		if token != "" && multipleToken {
			one = token + " " + s
		}
		s = s + " [" + one + " ...]"
	}
	if token != "" {
		if s == "" {
			s = token
		} else {
			s = token + " " + s
		}
	}
	if optional {
		s = "[" + s + "]"
	}
	return s
}

// hint is what redis-cli shows in grey after the typed line: the
// parameters of the longest matching command, less the ones already typed
// (up to the first optional one).
func (t *helpTable) hint(line string) string {
	if t == nil {
		return ""
	}
	args, err := SplitArgs(line)
	if err != nil || len(args) == 0 {
		return ""
	}
	endSpace := isSpace(line[len(line)-1])
	var best *helpEntry
	for i := range t.entries {
		e := &t.entries[i]
		if len(e.argv) > len(args) || (best != nil && len(e.argv) <= len(best.argv)) {
			continue
		}
		match := true
		for j, w := range e.argv {
			if !strings.EqualFold(w, string(args[j])) {
				match = false
				break
			}
		}
		if match {
			best = e
		}
	}
	if best == nil || best.params == "" {
		return ""
	}
	h := best.params
	for remove := len(args) - len(best.argv); remove > 0 && h != ""; h = h[1:] {
		if h[0] == '[' {
			break
		}
		if h[0] == ' ' {
			remove--
		}
	}
	if !endSpace {
		h = " " + h
	}
	return h
}

// complete offers the command names that start with the line ("help "
// lines also get "@group" topics), upper-cased like redis-cli.
func (t *helpTable) complete(line string) []string {
	if t == nil {
		return nil
	}
	start := 0
	topics := false
	if len(line) >= 5 && strings.EqualFold(line[:5], "help ") {
		start = 5
		for start < len(line) && isSpace(line[start]) {
			start++
		}
		topics = true
	}
	word := line[start:]
	var out []string
	consider := func(full string) {
		if len(word) <= len(full) && strings.EqualFold(word, full[:len(word)]) {
			out = append(out, line[:start]+full)
		}
	}
	if topics {
		for _, g := range t.groups {
			consider("@" + g)
		}
	}
	for _, e := range t.entries {
		consider(e.full)
	}
	return out
}

// writeHelp is the REPL's "help" command: generic help without arguments,
// "help @group" lists a group, "help cmd [sub]" the matching commands.
func (t *helpTable) writeHelp(dst []byte, args []string) []byte {
	if len(args) == 0 {
		return append(dst, genericHelp...)
	}
	if t == nil {
		t = &helpTable{}
	}
	group := ""
	if strings.HasPrefix(args[0], "@") {
		for _, g := range t.groups {
			if strings.EqualFold(args[0][1:], g) {
				group = g
			}
		}
	}
	for _, e := range t.entries {
		switch {
		case group != "":
			if e.group == group {
				dst = appendCommandHelp(dst, e, false)
			}
		case len(args) <= len(e.argv):
			match := true
			for j, a := range args {
				if !strings.EqualFold(a, e.argv[j]) {
					match = false
					break
				}
			}
			if match {
				dst = appendCommandHelp(dst, e, true)
			}
		}
	}
	return append(dst, "\r\n"...)
}

func appendCommandHelp(dst []byte, e helpEntry, group bool) []byte {
	dst = append(dst, "\r\n  \x1b[1m"...)
	dst = append(dst, e.full...)
	dst = append(dst, "\x1b[0m \x1b[90m"...)
	dst = append(dst, e.params...)
	dst = append(dst, "\x1b[0m\r\n  \x1b[33msummary:\x1b[0m "...)
	dst = append(dst, e.summary...)
	dst = append(dst, "\r\n  \x1b[33msince:\x1b[0m "...)
	dst = append(dst, e.since...)
	dst = append(dst, "\r\n"...)
	if group {
		dst = append(dst, "  \x1b[33mgroup:\x1b[0m "...)
		dst = append(dst, e.group...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

const genericHelp = `rustypotato-cli ` + Version + `
To get help about commands type:
      "help @<group>" to get a list of commands in <group>
      "help <command>" for help on <command>
      "help <tab>" to get a list of possible help topics
      "quit" to exit

To set rustypotato-cli preferences:
      ":set hints" enable online hints
      ":set nohints" disable online hints
`

// sensitive reports whether a command line carries a password, which the
// REPL keeps out of its history (redis-cli's isSensitiveCommand).
func sensitive(args []string) bool {
	n := len(args)
	if n == 0 {
		return false
	}
	is := func(i int, s string) bool { return strings.EqualFold(args[i], s) }
	switch {
	case is(0, "auth"):
		return true
	case n > 1 && is(0, "acl") && is(1, "setuser"):
		return true
	case n > 2 && is(0, "config") && is(1, "set"):
		for j := 2; j < n; j += 2 {
			if is(j, "masterauth") || is(j, "masteruser") || is(j, "requirepass") {
				return true
			}
		}
	case n > 4 && is(0, "hello"):
		for j := 2; j < n; j++ {
			more := n - 1 - j
			switch {
			case is(j, "auth") && more >= 2:
				return true
			case is(j, "setname") && more > 0:
				j++
			default:
				return false
			}
		}
	case n > 7 && is(0, "migrate"):
		for j := 6; j < n; j++ {
			more := n - 1 - j
			switch {
			case is(j, "auth") && more > 0, is(j, "auth2") && more >= 2:
				return true
			case is(j, "keys") && more > 0:
				return false
			}
		}
	}
	return false
}
