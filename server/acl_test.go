package server_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

// aclStep is one command of an ACL program, sent on connection conn.
type aclStep struct {
	conn int
	cmd  string
}

// aclPrograms run against RustyPotato and redis-server; every reply must
// be the same. Connection 0 is the unrestricted default user.
var aclPrograms = map[string][]aclStep{
	"users and rules": {
		{0, "ACL SETUSER alice"},
		{0, "ACL LIST"},
		{0, "ACL SETUSER alice on >pw ~foo* %R~bar &ch +get"},
		{0, "ACL GETUSER alice"},
		{0, "ACL LIST"},
		{0, "ACL USERS"},
		{1, "AUTH alice wrong"},
		{1, "AUTH alice pw"},
		{1, "ACL WHOAMI"},
		{1, "GET foo1"},
		{1, "GET bar"},
		{1, "GET zzz"},
		{1, "SET foo1 v"},
		{1, "PUBLISH ch hi"},
		{0, "ACL SETUSER alice +set +publish"},
		{1, "SET foo1 v"},
		{1, "SET bar v"},
		{1, "PUBLISH ch hi"},
		{1, "PUBLISH other hi"},
		{1, "GET foo1"},
		{0, "ACL DRYRUN alice get foo1"},
		{0, "ACL DRYRUN alice get zzz"},
		{0, "ACL DRYRUN alice del foo1"},
		{0, "ACL DRYRUN nobody get a"},
		{0, "ACL DRYRUN alice nocmd"},
		{0, "ACL SETUSER alice off"},
		{2, "AUTH alice pw"},
		{0, "ACL DELUSER alice nosuch"},
		{0, "ACL USERS"},
		{0, "ACL DELUSER default"},
	},
	"modifier errors": {
		{0, "ACL SETUSER x +nosuchcmd"},
		{0, "ACL SETUSER x +@nosuchcat"},
		{0, "ACL SETUSER x #abc"},
		{0, "ACL SETUSER x badop"},
		{0, "ACL SETUSER x allkeys ~a"},
		{0, "ACL SETUSER x allchannels &a"},
		{0, "ACL SETUSER x <nope"},
		{0, "ACL USERS"},
		{0, "ACL SETUSER x on nopass allkeys allchannels allcommands"},
		{0, "ACL LIST"},
		{0, "ACL SETUSER x reset"},
		{0, "ACL LIST"},
		{0, "ACL SETUSER x resetpass >a >b <a"},
		{0, "ACL GETUSER x"},
		{0, "ACL SETUSER x #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"},
		{0, "ACL GETUSER x"},
		{0, "ACL GETUSER nosuch"},
		{0, "ACL CAT"},
		{0, "ACL CAT nosuchcat"},
		{0, "ACL SAVE"},
		{0, "ACL LOAD"},
		{0, "ACL WHOAMI"},
	},
	"categories": {
		{0, "ACL SETUSER bob on nopass allkeys -@all +@hash"},
		{1, "AUTH bob any"},
		{1, "HSET h f v"},
		{1, "HGET h f"},
		{1, "GET h"},
		{1, "LPUSH l a"},
		{0, "ACL SETUSER bob +@list -lpush"},
		{1, "LPUSH l a"},
		{1, "RPUSH l a"},
		{0, "ACL SETUSER bob +@all -@dangerous"},
		{1, "GET h"},
		{1, "FLUSHALL"},
		{1, "CONFIG GET maxclients"},
		{0, "ACL SETUSER bob +config|get"},
		{1, "CONFIG SET maxclients 10"},
		{0, "ACL SETUSER bob nocommands +client|id"},
		{1, "PING"},
		{1, "MULTI"},
		{0, "ACL SETUSER bob +multi +exec +get"},
		{1, "MULTI"},
		{1, "GET h"},
		{1, "SET x y"},
		{1, "EXEC"},
		{1, "MULTI"},
		{1, "GET h"},
		{1, "GET x"},
		{0, "ACL SETUSER bob -get"},
		{1, "EXEC"},
		{0, "ACL SETUSER bob +get resetkeys ~h"},
		{1, "MULTI"},
		{1, "GET h"},
		{1, "GET x"},
		{0, "ACL SETUSER bob resetkeys ~x"},
		{1, "EXEC"},
	},
	"channels and key permissions": {
		{0, "ACL SETUSER ch on nopass +@all resetchannels &news.* &exact %R~r* %W~w* ~rw"},
		{1, "AUTH ch x"},
		{1, "PUBLISH news.1 hi"},
		{1, "PUBLISH other hi"},
		{1, "PUBLISH exact hi"},
		{1, "SPUBLISH news.2 hi"},
		{1, "SUBSCRIBE news.x other"},
		{2, "AUTH ch x"},
		{2, "PSUBSCRIBE news.*"},
		{3, "AUTH ch x"},
		{3, "PSUBSCRIBE news.1*"},
		{3, "SUBSCRIBE news.a exact"},
		{4, "AUTH ch x"},
		{4, "GET r1"},
		{4, "SET r1 v"},
		{4, "SET w1 v"},
		{4, "GET w1"},
		{4, "SET rw v"},
		{4, "GET rw"},
		{4, "LPUSH w2 a"},
		{4, "DEL w2"},
		{4, "DEL r1"},
		{4, "MGET r1 rw"},
		{4, "MGET r1 w1"},
		{4, "MSET w1 a rw b"},
		{4, "MSET w1 a r1 b"},
		{0, "ACL DRYRUN ch publish other x"},
		{0, "ACL DRYRUN ch get w1"},
		{0, "ACL GETUSER ch"},
		{0, "ACL LIST"},
	},
	"auth log": {
		{1, "AUTH nouser pw"},
		{1, "AUTH default pw"},
		{0, "ACL SETUSER lg on >pw"},
		{1, "AUTH lg wrong"},
		{1, "AUTH lg wrong"},
		{0, "ACL LOG 1"},
		{0, "ACL LOG RESET"},
		{0, "ACL LOG"},
		{0, "ACL LOG -1"},
		{0, "ACL LOG x"},
		{0, "CLIENT KILL USER nosuch"},
		{2, "AUTH lg pw"},
		{0, "CLIENT KILL USER lg"},
		{0, "CLIENT KILL USER lg"},
	},
	"config set errors": {
		{0, "CONFIG SET maxclients abc"},
		{0, "CONFIG SET timeout -1"},
		{0, "CONFIG SET protected-mode maybe"},
		{0, "CONFIG SET loglevel loud"},
		{0, "CONFIG SET proto-max-bulk-len 1"},
		{0, "CONFIG SET timeout 5 timeout 6"},
		{0, "CONFIG SET timeout 5 nosuch 1"},
		{0, "CONFIG SET timeout"},
		{0, "CONFIG SET timeout 7 loglevel warning protected-mode no"},
		{0, "CONFIG GET timeout"},
		{0, "CONFIG GET loglevel"},
		{0, "CONFIG GET protected-mode"},
		{0, "CONFIG SET client-query-buffer-limit 2mb proto-max-bulk-len 1mb"},
		{0, "CONFIG GET client-query-buffer-limit"},
		{0, "CONFIG GET proto-max-bulk-len"},
		{0, "CONFIG GET nosuch*"},
	},
	// Redis skips the command-permission check for commands flagged
	// no-auth (AUTH, HELLO, QUIT, RESET): a user with no right to run
	// them can still log in again, switch protocol, reset or leave.
	"no-auth commands": {
		{0, "ACL SETUSER u on >pw +acl"},
		{0, "ACL SETUSER v on >pw2 -@all"},
		{1, "AUTH u pw"},
		{1, "ACL WHOAMI"},
		{1, "GET x"},
		{1, "AUTH u wrong"},
		{1, "AUTH temp_pass"},
		{1, "ACL WHOAMI"},
		{2, "AUTH v pw2"},
		{2, "AUTH v wrong"},
		{2, "HELLO 2 AUTH u pw"},
		{2, "ACL WHOAMI"},
		{2, "HELLO 2 SETNAME nm"},
		{2, "AUTH v pw2"},
		{2, "HELLO"},
		{2, "RESET"},
		{2, "ACL WHOAMI"},
		{3, "AUTH v pw2"},
		{3, "PING"},
		{3, "QUIT"},
		{0, "ACL DRYRUN v auth v pw2"},
		{0, "ACL DRYRUN v hello 2"},
		{0, "ACL DRYRUN v quit"},
		{0, "ACL DRYRUN v reset"},
		{0, "ACL DRYRUN v ping"},
		{0, "ACL LOG"},
	},
	"requirepass": {
		{0, "CONFIG SET requirepass sekret"},
		{1, "PING"},
		{1, "GET x"},
		{1, "HELLO 2"},
		{1, "HELLO 2 SETNAME n"},
		{1, "CLIENT GETNAME"},
		{1, "AUTH wrong"},
		{1, "AUTH sekret"},
		{1, "PING"},
		{2, "HELLO 2 AUTH default wrong"},
		{2, "HELLO 2 AUTH default sekret SETNAME n2"},
		{2, "CLIENT GETNAME"},
		{2, "AUTH default sekret"},
		{2, "ACL WHOAMI"},
		{0, "CONFIG GET requirepass"},
		{0, "ACL GETUSER default"},
		{0, "CONFIG SET requirepass \"\""},
		{3, "PING"},
		{3, "AUTH x"},
	},
}

var (
	clientID = regexp.MustCompile(`"id" :\d+`)
	// HELLO's modules: ours lists the built-in ReJSON (cmd_json.go); the
	// oracle runs without modules. A deliberate difference.
	helloModules = regexp.MustCompile(`"modules" \[.*\]\]$`)
	// ACL LOG: the age and the client line are the server's own.
	logTail = regexp.MustCompile(`"age-seconds" "[^"]*" "client-info" "[^"]*"`)
)

func runACLProgram(t *testing.T, addr string, steps []aclStep) []string {
	conns := map[int]*rawClient{}
	var out []string
	for _, st := range steps {
		c := conns[st.conn]
		if c == nil {
			c = dialRaw(t, addr)
			conns[st.conn] = c
		}
		r := clientID.ReplaceAllString(c.do(splitCmd(t, st.cmd)...), `"id" :N`)
		r = helloModules.ReplaceAllString(r, `"modules" M]`)
		out = append(out, logTail.ReplaceAllString(r, `"age-seconds" A "client-info" C`))
	}
	return out
}

func TestACLDifferential(t *testing.T) {
	startRedis(t) // skip (or fail) early without redis-server
	for name, steps := range aclPrograms {
		t.Run(name, func(t *testing.T) {
			redis := startRedis(t) // a fresh user table for each program
			ours := runACLProgram(t, servertest.New(t).Addr, steps)
			theirs := runACLProgram(t, redis, steps)
			for i := range steps {
				if ours[i] != theirs[i] {
					t.Errorf("step %d %q:\n ours:  %s\n redis: %s", i, steps[i].cmd, ours[i], theirs[i])
				}
			}
		})
	}
}

func TestACLLog(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	c.do("ACL", "SETUSER", "u", "on", "nopass", "+get", "~k*")
	u := dialRaw(t, ts.Addr)
	u.do("AUTH", "u", "x")
	u.do("SET", "k", "v")
	u.do("SET", "k", "v")
	u.do("GET", "other")
	got := c.do("ACL", "LOG")
	if !strings.HasPrefix(got, `[["count" :1 "reason" "key" "context" "toplevel" "object" "other" "username" "u" "age-seconds" `) ||
		!strings.Contains(got, `["count" :2 "reason" "command" "context" "toplevel" "object" "set" "username" "u" "age-seconds" `) {
		t.Fatalf("ACL LOG: %s", got)
	}
	if got := c.do("ACL", "LOG", "RESET"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.do("ACL", "LOG"); got != "[]" {
		t.Fatal(got)
	}
}

func TestACLFile(t *testing.T) {
	dir := t.TempDir()
	acl := writeFile(t, dir, "users.acl", "user default on nopass ~* &* +@all\nuser carol on >pw ~c* -@all +get\n")
	conf := writeFile(t, dir, "r.conf", "aclfile "+acl+"\n")
	_, addr := startWithConfig(t, conf)
	c := dialRaw(t, addr)
	if got := c.do("ACL", "USERS"); got != `["carol" "default"]` {
		t.Fatal(got)
	}
	c.do("ACL", "SETUSER", "dan", "on", ">x")
	if got := c.do("ACL", "SAVE"); got != "+OK" {
		t.Fatal(got)
	}
	c.do("ACL", "DELUSER", "dan", "carol")
	if got := c.do("ACL", "LOAD"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.do("ACL", "USERS"); got != `["carol" "dan" "default"]` {
		t.Fatal(got)
	}
	u := dialRaw(t, addr)
	if got := u.do("AUTH", "carol", "pw"); got != "+OK" {
		t.Fatal(got)
	}
	if got := u.do("SET", "c1", "v"); !strings.HasPrefix(got, "-NOPERM") {
		t.Fatal(got)
	}
}

// TestAuthLimits: before AUTH a client gets Redis's small limits, so an
// unauthenticated client cannot make the server allocate much.
func TestAuthLimits(t *testing.T) {
	ts := servertest.New(t)
	dialRaw(t, ts.Addr).do("CONFIG", "SET", "requirepass", "pw")
	for _, tc := range []struct{ in, want string }{
		{"*11\r\n", "-ERR Protocol error: unauthenticated multibulk length"},
		{"*1\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length"},
	} {
		c := dialRaw(t, ts.Addr)
		c.nc.Write([]byte(tc.in))
		v, err := c.read(5 * time.Second)
		if err != nil || render(v) != tc.want {
			t.Errorf("%q: %s %v", tc.in, render(v), err)
		}
	}
	c := dialRaw(t, ts.Addr)
	if got := c.do("AUTH", "pw"); got != "+OK" {
		t.Fatal(got)
	}
	big := strings.Repeat("x", 100000)
	if got := c.do("SET", "k", big); got != "+OK" {
		t.Fatal(got)
	}
}
