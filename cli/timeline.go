package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rustypotato/internal/resp"
)

// --timeline: the branch's changes read with CHANGES (RustyPotato's
// resumable change feed) and printed one per line, like git log:
//
//	2026-12-04 20:31:05.123  #42  set   db0 user:1  "old" -> "new"  (set by alice 127.0.0.1:5555 id=7)

// timelinePage is how many changes one CHANGES call asks for.
const timelinePage = 500

func (cl *client) timeline(follow bool) int {
	if err := cl.connect(); err != nil {
		return 1
	}
	defer cl.c.close()
	info, err := cl.c.do("TIMELINE", "INFO")
	if err != nil {
		fmt.Fprintf(cl.errOut, "Error: %s\n", connError(err))
		return 1
	}
	if info.Type == '-' {
		fmt.Fprintf(cl.errOut, "(error) %s\n", info.Str)
		return 1
	}
	since := fields(info)["first-seq"].Int
	for {
		block := []string{}
		if follow {
			block = []string{"BLOCK", "5000"}
		}
		args := append([]string{"CHANGES", "SINCE", strconv.FormatInt(since, 10), "COUNT", strconv.Itoa(timelinePage)}, block...)
		v, err := cl.c.do(args...)
		if err != nil {
			fmt.Fprintf(cl.errOut, "Error: %s\n", connError(err))
			return 1
		}
		if v.Type == '-' {
			fmt.Fprintf(cl.errOut, "(error) %s\n", v.Str)
			return 1
		}
		for _, e := range v.Elems {
			f := fields(e)
			fmt.Fprintln(cl.out, timelineLine(f))
			since = f["seq"].Int
		}
		if len(v.Elems) < timelinePage && !follow {
			return 0
		}
	}
}

// fields returns a map reply's entries by key (a RESP2 flat array or a
// RESP3 map).
func fields(v resp.Value) map[string]resp.Value {
	out := map[string]resp.Value{}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		out[string(v.Elems[i].Str)] = v.Elems[i+1]
	}
	return out
}

// timelineLine renders one CHANGES entry.
func timelineLine(f map[string]resp.Value) string {
	var sb strings.Builder
	t := time.UnixMilli(f["time"].Int)
	fmt.Fprintf(&sb, "%s  #%d  %-10s db%d %s", t.Format("2006-01-02 15:04:05.000"), f["seq"].Int,
		string(f["event"].Str), f["db"].Int, shortValue(f["key"].Str, 60, false))
	var edits []string
	for _, e := range f["edits"].Elems {
		ef := fields(e)
		kind := string(ef["edit"].Str)
		before, after := ef["before"], ef["after"]
		var s string
		switch kind {
		case "set", "del":
			if kind == "set" && isNone(before) && isNone(after) {
				continue // a new container: its elements follow
			}
			s = valueOrNone(before) + " -> " + valueOrNone(after)
			if kind == "del" {
				s = valueOrNone(before) + " -> (deleted)"
			}
		case "expire":
			if d := ef["deadline"].Int; d == 0 {
				s = "ttl -> none"
			} else {
				s = "expire at " + time.UnixMilli(d).Format("15:04:05.000")
			}
		case "hset", "hdel":
			s = shortValue(ef["field"].Str, 30, false) + ": " + valueOrNone(before) + " -> " + valueOrNone(after)
		case "sadd", "srem":
			s = kind + " " + shortValue(ef["field"].Str, 40, true)
		case "flushdb", "swapdb", "hconvert", "sconvert":
			continue
		default:
			s = kind
			if !before.Null && before.Str != nil {
				s += " " + valueOrNone(before)
			}
			if !after.Null && after.Str != nil {
				s += " " + valueOrNone(after)
			}
		}
		edits = append(edits, s)
	}
	if len(edits) > 3 {
		edits = append(edits[:3], fmt.Sprintf("... (%d edits)", len(f["edits"].Elems)))
	}
	if len(edits) > 0 {
		sb.WriteString("  " + strings.Join(edits, ", "))
	}
	who := string(f["command"].Str)
	if who == "" {
		who = "library"
	}
	if n := f["client-name"].Str; len(n) > 0 {
		who += " by " + string(n)
	}
	if a := f["client-addr"].Str; len(a) > 0 {
		who += " " + string(a)
	}
	if id := f["client-id"].Int; id != 0 {
		who += " id=" + strconv.FormatInt(id, 10)
	}
	sb.WriteString("  (" + who + ")")
	return sb.String()
}

func isNone(v resp.Value) bool { return v.Null || v.Str == nil }

func valueOrNone(v resp.Value) string {
	if isNone(v) {
		return "(none)"
	}
	return shortValue(v.Str, 40, true)
}

// shortValue quotes b (redis-cli style escapes) and cuts it to about max
// characters.
func shortValue(b []byte, max int, quote bool) string {
	cut := false
	if len(b) > max {
		b, cut = b[:max], true
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	var s string
	if quote {
		s = string(AppendRepr(nil, b))
	} else {
		s = string(b)
	}
	if cut {
		s += "…"
	}
	return s
}
