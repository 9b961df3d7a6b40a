#!/usr/bin/python3
"""redis-py (Debian's python3-redis) against a RustyPotato server.

Usage: redis_py.py PORT

Run by TestRedisPy in server/clients_test.go. Every check is an assert
with a message; the script prints "redis-py: all checks passed" at the
end and exits non-zero at the first failure.
"""

import sys
import threading
import time

import redis


def check(got, want, what):
    assert got == want, "%s: got %r, want %r" % (what, got, want)


def strings(r):
    check(r.set("s", "hello"), True, "SET")
    check(r.get("s"), "hello", "GET")
    check(r.get("nokey"), None, "GET missing")
    check(r.incr("n"), 1, "INCR")
    check(r.incrby("n", 41), 42, "INCRBY")
    check(r.decr("n"), 41, "DECR")
    check(r.incrbyfloat("f", 1.5), 1.5, "INCRBYFLOAT")
    check(r.mset({"a": "1", "b": "2"}), True, "MSET")
    check(r.mget("a", "nokey", "b"), ["1", None, "2"], "MGET")
    check(r.setnx("a", "x"), False, "SETNX existing")
    check(r.append("s", " world"), 11, "APPEND")
    check(r.strlen("s"), 11, "STRLEN")
    check(r.getrange("s", 0, 4), "hello", "GETRANGE")
    check(r.set("t", "v", ex=100), True, "SET EX")
    ttl = r.ttl("t")
    assert 98 <= ttl <= 100, "TTL after SET EX 100: %r" % ttl
    check(r.set("t", "w", nx=True), None, "SET NX on an existing key")
    check(r.getdel("t"), "v", "GETDEL")
    try:
        r.incr("s")
        raise AssertionError("INCR on text did not fail")
    except redis.ResponseError as e:
        check(str(e), "value is not an integer or out of range", "INCR error")


def binary(rb):
    value = bytes([0, 255, 13, 10, 0])
    check(rb.set(b"bin\x00key", value), True, "binary SET")
    check(rb.get(b"bin\x00key"), value, "binary GET")
    check(rb.hset(b"bh", b"\xff", value), 1, "binary HSET")
    check(rb.hgetall(b"bh"), {b"\xff": value}, "binary HGETALL")


def keys(r):
    r.flushdb()
    r.mset({"k1": "a", "k2": "b", "other": "c"})
    check(r.exists("k1", "k2", "nokey"), 2, "EXISTS")
    check(sorted(r.keys("k*")), ["k1", "k2"], "KEYS")
    check(sorted(r.scan_iter(match="*", count=1)), ["k1", "k2", "other"], "SCAN iteration")
    check(r.expire("k1", 100), True, "EXPIRE")
    check(r.ttl("k1"), 100, "TTL")
    check(r.ttl("k2"), -1, "TTL without expiry")
    check(r.ttl("nokey"), -2, "TTL missing")
    check(r.persist("k1"), True, "PERSIST")
    check(r.rename("k2", "k3"), True, "RENAME")
    check(r.type("k3"), "string", "TYPE")
    check(r.delete("k1", "k3", "nokey"), 2, "DEL")
    check(r.dbsize(), 1, "DBSIZE")


def hashes(r):
    r.flushdb()
    check(r.hset("h", mapping={"a": "1", "b": "2", "c": "3"}), 3, "HSET mapping")
    check(r.hgetall("h"), {"a": "1", "b": "2", "c": "3"}, "HGETALL")
    check(r.hgetall("nokey"), {}, "HGETALL missing")
    check(r.hget("h", "b"), "2", "HGET")
    check(r.hget("h", "zz"), None, "HGET missing")
    check(r.hmget("h", ["a", "zz", "c"]), ["1", None, "3"], "HMGET")
    check(r.hsetnx("h", "a", "x"), False, "HSETNX")
    check(r.hexists("h", "c"), True, "HEXISTS")
    check(r.hincrby("h", "a", 10), 11, "HINCRBY")
    check(r.hincrbyfloat("h", "b", 0.5), 2.5, "HINCRBYFLOAT")
    check(r.hlen("h"), 3, "HLEN")
    check(r.hstrlen("h", "b"), 3, "HSTRLEN")
    check(sorted(r.hkeys("h")), ["a", "b", "c"], "HKEYS")
    check(sorted(r.hvals("h")), ["11", "2.5", "3"], "HVALS")
    check(dict(r.hscan_iter("h", count=1)), {"a": "11", "b": "2.5", "c": "3"}, "HSCAN iteration")
    pairs = r.hrandfield("h", 5, withvalues=True)
    check(dict(zip(pairs[::2], pairs[1::2])), {"a": "11", "b": "2.5", "c": "3"}, "HRANDFIELD WITHVALUES")
    check(len(r.hrandfield("h", -7)), 7, "HRANDFIELD negative count")
    check(r.hdel("h", "a", "b", "c", "zz"), 3, "HDEL")
    check(r.exists("h"), 0, "key gone with its last field")
    r.set("s", "x")
    try:
        r.hget("s", "a")
        raise AssertionError("HGET on a string did not fail")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE"), "HGET on a string: %s" % e


def lists(r):
    r.flushdb()
    check(r.rpush("l", "a", "b", "c"), 3, "RPUSH")
    check(r.lpush("l", "z"), 4, "LPUSH")
    check(r.lrange("l", 0, -1), ["z", "a", "b", "c"], "LRANGE")
    check(r.lindex("l", -1), "c", "LINDEX")
    check(r.lset("l", 1, "A"), True, "LSET")
    check(r.linsert("l", "BEFORE", "b", "b0"), 5, "LINSERT")
    check(r.lpos("l", "b"), 3, "LPOS")
    check(r.lpos("l", "nothere"), None, "LPOS missing")
    check(r.lrem("l", 0, "b0"), 1, "LREM")
    check(r.lpop("l"), "z", "LPOP")
    check(r.rpop("l", 2), ["c", "b"], "RPOP count")
    check(r.llen("l"), 1, "LLEN")
    check(r.lpop("nokey"), None, "LPOP missing")
    r.rpush("src", "1", "2", "3")
    check(r.lmove("src", "dst", "LEFT", "RIGHT"), "1", "LMOVE")
    check(r.rpoplpush("src", "dst"), "3", "RPOPLPUSH")
    check(r.ltrim("src", 0, 0), True, "LTRIM")
    check(r.lrange("dst", 0, -1), ["3", "1"], "LRANGE after moves")
    check(r.blpop(["nokey", "dst"], timeout=1), ("dst", "3"), "BLPOP ready")
    start = time.time()
    check(r.blpop(["empty"], timeout=0.2), None, "BLPOP timeout")
    assert time.time() - start >= 0.15, "BLPOP returned before its timeout"
    check(r.brpoplpush("empty", "dst", timeout=0.1), None, "BRPOPLPUSH timeout")


def blocking_wakeup(r, port):
    r.flushdb()
    result = {}

    def waiter():
        c = redis.Redis(port=port, decode_responses=True)
        result["v"] = c.brpop(["q"], timeout=10)

    th = threading.Thread(target=waiter)
    th.start()
    deadline = time.time() + 5
    while not any(c.get("cmd") == "brpop" for c in r.client_list()):
        assert time.time() < deadline, "the waiter never blocked"
        time.sleep(0.01)
    time.sleep(0.05)
    r.lpush("q", "job")
    th.join(10)
    check(result.get("v"), ("q", "job"), "BRPOP woken by LPUSH")
    check(r.exists("q"), 0, "element delivered, not left in the list")


def transactions(r, port):
    r.flushdb()
    p = r.pipeline(transaction=True)
    p.set("a", "1").incr("a").hset("h", "f", "v").rpush("l", "x").get("a")
    check(p.execute(), [True, 2, 1, 1, "2"], "MULTI/EXEC pipeline")
    # WATCH: a concurrent change aborts the transaction.
    other = redis.Redis(port=port, decode_responses=True)
    with r.pipeline() as p:
        p.watch("a")
        n = int(p.get("a"))
        other.set("a", "100")
        p.multi()
        p.set("a", n + 1)
        try:
            p.execute()
            raise AssertionError("EXEC after a concurrent change did not abort")
        except redis.WatchError:
            pass
    check(r.get("a"), "100", "value after the aborted transaction")
    # WATCH without interference commits.
    with r.pipeline() as p:
        p.watch("a")
        n = int(p.get("a"))
        p.multi()
        p.set("a", n + 1)
        check(p.execute(), [True], "EXEC after WATCH")
    check(r.get("a"), "101", "value after the committed transaction")


def pipelining(r):
    r.flushdb()
    p = r.pipeline(transaction=False)
    for i in range(1000):
        p.rpush("pl", i)
    replies = p.execute()
    check(replies[-1], 1000, "last of 1000 pipelined RPUSH")
    check(r.llen("pl"), 1000, "LLEN after the pipeline")


def info(r):
    r.flushdb()
    inf = r.info()
    check(inf["redis_version"], "7.0.15", "INFO redis_version")
    assert isinstance(inf["connected_clients"], int), "connected_clients is %r" % inf["connected_clients"]
    assert isinstance(inf["uptime_in_seconds"], int), "uptime_in_seconds is %r" % inf["uptime_in_seconds"]
    assert "used_memory" in inf, "INFO has no used_memory"
    r.set("k", "v")
    ks = r.info("keyspace")
    assert ks.get("db0", {}).get("keys", 0) >= 1, "INFO keyspace: %r" % ks
    srv = r.info("server")
    assert "redis_mode" in srv and "connected_clients" not in srv, "INFO server: %r" % list(srv)
    check(r.ping(), True, "PING")
    check(r.echo("hi"), "hi", "ECHO")
    check(r.client_setname("py"), True, "CLIENT SETNAME")
    check(r.client_getname(), "py", "CLIENT GETNAME")
    assert isinstance(r.client_id(), int), "CLIENT ID"
    cfg = r.config_get("maxclients")
    assert "maxclients" in cfg, "CONFIG GET maxclients: %r" % cfg
    check(r.dbsize(), 1, "DBSIZE")
    assert r.time()[0] > 1600000000, "TIME"


def main():
    port = int(sys.argv[1])
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    rb = redis.Redis(host="127.0.0.1", port=port)
    r.flushall()
    strings(r)
    binary(rb)
    keys(r)
    hashes(r)
    lists(r)
    blocking_wakeup(r, port)
    transactions(r, port)
    pipelining(r)
    info(r)
    print("redis-py: all checks passed (python3-redis %s)" % redis.__version__)


if __name__ == "__main__":
    main()
