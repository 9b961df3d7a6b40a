package server_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"rustypotato/difftest"
	"rustypotato/server/servertest"
)

// bitsNotifyScript checks the keyspace events of bitmaps, HyperLogLogs
// and SORT STORE against redis-server: setbit (none for an unchanged
// bit), bitfield's setbit, BITOP's set/del, pfadd for PFADD and PFMERGE,
// none for PFCOUNT's cached estimate, sortstore.
var bitsNotifyScript = []psStep{
	{conn: "s1", cmd: "psubscribe __key*__:*"},
	{conn: "p", cmd: "config set notify-keyspace-events KEA"},
	{conn: "p", cmd: "setbit b 3 1"},
	{conn: "p", cmd: "setbit b 3 1"},
	{conn: "p", cmd: "setbit b 3 0"},
	{conn: "p", cmd: "bitfield b set u8 0 7 get u8 0"},
	{conn: "p", cmd: "bitfield b get u8 0"},
	{conn: "p", cmd: "bitfield b overflow fail incrby u2 0 9"},
	{conn: "p", cmd: "bitop not d b"},
	{conn: "p", cmd: "bitop and d missing"},
	{conn: "p", cmd: "pfadd h a b c"},
	{conn: "p", cmd: "pfadd h a"},
	{conn: "p", cmd: "pfcount h"},
	{conn: "p", cmd: "pfmerge h2 h"},
	{conn: "p", cmd: "rpush l 3 1 2"},
	{conn: "p", cmd: "sort l store so"},
	{conn: "p", cmd: "sort missing store so"},
	{conn: "p", cmd: "config set notify-keyspace-events ''"},
}

func TestBitsNotifyDifferential(t *testing.T) {
	for _, proto := range []int{2, 3} {
		redisAddr := difftest.StartRedis(t)
		srv := servertest.New(t)
		runPubSubScript(t, redisAddr, srv.Addr, proto, []string{"p", "s1"}, bitsNotifyScript)
	}
}

// TestClientReplyDifferential sends CLIENT REPLY ON/OFF/SKIP in one
// pipeline to redis-server and to us and compares the raw bytes back.
func TestClientReplyDifferential(t *testing.T) {
	redisAddr := difftest.StartRedis(t)
	srv := servertest.New(t)
	cmds := [][]string{{"PING"}, {"CLIENT", "REPLY", "SKIP"}, {"SET", "a", "1"}, {"GET", "a"}, {"CLIENT", "REPLY", "OFF"},
		{"PING"}, {"CLIENT", "REPLY", "SKIP"}, {"PING"}, {"CLIENT", "REPLY", "ON"}, {"PING"}, {"CLIENT", "REPLY", "FOO"},
		{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"ECHO", "end"}}
	var req []byte
	for _, c := range cmds {
		req = append(req, fmt.Sprintf("*%d\r\n", len(c))...)
		for _, a := range c {
			req = append(req, fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)...)
		}
	}
	get := func(addr string) string {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if _, err := nc.Write(req); err != nil {
			t.Fatal(err)
		}
		var out []byte
		buf := make([]byte, 4096)
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		for !strings.HasSuffix(string(out), "$3\r\nend\r\n") {
			n, err := nc.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				t.Fatalf("%s: %v after %q", addr, err, out)
			}
		}
		return string(out)
	}
	if want, got := get(redisAddr), get(srv.Addr); want != got {
		t.Fatalf("CLIENT REPLY:\n redis %q\n ours  %q", want, got)
	}
}
