package server_test

import (
	"testing"

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
