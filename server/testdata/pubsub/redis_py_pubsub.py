"""redis-py (Debian's python3-redis) against a RustyPotato server: pub/sub,
pattern subscriptions, keyspace notifications, sharded channels and a
listener thread. Usage: redis_py_pubsub.py HOST PORT. Prints
"redis-py pubsub: ok" when every check passed; exits 1 otherwise."""
import sys
import threading
import time

import redis


def check(got, want, what):
    if got != want:
        print(f"FAIL {what}: got {got!r}, want {want!r}")
        sys.exit(1)


def next_message(p, timeout=3.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = p.get_message(timeout=0.1)
        if m is not None:
            return m
    print("FAIL: no message within", timeout, "s")
    sys.exit(1)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    r = redis.Redis(host=host, port=port, decode_responses=True)
    r.flushall()
    p = r.pubsub()
    p.subscribe("news", "sport")
    check(next_message(p), {"type": "subscribe", "pattern": None, "channel": "news", "data": 1}, "subscribe news")
    check(next_message(p), {"type": "subscribe", "pattern": None, "channel": "sport", "data": 2}, "subscribe sport")
    p.psubscribe("n*")
    check(next_message(p), {"type": "psubscribe", "pattern": None, "channel": "n*", "data": 3}, "psubscribe")

    check(r.publish("news", "hello"), 2, "PUBLISH news")
    check(next_message(p), {"type": "message", "pattern": None, "channel": "news", "data": "hello"}, "message")
    check(next_message(p), {"type": "pmessage", "pattern": "n*", "channel": "news", "data": "hello"}, "pmessage")
    check(r.pubsub_numsub("news", "none"), [("news", 1), ("none", 0)], "PUBSUB NUMSUB")
    check(sorted(r.pubsub_channels()), ["news", "sport"], "PUBSUB CHANNELS")
    check(r.pubsub_numpat(), 1, "PUBSUB NUMPAT")

    # Keyspace notifications.
    r.config_set("notify-keyspace-events", "KEA")
    check(r.config_get("notify-keyspace-events"), {"notify-keyspace-events": "AKE"}, "CONFIG GET")
    p.psubscribe("__keyspace@0__:*")
    check(next_message(p)["type"], "psubscribe", "psubscribe keyspace")
    r.set("k", "v")
    check(next_message(p), {"type": "pmessage", "pattern": "__keyspace@0__:*", "channel": "__keyspace@0__:k", "data": "set"}, "set event")
    r.expire("k", 100)
    check(next_message(p)["data"], "expire", "expire event")
    r.delete("k")
    check(next_message(p)["data"], "del", "del event")
    r.config_set("notify-keyspace-events", "")

    p.unsubscribe()
    got = {next_message(p)["channel"], next_message(p)["channel"]}
    check(got, {"news", "sport"}, "unsubscribe all")
    p.punsubscribe()
    next_message(p)
    next_message(p)
    check(r.publish("news", "x"), 0, "PUBLISH after unsubscribe")
    p.close()

    # Handlers on a listener thread.
    got = []
    done = threading.Event()

    def handler(m):
        got.append(m["data"])
        if len(got) == 3:
            done.set()

    p2 = r.pubsub(ignore_subscribe_messages=True)
    p2.subscribe(**{"jobs": handler})
    t = p2.run_in_thread(sleep_time=0.01)
    for _ in range(100):
        if r.pubsub_numsub("jobs") == [("jobs", 1)]:
            break
        time.sleep(0.01)
    for i in range(3):
        r.publish("jobs", f"job{i}")
    check(done.wait(5), True, "handler thread got 3 messages")
    check(got, ["job0", "job1", "job2"], "handler order")
    t.stop()
    t.join(5)
    p2.close()

    # Sharded channels, raw: this redis-py has no ssubscribe helper.
    c = r.connection_pool.get_connection("ssubscribe")
    c.send_command("SSUBSCRIBE", "orders")
    check(c.read_response(), ["ssubscribe", "orders", 1], "SSUBSCRIBE")
    check(r.execute_command("SPUBLISH", "orders", "o1"), 1, "SPUBLISH")
    check(c.read_response(), ["smessage", "orders", "o1"], "smessage")
    c.disconnect()
    print("redis-py pubsub: ok")


if __name__ == "__main__":
    main()
