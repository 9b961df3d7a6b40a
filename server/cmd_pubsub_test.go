package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato/difftest"
	"rustypotato/internal/resp"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

// psConn is a raw RESP connection that returns replies as exact bytes.
type psConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func psDial(t testing.TB, addr string) *psConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &psConn{t: t, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
}

func (c *psConn) send(args ...string) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(resp.AppendCommandString(nil, args...)); err != nil {
		c.t.Fatalf("send %q: %v", args, err)
	}
}

// read returns one reply, or nil when none arrives within d.
func (c *psConn) read(d time.Duration) []byte {
	c.nc.SetReadDeadline(time.Now().Add(d))
	b, err := difftest.ReadReply(c.br, nil)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && len(b) == 0 {
			return nil
		}
		if len(b) == 0 {
			return []byte("<closed>")
		}
		c.t.Fatalf("read: %v (after %q)", err, b)
	}
	return b
}

// drain returns every reply that arrives until the connection has been
// quiet for d.
func (c *psConn) drain(d time.Duration) [][]byte {
	var out [][]byte
	for {
		b := c.read(d)
		if b == nil {
			return out
		}
		out = append(out, b)
		if string(b) == "<closed>" {
			return out
		}
	}
}

// psStep is one step of a differential pub/sub script: conn sends cmd;
// then every connection's output is collected and compared.
type psStep struct {
	conn string
	cmd  string // space-separated; "sleep N" waits N ms
	// norm compares a reply whose order Redis leaves to its hash
	// tables: 'U' for unsubscribe-all (the set of names and the sequence
	// of counts), 'S' for a sorted array (PUBSUB CHANNELS).
	norm byte
	// sortConn names a connection whose output in this step is compared
	// as a multiset of replies: Redis delivers to matching patterns in
	// its hash table's order.
	sortConn string
	only     int // 0: both protocols; 2 or 3: only that one
}

// psNormalize rewrites replies of a step as norm says.
func psNormalize(t testing.TB, replies [][]byte, norm byte) string {
	if norm == 0 {
		return string(bytes.Join(replies, nil))
	}
	var names, counts, other []string
	for _, r := range replies {
		v, err := resp.NewReader(bytes.NewReader(r), resp.Limits{}).ReadValue()
		if err != nil {
			t.Fatalf("parse %q: %v", r, err)
		}
		switch {
		case norm == 'U' && len(v.Elems) == 3 && strings.HasSuffix(string(v.Elems[0].Str), "unsubscribe"):
			names = append(names, string(v.Elems[0].Str)+" "+string(v.Elems[1].Str))
			counts = append(counts, strconv.FormatInt(v.Elems[2].Int, 10))
		case norm == 'S' && (v.Type == '*' || v.Type == '~'):
			for _, e := range v.Elems {
				names = append(names, string(e.Str))
			}
			counts = append(counts, strconv.Itoa(len(v.Elems)))
		default:
			other = append(other, string(r))
		}
	}
	sort.Strings(names)
	return fmt.Sprintf("names=%q counts=%v other=%q", names, counts, other)
}

// runPubSubScript runs steps on Redis and on us, in protocol proto, and
// reports the first difference of each step.
func runPubSubScript(t *testing.T, redisAddr, ourAddr string, proto int, conns []string, steps []psStep) {
	type side struct {
		name  string
		conns map[string]*psConn
	}
	open := func(name, addr string) *side {
		s := &side{name: name, conns: map[string]*psConn{}}
		for _, n := range conns {
			c := psDial(t, addr)
			if proto == 3 {
				c.send("HELLO", "3")
				if r := c.read(5 * time.Second); r == nil || r[0] != '%' {
					t.Fatalf("%s: HELLO 3: %q", name, r)
				}
			}
			s.conns[n] = c
		}
		return s
	}
	sides := []*side{open("redis", redisAddr), open("ours", ourAddr)}
	for _, s := range sides {
		c := s.conns[conns[0]]
		c.send("FLUSHALL")
		c.read(5 * time.Second)
		c.send("CONFIG", "SET", "notify-keyspace-events", "")
		c.read(5 * time.Second)
	}
	for i, st := range steps {
		if st.only != 0 && st.only != proto {
			continue
		}
		outs := make([]map[string]string, 2)
		for si, s := range sides {
			if strings.HasPrefix(st.cmd, "sleep ") {
				ms, _ := strconv.Atoi(strings.TrimPrefix(st.cmd, "sleep "))
				time.Sleep(time.Duration(ms) * time.Millisecond)
			} else {
				args := strings.Fields(st.cmd)
				if strings.Contains(st.cmd, "|") {
					args = strings.Split(st.cmd, "|") // for arguments with spaces
				}
				for i, a := range args {
					if a == "''" {
						args[i] = ""
					}
				}
				s.conns[st.conn].send(args...)
			}
			outs[si] = map[string]string{}
			for _, n := range conns {
				wait := 40 * time.Millisecond
				if n == st.conn && !strings.HasPrefix(st.cmd, "sleep ") {
					// Its own reply always comes: be patient for the first,
					// on a loaded machine too (300 ms was once too short for
					// redis-server, and its reply then counted as the next
					// step's output).
					wait = 5 * time.Second
				}
				var replies [][]byte
				if first := s.conns[n].read(wait); first != nil {
					replies = append([][]byte{first}, s.conns[n].drain(40*time.Millisecond)...)
				}
				norm := byte(0)
				if n == st.conn {
					norm = st.norm
				}
				if n == st.sortConn {
					sort.Slice(replies, func(i, j int) bool { return bytes.Compare(replies[i], replies[j]) < 0 })
				}
				outs[si][n] = psNormalize(t, replies, norm)
			}
		}
		for _, n := range conns {
			if outs[0][n] != outs[1][n] {
				t.Errorf("RESP%d step %d (%s: %s), output of %s:\n redis: %q\n ours:  %q",
					proto, i+1, st.conn, st.cmd, n, outs[0][n], outs[1][n])
			}
		}
	}
}

var pubsubScript = []psStep{
	{conn: "s1", cmd: "subscribe a b c"},
	{conn: "s2", cmd: "psubscribe a* *z"},
	{conn: "s2", cmd: "subscribe a"},
	{conn: "s2", cmd: "subscribe a"},
	{conn: "p", cmd: "publish a hello", sortConn: "s2"},
	{conn: "p", cmd: "publish zz x"},
	{conn: "p", cmd: "publish az y", sortConn: "s2"},
	{conn: "p", cmd: "publish nobody x"},
	{conn: "p", cmd: "pubsub numsub a b zz a"},
	{conn: "p", cmd: "pubsub numsub"},
	{conn: "p", cmd: "pubsub numpat"},
	{conn: "p", cmd: "pubsub channels", norm: 'S'},
	{conn: "p", cmd: "pubsub channels [ab]", norm: 'S'},
	{conn: "p", cmd: "pubsub channels x*"},
	{conn: "s1", cmd: "ping"},
	{conn: "s1", cmd: "ping hi"},
	{conn: "s1", cmd: "get k"},
	{conn: "s1", cmd: "client setname x"},
	{conn: "s1", cmd: "multi"},
	{conn: "s1", cmd: "unsubscribe b nope"},
	{conn: "p", cmd: "publish b x"},
	{conn: "p", cmd: "publish c x"},
	{conn: "s1", cmd: "unsubscribe", norm: 'U'},
	{conn: "s1", cmd: "unsubscribe"},
	{conn: "s1", cmd: "punsubscribe"},
	{conn: "s1", cmd: "ping"},
	{conn: "s2", cmd: "punsubscribe *z"},
	{conn: "p", cmd: "publish bz x"},
	{conn: "p", cmd: "publish ab x"},
	{conn: "s2", cmd: "punsubscribe", norm: 'U'},
	{conn: "s2", cmd: "ssubscribe sa sb sa"},
	{conn: "p", cmd: "spublish sa m"},
	{conn: "p", cmd: "publish sa m2"},
	{conn: "p", cmd: "spublish a m3"},
	{conn: "p", cmd: "pubsub shardchannels", norm: 'S'},
	{conn: "p", cmd: "pubsub shardnumsub sa sb zz"},
	{conn: "s2", cmd: "sunsubscribe sb"},
	{conn: "s2", cmd: "unsubscribe"},
	{conn: "s2", cmd: "ping"},
	{conn: "s2", cmd: "sunsubscribe"},
	{conn: "s2", cmd: "ping"},
	{conn: "s2", cmd: "psubscribe q*"},
	{conn: "s2", cmd: "reset"},
	{conn: "p", cmd: "publish qq x"},
	{conn: "p", cmd: "pubsub numpat"},
	{conn: "s2", cmd: "ping"},
	{conn: "p", cmd: "subscribe"},
	{conn: "p", cmd: "pubsub"},
	{conn: "p", cmd: "pubsub foo"},
	{conn: "p", cmd: "pubsub channels a b"},
	{conn: "p", cmd: "pubsub numpat x"},
	{conn: "p", cmd: "pubsub help"},
	{conn: "p", cmd: "publish onlyone"},
	{conn: "p", cmd: "multi"},
	{conn: "p", cmd: "subscribe m1"},
	{conn: "p", cmd: "ssubscribe m2"},
	{conn: "p", cmd: "exec"},
	{conn: "s1", cmd: "publish m1 fromS1"},
	{conn: "p", cmd: "set k v"},
	{conn: "p", cmd: "publish m1 self"},
	{conn: "p", cmd: "quit"},
	{conn: "s1", cmd: "pubsub numsub m1"},
}

var notifyScript = []psStep{
	{conn: "s1", cmd: "psubscribe __key*__:*"},
	{conn: "s2", cmd: "subscribe __keyevent@0__:set __keyspace@0__:k"},
	{conn: "p", cmd: "set k v"},
	{conn: "p", cmd: "config set notify-keyspace-events KEA"},
	{conn: "p", cmd: "config get notify-keyspace-events"},
	{conn: "p", cmd: "set k v"},
	{conn: "p", cmd: "set k v2 keepttl"},
	{conn: "p", cmd: "setex t 100 x"},
	{conn: "p", cmd: "persist t"},
	{conn: "p", cmd: "expire t 100"},
	{conn: "p", cmd: "del k t missing"},
	{conn: "p", cmd: "incr n"},
	{conn: "p", cmd: "incrby n 5"},
	{conn: "p", cmd: "decr n"},
	{conn: "p", cmd: "incrbyfloat f 1.5"},
	{conn: "p", cmd: "append s ab"},
	{conn: "p", cmd: "setrange s 1 zz"},
	{conn: "p", cmd: "mset m1 1 m2 2"},
	{conn: "p", cmd: "getdel m1"},
	{conn: "p", cmd: "hset h f v g w"},
	{conn: "p", cmd: "hincrby h c 2"},
	{conn: "p", cmd: "hdel h f g c"},
	{conn: "p", cmd: "rename n n2"},
	{conn: "p", cmd: "config set notify-keyspace-events KEAn"},
	{conn: "p", cmd: "config get notify-keyspace-events"},
	{conn: "p", cmd: "set k2 v"},
	{conn: "p", cmd: "set k2 v"},
	{conn: "p", cmd: "rename k2 n2"},
	{conn: "p", cmd: "copy n2 c1"},
	{conn: "p", cmd: "copy n2 c1 replace"},
	{conn: "p", cmd: "move c1 1"},
	{conn: "p", cmd: "select 1"},
	{conn: "p", cmd: "del c1"},
	{conn: "p", cmd: "select 0"},
	{conn: "p", cmd: "expire n2 -1"},
	{conn: "p", cmd: "set e v px 400"},
	{conn: "p", cmd: "sleep 700"},
	{conn: "p", cmd: "get missing"},
	{conn: "p", cmd: "config set notify-keyspace-events KEm"},
	{conn: "p", cmd: "get missing2"},
	{conn: "p", cmd: "config set notify-keyspace-events Kg"},
	{conn: "p", cmd: "set q q"},
	{conn: "p", cmd: "del q"},
	{conn: "p", cmd: "config set notify-keyspace-events E$"},
	{conn: "p", cmd: "set q q"},
	{conn: "p", cmd: "del q"},
	{conn: "p", cmd: "config set notify-keyspace-events KEA"},
	{conn: "p", cmd: "flushall"},
	{conn: "p", cmd: "set x 1"},
	{conn: "p", cmd: "publish __keyspace@0__:k fake"},
	{conn: "s2", cmd: "unsubscribe", norm: 'U'},
	{conn: "p", cmd: "set k v"},
	{conn: "p", cmd: "config set notify-keyspace-events Q"},
	{conn: "p", cmd: "config get notify-keyspace-events"},
	// RESP3: a connection subscribed to its own writes gets the
	// notifications before the reply (for these commands Redis sends
	// the reply last too).
	{conn: "p", cmd: "subscribe __keyspace@0__:self", only: 3},
	{conn: "p", cmd: "set self 1", only: 3},
	{conn: "p", cmd: "incr self", only: 3},
	{conn: "p", cmd: "del self", only: 3},
	{conn: "p", cmd: "get self", only: 3},
	{conn: "p", cmd: "config set notify-keyspace-events ''", only: 3},
}

func TestPubSubDifferential(t *testing.T) {
	scripts := []struct {
		name  string
		steps []psStep
	}{{"pubsub", pubsubScript}, {"notify", notifyScript}}
	for _, sc := range scripts {
		for _, proto := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/RESP%d", sc.name, proto), func(t *testing.T) {
				t.Parallel() // mostly waiting for quiet connections; own servers
				redisAddr := difftest.StartRedis(t)
				srv := servertest.New(t)
				runPubSubScript(t, redisAddr, srv.Addr, proto, []string{"p", "s1", "s2"}, sc.steps)
			})
		}
	}
}

func TestPubSubConfig(t *testing.T) {
	redisAddr := difftest.StartRedis(t)
	srv := servertest.New(t)
	steps := []psStep{
		{conn: "c", cmd: "config get client-output-buffer-limit"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|pubsub 1 2"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|master 1 2 3"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|pubsub x 2 3"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|pubsub 1 2 -3"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|pubsub 1 2 3x"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|pubsub 1gb 2k 3"},
		{conn: "c", cmd: "config get client-output-buffer-limit"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|replica 1 2 3 normal 5 6 7"},
		{conn: "c", cmd: "config get client-output-buffer-limit"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|PUBSUB 32mb 8mb 60 normal 0 0 0"},
		{conn: "c", cmd: "config get client-output-buffer-limit"},
		{conn: "c", cmd: "config|set|client-output-buffer-limit|replica 256mb 64mb 60"},
		{conn: "c", cmd: "config set notify-keyspace-events gx"},
		{conn: "c", cmd: "config get notify-keyspace-events"},
		{conn: "c", cmd: "config set notify-keyspace-events ''"},
		{conn: "c", cmd: "config get notify-keyspace-events"},
		// spublish and pubsub are left out: their key specs ("not_key")
		// and subcommand order come from cmd_command.go.
		{conn: "c", cmd: "command info subscribe unsubscribe psubscribe punsubscribe publish"},
	}
	runPubSubScript(t, redisAddr, srv.Addr, 2, []string{"c"}, steps)
}

func TestPubSubClientList(t *testing.T) {
	srv := servertest.New(t)
	admin := psDial(t, srv.Addr)
	sub := psDial(t, srv.Addr)
	sub.send("SUBSCRIBE", "a", "b")
	sub.read(time.Second)
	sub.read(time.Second)
	sub.send("PSUBSCRIBE", "x*")
	sub.read(time.Second)
	sub.send("SSUBSCRIBE", "s")
	sub.read(time.Second)
	admin.send("CLIENT", "LIST", "TYPE", "pubsub")
	list := string(admin.read(time.Second))
	if !strings.Contains(list, " flags=P ") || !strings.Contains(list, " sub=2 psub=1 ssub=1 ") || strings.Count(list, "id=") != 1 {
		t.Errorf("CLIENT LIST TYPE pubsub:\n%s", list)
	}
	admin.send("CLIENT", "LIST", "TYPE", "normal")
	list = string(admin.read(time.Second))
	if strings.Contains(list, "flags=P") || strings.Count(list, "id=") != 1 {
		t.Errorf("CLIENT LIST TYPE normal:\n%s", list)
	}
	admin.send("CLIENT", "KILL", "TYPE", "pubsub")
	if r := string(admin.read(time.Second)); r != ":1\r\n" {
		t.Errorf("CLIENT KILL TYPE pubsub = %q", r)
	}
	if r := sub.read(2 * time.Second); string(r) != "<closed>" {
		t.Errorf("killed subscriber read %q", r)
	}
	admin.send("PUBSUB", "NUMSUB", "a")
	if r := string(admin.read(time.Second)); r != "*2\r\n$1\r\na\r\n:0\r\n" {
		t.Errorf("NUMSUB after kill = %q (subscriptions of a closed connection must go)", r)
	}
}

// The notifications of an embedded writer reach RESP subscribers, and an
// embedded subscriber receives what RESP clients publish.
func TestPubSubEmbeddedAndRESP(t *testing.T) {
	srv := servertest.New(t)
	if err := srv.DB.SetNotifyKeyspaceEvents("E$"); err != nil {
		t.Fatal(err)
	}
	c := psDial(t, srv.Addr)
	c.send("SUBSCRIBE", "__keyevent@0__:set")
	c.read(time.Second)
	srv.DB.Set("k", []byte("v"))
	want := "*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"
	if r := string(c.read(2 * time.Second)); r != want {
		t.Errorf("RESP subscriber got %q, want %q", r, want)
	}
	s := srv.DB.Subscribe(context.Background(), "from-resp")
	defer s.Close()
	p := psDial(t, srv.Addr)
	p.send("PUBLISH", "from-resp", "hi")
	if r := string(p.read(time.Second)); r != ":1\r\n" {
		t.Errorf("PUBLISH = %q", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	m, err := s.Receive(ctx)
	if err != nil || m.Channel != "from-resp" || string(m.Payload) != "hi" {
		t.Errorf("embedded subscriber got %+v, %v", m, err)
	}
}

func TestPubSubGoRedis(t *testing.T) {
	srv := servertest.New(t)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := context.Background()
			opts := &redis.Options{Addr: srv.Addr, Protocol: proto, DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second}
			pub := redis.NewClient(opts)
			defer pub.Close()
			subc := redis.NewClient(opts)
			defer subc.Close()

			ps := subc.Subscribe(ctx, "news")
			defer ps.Close()
			if v, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			} else if s, ok := v.(*redis.Subscription); !ok || s.Kind != "subscribe" || s.Channel != "news" || s.Count != 1 {
				t.Fatalf("first reply %#v", v)
			}
			if err := ps.PSubscribe(ctx, "n*", "__keyspace@0__:*"); err != nil {
				t.Fatal(err)
			}
			if err := pub.ConfigSet(ctx, "notify-keyspace-events", "K$").Err(); err != nil {
				t.Fatal(err)
			}
			// go-redis reads the psubscribe confirmations on Channel().
			ch := ps.Channel()
			waitNumPat := func(n int64) {
				for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
					if pub.PubSubNumPat(ctx).Val() == n {
						return
					}
				}
				t.Fatalf("NUMPAT never reached %d", n)
			}
			waitNumPat(2)
			if n, err := pub.Publish(ctx, "news", "hello").Result(); err != nil || n != 2 {
				t.Fatalf("PUBLISH = %d, %v", n, err)
			}
			if err := pub.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			var got []string
			timeout := time.After(3 * time.Second)
			for len(got) < 3 {
				select {
				case m := <-ch:
					got = append(got, m.Pattern+"|"+m.Channel+"|"+m.Payload)
				case <-timeout:
					t.Fatalf("messages so far: %q", got)
				}
			}
			want := []string{"|news|hello", "n*|news|hello", "__keyspace@0__:*|__keyspace@0__:k|set"}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("messages %q, want %q", got, want)
			}
			if m, err := pub.PubSubNumSub(ctx, "news", "none").Result(); err != nil || m["news"] != 1 || m["none"] != 0 {
				t.Errorf("NUMSUB = %v, %v", m, err)
			}
			if chans, err := pub.PubSubChannels(ctx, "*").Result(); err != nil || strings.Join(chans, ",") != "news" {
				t.Errorf("CHANNELS = %v, %v", chans, err)
			}
			if err := ps.Unsubscribe(ctx, "news"); err != nil {
				t.Fatal(err)
			}
			if err := ps.PUnsubscribe(ctx); err != nil {
				t.Fatal(err)
			}
			waitNumPat(0)
			// Sharded pub/sub through go-redis.
			sps := subc.SSubscribe(ctx, "shard")
			defer sps.Close()
			if _, err := sps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := pub.SPublish(ctx, "shard", "s1").Result(); err != nil || n != 1 {
				t.Fatalf("SPUBLISH = %d, %v", n, err)
			}
			select {
			case m := <-sps.Channel():
				if m.Channel != "shard" || m.Payload != "s1" {
					t.Errorf("smessage %+v", m)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("no smessage")
			}
			pub.ConfigSet(ctx, "notify-keyspace-events", "")
		})
	}
}

// pythonOrSkip returns /usr/bin/python3 if it has the redis module.
func pythonOrSkip(t *testing.T) string {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import redis").Run(); err != nil {
		if os.Getenv("POTATO_REQUIRE_REDIS") == "1" {
			t.Fatalf("%s with the redis module is required: %v", py, err)
		}
		t.Skipf("%s with the redis module not available: %v", py, err)
	}
	return py
}

func TestPubSubRedisPy(t *testing.T) {
	py := pythonOrSkip(t)
	srv := servertest.New(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	script, _ := filepath.Abs("testdata/pubsub/redis_py_pubsub.py")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, script, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-py pubsub script: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "redis-py pubsub: ok") {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

// redis-cli --csv psubscribe '__key*__:*' shows events as a person sees
// them; the lines must be those redis-cli prints against redis-server.
func TestPubSubRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("POTATO_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-cli not found and POTATO_REQUIRE_REDIS=1")
		}
		t.Skip("redis-cli not installed")
	}
	redisAddr := difftest.StartRedis(t)
	srv := servertest.New(t)
	watch := func(addr string) string {
		host, port, _ := net.SplitHostPort(addr)
		c := psDial(t, addr)
		c.send("CONFIG", "SET", "notify-keyspace-events", "KEA")
		c.read(time.Second)
		cmd := exec.Command(cli, "-h", host, "-p", port, "--csv", "psubscribe", "__key*__:*")
		var out syncBuf
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "psubscribe") && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		for _, args := range [][]string{{"SET", "foo", "bar"}, {"EXPIRE", "foo", "100"}, {"DEL", "foo"}, {"HSET", "h", "f", "v"}} {
			c.send(args...)
			c.read(time.Second)
		}
		for deadline := time.Now().Add(5 * time.Second); strings.Count(out.String(), "\n") < 9 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		c.send("CONFIG", "SET", "notify-keyspace-events", "")
		c.read(time.Second)
		return out.String()
	}
	want, got := watch(redisAddr), watch(srv.Addr)
	if got != want {
		t.Errorf("redis-cli --csv psubscribe output:\n%s\nwant (redis-server):\n%s", got, want)
	}
	if !strings.Contains(got, `"pmessage","__key*__:*","__keyspace@0__:foo","set"`) {
		t.Errorf("no set event in:\n%s", got)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// One subscriber never reads while a publisher sends 100 MB: it is
// disconnected at the 32mb hard limit, the server's memory stays bounded,
// and a healthy subscriber receives every message in order.
func TestPubSubStalledSubscriber(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 100 MB")
	}
	srv := servertest.New(t)
	const msgSize, total = 1024, 100 << 10 // 100 MB
	stalled := psDial(t, srv.Addr)
	stalled.send("SUBSCRIBE", "feed")
	stalled.read(time.Second)

	healthy := psDial(t, srv.Addr)
	healthy.send("SUBSCRIBE", "feed")
	healthy.read(time.Second)
	var received atomic.Int64
	readerErr := make(chan error, 1)
	go func() {
		// Each message is *3 $7 message $4 feed $1024 <payload>; the
		// payload starts with its sequence number.
		var buf []byte
		for i := int64(0); i < total; i++ {
			healthy.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
			b, err := difftest.ReadReply(healthy.br, buf[:0])
			buf = b
			if err != nil {
				readerErr <- fmt.Errorf("message %d: %v", i, err)
				return
			}
			idx := bytes.Index(b, []byte("$1024\r\n"))
			if idx < 0 {
				readerErr <- fmt.Errorf("message %d: unexpected %q", i, b[:min(len(b), 80)])
				return
			}
			p := b[idx+7:]
			seq, _ := strconv.ParseInt(string(bytes.TrimRight(p[:12], " ")), 10, 64)
			if seq != i {
				readerErr <- fmt.Errorf("message %d carries seq %d: out of order or lost", i, seq)
				return
			}
			received.Store(i + 1)
		}
		readerErr <- nil
	}()

	// A low GC target keeps garbage (the test's own included) from
	// hiding what the server holds: a bounded outbox keeps the live heap
	// near the 32mb limit; an unbounded one would hold ~100 MB.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	var peakHeap atomic.Uint64
	stopSampling := make(chan struct{})
	var sampled sync.WaitGroup
	sampled.Add(1)
	go func() {
		defer sampled.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	pub := psDial(t, srv.Addr)
	start := time.Now()
	payload := bytes.Repeat([]byte{'x'}, msgSize)
	var batch []byte
	replies := make(chan error, 1)
	go func() {
		for i := 0; i < total; i++ {
			pub.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
			b, err := difftest.ReadReply(pub.br, nil)
			if err != nil || b[0] != ':' {
				replies <- fmt.Errorf("PUBLISH reply %d: %q %v", i, b, err)
				return
			}
		}
		replies <- nil
	}()
	for i := 0; i < total; i += 256 {
		batch = batch[:0]
		for j := i; j < i+256 && j < total; j++ {
			copy(payload, fmt.Sprintf("%-12d", j))
			batch = resp.AppendCommand(batch, []byte("PUBLISH"), []byte("feed"), payload)
		}
		pub.nc.SetWriteDeadline(time.Now().Add(20 * time.Second))
		if _, err := pub.nc.Write(batch); err != nil {
			t.Fatal(err)
		}
		// The test's own reader must keep up: it is the healthy one.
		for int64(i)-received.Load() > 8192 {
			time.Sleep(time.Millisecond)
		}
	}
	if err := <-replies; err != nil {
		t.Fatal(err)
	}
	if err := <-readerErr; err != nil {
		t.Fatal(err)
	}
	close(stopSampling)
	sampled.Wait()
	elapsed := time.Since(start)

	// The stalled subscriber was disconnected: after what the kernel
	// buffered, its stream ends.
	admin := psDial(t, srv.Addr)
	admin.send("PUBSUB", "NUMSUB", "feed")
	if r := string(admin.read(time.Second)); r != "*2\r\n$4\r\nfeed\r\n:1\r\n" {
		t.Errorf("NUMSUB feed = %q, want only the healthy subscriber", r)
	}
	stalled.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := bufio.NewReader(stalled.br).WriteTo(discard{})
	if err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Errorf("stalled subscriber: reading the rest ended with %v", err)
	}
	if n >= total*msgSize/2 {
		t.Errorf("stalled subscriber could still read %d bytes: not disconnected early", n)
	}
	peak := peakHeap.Load()
	t.Logf("100 MB published in %v; stalled subscriber cut off after %d buffered bytes; peak heap in use %d MB",
		elapsed, n, peak>>20)
	if peak > 80<<20 {
		t.Errorf("peak heap %d MB: output to the stalled subscriber is not bounded", peak>>20)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// A subscriber over the soft limit for longer than its seconds is
// disconnected too; below it, it is not.
func TestPubSubSoftLimit(t *testing.T) {
	srv := servertest.New(t)
	admin := psDial(t, srv.Addr)
	admin.send("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 1mb 1")
	if r := string(admin.read(time.Second)); r != "+OK\r\n" {
		t.Fatal(r)
	}
	stalled := psDial(t, srv.Addr)
	if tc, ok := stalled.nc.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	stalled.send("SUBSCRIBE", "c")
	stalled.read(time.Second)
	payload := strings.Repeat("y", 64<<10)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		admin.send("PUBLISH", "c", payload)
		if r := string(admin.read(time.Second)); r == ":0\r\n" {
			return // disconnected
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("subscriber over the soft limit for > 1s was not disconnected")
}

// Like Redis, the idle timeout closes idle clients but not subscribers.
func TestPubSubIdleTimeoutSparesSubscribers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{IdleTimeout: 200 * time.Millisecond}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	idle := psDial(t, l.Addr().String())
	sub := psDial(t, l.Addr().String())
	sub.send("SET", "k", "v") // a deadline armed before subscribing must not fire
	sub.read(time.Second)
	sub.send("SUBSCRIBE", "c")
	sub.read(time.Second)
	if r := idle.read(2 * time.Second); string(r) != "<closed>" {
		t.Fatalf("idle client not closed: %q", r)
	}
	time.Sleep(300 * time.Millisecond)
	pub := psDial(t, l.Addr().String())
	pub.send("PUBLISH", "c", "still here")
	if r := string(pub.read(time.Second)); r != ":1\r\n" {
		t.Fatalf("PUBLISH = %q: the subscriber was closed", r)
	}
	if r := string(sub.read(time.Second)); !strings.Contains(r, "still here") {
		t.Fatalf("subscriber got %q", r)
	}
}

// Several pipelining publishers (and an embedded one) and several
// subscribers: every subscriber gets every message, each publisher's in
// order, whoever writes the subscriber's socket.
func TestPubSubConcurrentPublishers(t *testing.T) {
	srv := servertest.New(t)
	const pubs, per, subs = 3, 3000, 5
	type result struct {
		err error
	}
	results := make(chan result, subs)
	var ready sync.WaitGroup
	for s := 0; s < subs; s++ {
		c := psDial(t, srv.Addr)
		if s == 0 {
			c.send("PSUBSCRIBE", "ch*")
		} else {
			c.send("SUBSCRIBE", "ch")
		}
		c.read(2 * time.Second)
		ready.Add(1)
		go func() {
			ready.Done()
			next := make([]int, pubs+1)
			var buf []byte
			for n := 0; n < (pubs+1)*per; n++ {
				c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
				b, err := difftest.ReadReply(c.br, buf[:0])
				buf = b
				if err != nil {
					results <- result{fmt.Errorf("after %d messages: %v", n, err)}
					return
				}
				v, err := resp.NewReader(bytes.NewReader(b), resp.Limits{}).ReadValue()
				if err != nil || len(v.Elems) < 3 {
					results <- result{fmt.Errorf("bad frame %q", b)}
					return
				}
				var p, i int
				fmt.Sscanf(string(v.Elems[len(v.Elems)-1].Str), "%d:%d", &p, &i)
				if i != next[p] {
					results <- result{fmt.Errorf("publisher %d: message %d after %d", p, i, next[p]-1)}
					return
				}
				next[p]++
			}
			results <- result{}
		}()
	}
	ready.Wait()
	var wg sync.WaitGroup
	for p := 0; p < pubs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			c := psDial(t, srv.Addr)
			go func() { c.drain(5 * time.Second) }()
			var batch []byte
			for i := 0; i < per; i++ {
				batch = resp.AppendCommandString(batch, "PUBLISH", "ch", fmt.Sprintf("%d:%d", p, i))
				if len(batch) > 4096 || i == per-1 {
					c.nc.Write(batch)
					batch = batch[:0]
				}
			}
		}(p)
	}
	for i := 0; i < per; i++ { // the embedded publisher
		srv.DB.Publish("ch", []byte(fmt.Sprintf("%d:%d", pubs, i)))
	}
	wg.Wait()
	for s := 0; s < subs; s++ {
		if r := <-results; r.err != nil {
			t.Error(r.err)
		}
	}
}

// A publisher whose next command is still on its way (or blocks) does
// not hold back what it already published.
func TestPubSubPublishRunEnds(t *testing.T) {
	srv := servertest.New(t)
	sub := psDial(t, srv.Addr)
	sub.send("SUBSCRIBE", "ch")
	sub.read(time.Second)
	pub := psDial(t, srv.Addr)
	cmd := resp.AppendCommandString(nil, "PUBLISH", "ch", "first")
	partial := resp.AppendCommandString(nil, "PUBLISH", "ch", "second")
	pub.nc.Write(append(cmd, partial[:10]...))
	if r := string(sub.read(2 * time.Second)); !strings.Contains(r, "first") {
		t.Fatalf("message held back while the next command is incomplete: %q", r)
	}
	pub.nc.Write(partial[10:])
	if r := string(sub.read(2 * time.Second)); !strings.Contains(r, "second") {
		t.Fatalf("second message: %q", r)
	}
	// PUBLISH then a blocking command in one pipeline.
	pub.nc.Write(append(resp.AppendCommandString(nil, "PUBLISH", "ch", "third"),
		resp.AppendCommandString(nil, "BLPOP", "nolist", "2")...))
	start := time.Now()
	if r := string(sub.read(3 * time.Second)); !strings.Contains(r, "third") || time.Since(start) > time.Second {
		t.Fatalf("message held back by a blocking command: %q after %v", r, time.Since(start))
	}
}
