package cli

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// redisCLIHints are the hints redis-cli 7.0.15 shows after each typed
// line, recorded with tmux (capture-pane of the first screen line) against
// redis-server 7.0.15. Our hints are built from that server's COMMAND
// DOCS, so the test needs it running. "get a b" shows a single space:
// every parameter is typed, and the hint keeps the space redis-cli adds
// after a line that does not end in one.
var redisCLIHints = []struct{ line, hint string }{
	{"set ", "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"},
	{"set a b ", "[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"},
	{"hset", " key field value [field value ...]"},
	{"zadd k ", "[NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]"},
	{"client kill", " ip:port|[ID client-id]|[TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|[USER username]|[ADDR ip:port]|[LADDR ip:port]|[SKIPME yes/no] [[ID client-id]|[TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|[USER username]|[ADDR ip:port]|[LADDR ip:port]|[SKIPME yes/no] ...]"},
	{"get", " key"},
	{"GET ", "key"},
	{"lpos k e ", "[RANK rank] [COUNT num-matches] [MAXLEN len]"},
	{"migrate ", "host port key|\"\" destination-db timeout [COPY] [REPLACE] [[AUTH password]|[AUTH2 username password]] [KEYS key [key ...]]"},
	{"bitfield ", "key [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] SET encoding offset value|INCRBY encoding offset increment [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] SET encoding offset value|INCRBY encoding offset increment ...]]"},
	{"sort ", "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]"},
	{"client list", " [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]"},
	{"config set ", "parameter value [parameter value ...]"},
	{"restore ", "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]"},
	{"zrange ", "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"},
	{"lmpop ", "numkeys key [key ...] LEFT|RIGHT [COUNT count]"},
	{"set a", " value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"},
	{"set a ", "value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"},
	{"get a b", " "},
	{"object encoding ", "key"},
	{"unknowncmd ", ""},
	{"xadd ", "key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]"},
	{"georadius ", "key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]"},
	{"acl setuser ", "username [rule [rule ...]]"},
}

func TestHintsMatchRedisCLI(t *testing.T) {
	port := startRedis(t)
	c, err := dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for _, proto := range []string{"2", "3"} {
		if _, err := c.do("HELLO", proto); err != nil {
			t.Fatal(err)
		}
		v, err := c.do("COMMAND", "DOCS")
		if err != nil {
			t.Fatal(err)
		}
		help := parseCommandDocs(v)
		for _, h := range redisCLIHints {
			if got := help.hint(h.line); got != h.hint {
				t.Errorf("RESP%s hint(%q)\n got %q\nwant %q", proto, h.line, got, h.hint)
			}
		}
		if got := help.complete("hge"); !reflect.DeepEqual(got, []string{"HGET", "HGETALL"}) {
			t.Errorf("complete(hge) = %q", got)
		}
		if got := help.complete("help @stri"); !reflect.DeepEqual(got, []string{"help @string"}) {
			t.Errorf("complete(help @stri) = %q", got)
		}
		out := string(help.writeHelp(nil, []string{"get"}))
		want := "\r\n  \x1b[1mGET\x1b[0m \x1b[90mkey\x1b[0m\r\n  \x1b[33msummary:\x1b[0m Get the value of a key\r\n" +
			"  \x1b[33msince:\x1b[0m 1.0.0\r\n  \x1b[33mgroup:\x1b[0m string\r\n\r\n"
		if out != want {
			t.Errorf("help get = %q", out)
		}
		if out := string(help.writeHelp(nil, []string{"@hash"})); !strings.Contains(out, "HSET") || strings.Contains(out, "group:") {
			t.Errorf("help @hash = %q", out)
		}
	}
}

func TestHintWithoutDocs(t *testing.T) {
	var none *helpTable // the server had no COMMAND DOCS
	if h := none.hint("set "); h != "" {
		t.Errorf("hint = %q", h)
	}
	if c := none.complete("se"); c != nil {
		t.Errorf("complete = %q", c)
	}
	if got := string(none.writeHelp(nil, []string{"get"})); got != "\r\n" {
		t.Errorf("help get = %q", got)
	}
	if got := string(none.writeHelp(nil, nil)); got != genericHelp {
		t.Errorf("help = %q", got)
	}
	if parseCommandDocs(parseWire(t, "-ERR unknown command\r\n")).hint("get ") != "" {
		t.Error("an error reply gave hints")
	}
}

func TestSensitive(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"auth pw", true},
		{"AUTH user pw", true},
		{"acl setuser bob on >pw", true},
		{"acl list", false},
		{"config set requirepass x", true},
		{"config set maxmemory 1 masterauth x", true},
		{"config set maxmemory 1", false},
		{"hello 3 auth u p", true},
		{"hello 3 setname n auth u p", true},
		{"hello 3 setname n", false},
		{"migrate h 1 k 0 10 auth pw", true},
		{"migrate h 1 \"\" 0 10 auth2 u pw keys a", true},
		{"migrate h 1 \"\" 0 10 keys auth pw", false},
		{"get auth", false},
	}
	for _, tt := range tests {
		args, err := SplitArgs(tt.line)
		if err != nil {
			t.Fatal(err)
		}
		s := make([]string, len(args))
		for i, a := range args {
			s[i] = string(a)
		}
		if got := sensitive(s); got != tt.want {
			t.Errorf("sensitive(%q) = %v", tt.line, got)
		}
	}
}
