package difftest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Cmd is one step of a program: a command sent as a multibulk (Args), or
// raw bytes (Raw) after which Replies replies are read, or a pseudo
// command run by the harness itself (Pseudo, see below).
type Cmd struct {
	Args [][]byte

	// Raw, when non-nil, is sent as it is (inline commands, protocol
	// errors) and Replies replies are read and compared; with
	// ExpectClose the harness then compares whether each server closed
	// the connection, and reconnects.
	Raw         []byte
	Replies     int
	ExpectClose bool

	// Pseudo names a step the harness runs as several commands:
	// "scanall" (SCAN from cursor 0 until it returns 0, Args are the
	// options after the cursor; the reply compared is the sorted union of
	// the keys), "hscanall" (HSCAN likewise; Args[0] is the key; the
	// union of field/value pairs, sorted), "sscanall" (SSCAN likewise:
	// the union of members, sorted), "reconnect" (new connections,
	// keeping the data), "sleep" (Args[0] milliseconds).
	Pseudo string
}

// Program is a sequence of steps run on FLUSHALLed servers over fresh
// connections; Proto 3 sends HELLO 3 first.
type Program struct {
	Proto int
	Cmds  []Cmd
	// Pipeline > 1 sends runs of up to that many plain commands in one
	// write before reading their replies ("!pipeline N" in a script).
	Pipeline int
	// Inline sends plain commands as inline lines ("!inline" in a
	// script), quoted as Quote does, when they are shorter than 16 KiB.
	Inline bool
	// Requires names commands the program needs our server to implement
	// (a script's "!require" line); TestScripts skips it until they are.
	Requires []string
}

// Name is the lower-case command name, "parent|sub" for the container
// commands whose subcommands the exceptions table distinguishes.
func (c Cmd) Name() string {
	if c.Pseudo != "" {
		return c.Pseudo
	}
	if c.Raw != nil || len(c.Args) == 0 {
		return "raw"
	}
	name := strings.ToLower(string(c.Args[0]))
	switch name {
	case "object", "client", "command", "config", "debug", "memory", "cluster", "acl", "latency", "slowlog":
		if len(c.Args) > 1 {
			return name + "|" + strings.ToLower(string(c.Args[1]))
		}
	}
	return name
}

// String renders c as one script line (redis-cli quoting).
func (c Cmd) String() string {
	var b strings.Builder
	switch {
	case c.Raw != nil:
		if c.ExpectClose {
			b.WriteString("!rawclose ")
		} else {
			b.WriteString("!raw ")
		}
		b.WriteString(strconv.Itoa(c.Replies))
		b.WriteByte(' ')
		b.WriteString(Quote(c.Raw))
		return b.String()
	case c.Pseudo != "":
		b.WriteString("!" + c.Pseudo)
		for _, a := range c.Args {
			b.WriteByte(' ')
			b.WriteString(Quote(a))
		}
		return b.String()
	}
	for i, a := range c.Args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Quote(a))
	}
	return b.String()
}

// Quote returns a as a script token: bare if it is plain printable text,
// otherwise double-quoted with \xHH escapes that ParseLine reads back.
func Quote(a []byte) string {
	plain := len(a) > 0
	for _, c := range a {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(a)
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range a {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ParseLine splits a script line like redis-cli (sdssplitargs): tokens are
// separated by blanks; "double quotes" take \xHH, \n, \r, \t, \b, \a and
// \<any> escapes; 'single quotes' take \' only.
func ParseLine(line string) ([][]byte, error) {
	var out [][]byte
	i, n := 0, len(line)
	for {
		for i < n && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= n {
			return out, nil
		}
		var tok []byte
		tok = []byte{}
		for i < n && line[i] != ' ' && line[i] != '\t' {
			switch line[i] {
			case '"':
				i++
				for {
					if i >= n {
						return nil, fmt.Errorf("unbalanced quotes in %q", line)
					}
					c := line[i]
					if c == '"' {
						i++
						break
					}
					if c == '\\' && i+1 < n {
						e := line[i+1]
						if e == 'x' && i+3 < n && isHex(line[i+2]) && isHex(line[i+3]) {
							v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
							tok = append(tok, byte(v))
							i += 4
							continue
						}
						switch e {
						case 'n':
							e = '\n'
						case 'r':
							e = '\r'
						case 't':
							e = '\t'
						case 'b':
							e = '\b'
						case 'a':
							e = '\a'
						}
						tok = append(tok, e)
						i += 2
						continue
					}
					tok = append(tok, c)
					i++
				}
			case '\'':
				i++
				for {
					if i >= n {
						return nil, fmt.Errorf("unbalanced quotes in %q", line)
					}
					c := line[i]
					if c == '\'' {
						i++
						break
					}
					if c == '\\' && i+1 < n && line[i+1] == '\'' {
						tok = append(tok, '\'')
						i += 2
						continue
					}
					tok = append(tok, c)
					i++
				}
			default:
				tok = append(tok, line[i])
				i++
			}
		}
		out = append(out, tok)
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// ParseScript reads a script: one command per line; blank lines and lines
// starting with '#' are skipped. Directives: "!raw N <bytes>" sends the
// quoted bytes and compares N replies; "!rawclose N <bytes>" also compares
// whether the servers closed the connection, then reconnects; "!scanall
// [MATCH p] [COUNT n] [TYPE t]", "!hscanall key [MATCH p] [COUNT n]";
// "!reconnect"; "!sleep ms"; "!resp3" (anywhere: the whole script runs
// in a HELLO 3 session); "!require cmd..." (skip the script until our
// server implements those commands); "!pipeline N" (anywhere: send runs
// of up to N commands in one write); "!inline" (anywhere: send commands
// as inline lines).
func ParseScript(text string) (Program, error) {
	var p Program
	for ln, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		args, err := ParseLine(trimmed)
		if err != nil {
			return p, fmt.Errorf("line %d: %v", ln+1, err)
		}
		if len(args) == 0 {
			continue
		}
		if trimmed[0] != '!' {
			p.Cmds = append(p.Cmds, Cmd{Args: args})
			continue
		}
		switch d := string(args[0]); d {
		case "!resp3":
			p.Proto = 3
		case "!pipeline":
			if len(args) != 2 {
				return p, fmt.Errorf("line %d: !pipeline N", ln+1)
			}
			p.Pipeline, _ = strconv.Atoi(string(args[1]))
		case "!inline":
			p.Inline = true
		case "!require":
			for _, a := range args[1:] {
				p.Requires = append(p.Requires, string(a))
			}
		case "!raw", "!rawclose":
			if len(args) != 3 {
				return p, fmt.Errorf("line %d: %s N \"bytes\"", ln+1, d)
			}
			n, err := strconv.Atoi(string(args[1]))
			if err != nil || n < 0 {
				return p, fmt.Errorf("line %d: bad reply count %q", ln+1, args[1])
			}
			p.Cmds = append(p.Cmds, Cmd{Raw: args[2], Replies: n, ExpectClose: d == "!rawclose"})
		case "!scanall", "!hscanall", "!sscanall", "!reconnect", "!sleep":
			p.Cmds = append(p.Cmds, Cmd{Pseudo: d[1:], Args: args[1:]})
		default:
			return p, fmt.Errorf("line %d: unknown directive %s", ln+1, d)
		}
	}
	return p, nil
}

// String renders p as a script.
func (p Program) String() string {
	var b bytes.Buffer
	if p.Proto == 3 {
		b.WriteString("!resp3\n")
	}
	if p.Pipeline > 1 {
		fmt.Fprintf(&b, "!pipeline %d\n", p.Pipeline)
	}
	if p.Inline {
		b.WriteString("!inline\n")
	}
	if len(p.Requires) > 0 {
		b.WriteString("!require " + strings.Join(p.Requires, " ") + "\n")
	}
	for _, c := range p.Cmds {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// args turns strings into a command's args.
func args(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}
