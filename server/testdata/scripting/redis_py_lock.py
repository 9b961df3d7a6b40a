"""redis-py's Lock (which runs Lua scripts with EVALSHA, falling back to
EVAL) and fcall against a RustyPotato server: python3 redis_py_lock.py PORT"""
import sys
import threading

import redis

r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
r.flushall()
r.script_flush()

lock = r.lock("res", timeout=10, blocking_timeout=1)
assert lock.acquire(), "first acquire"
other = r.lock("res", timeout=10, blocking_timeout=0.2)
assert not other.acquire(), "second acquire must fail while held"
assert lock.owned()
lock.extend(5)
assert r.pttl("res") > 10000, r.pttl("res")
lock.reacquire()
lock.release()
assert not r.exists("res")
try:
    lock.release()
    raise AssertionError("release of an unowned lock succeeded")
except redis.exceptions.LockError:
    pass

# Many threads incrementing a counter under the lock: no lost update.
counter = {"n": 0}


def worker():
    c = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
    for _ in range(20):
        with c.lock("cnt-lock", timeout=5, blocking_timeout=10, sleep=0.001):
            v = int(c.get("cnt") or 0)
            c.set("cnt", v + 1)


threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert int(r.get("cnt")) == 80, r.get("cnt")

# A registered script object (SCRIPT LOAD + EVALSHA, reloaded after FLUSH).
incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
assert incr(keys=["k"], args=[5]) == 5
r.script_flush()
assert incr(keys=["k"], args=[5]) == 10

# Functions through redis-py.
r.function_flush()
r.function_load("#!lua name=pylib\nredis.register_function('echo', function(keys, args) return args[1] end)")
assert r.fcall("echo", 0, "hi") == b"hi"
assert r.fcall_ro is not None
print("redis-py lock: all checks passed")
