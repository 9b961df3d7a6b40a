;; Test guest for internal/wasm and the server: well-behaved and hostile
;; functions. Memory map: 0..1023 static strings, 1024.. args buffer,
;; 32768.. command buffer, 65536.. reply buffer.
(module
  (import "rp" "library" (func $library (param i32 i32) (result i32)))
  (import "rp" "register" (func $register (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "rp" "args" (func $args (param i32 i32) (result i32)))
  (import "rp" "call" (func $call (param i32 i32 i32 i32) (result i32)))
  (import "rp" "reply" (func $reply (param i32 i32) (result i32)))
  (import "rp" "result" (func $result (param i32 i32)))
  (import "rp" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "hostile")
  (data (i32.const 16) "get")
  (data (i32.const 32) "loop")
  (data (i32.const 48) "bomb")
  (data (i32.const 64) "trap")
  (data (i32.const 80) "other")
  (data (i32.const 96) "huge")
  (data (i32.const 112) "badresp")
  (data (i32.const 128) "set")
  (data (i32.const 144) "ro")
  (data (i32.const 160) "+capped\r\n")
  (data (i32.const 176) "$2147483647\r\nab")
  (data (i32.const 192) "GET")
  (data (i32.const 200) "SET")
  (data (i32.const 208) "undeclared")
  (data (i32.const 224) "fail")
  (data (i32.const 240) "-ERR guest says no\r\n")
  (data (i32.const 272) "hello from the guest")
  (data (i32.const 304) "Gets a key")
  (data (i32.const 320) "calls")
  (data (i32.const 336) "\01\00\00\00\04\00\00\00PING")
  (func (export "rp_init")
    (drop (call $library (i32.const 0) (i32.const 7)))
    (drop (call $register (i32.const 0) (i32.const 16) (i32.const 3) (i32.const 1) (i32.const 304) (i32.const 10)))
    (drop (call $register (i32.const 1) (i32.const 32) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 2) (i32.const 48) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 3) (i32.const 64) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 4) (i32.const 208) (i32.const 10) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 5) (i32.const 96) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 6) (i32.const 112) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 7) (i32.const 128) (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 8) (i32.const 144) (i32.const 2) (i32.const 1) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 9) (i32.const 224) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $register (i32.const 10) (i32.const 320) (i32.const 5) (i32.const 1) (i32.const 0) (i32.const 0))))

  ;; cmd2 builds "NAME key" at 32768 from the first key in the args
  ;; buffer, and returns the encoding's length.
  (func $cmd1 (param $name i32) (param $nlen i32) (result i32)
    (local $klen i32)
    (drop (call $args (i32.const 1024) (i32.const 31744)))
    (local.set $klen (i32.load (i32.const 1024)))
    (i32.store (i32.const 32768) (i32.const 2))
    (i32.store (i32.const 32772) (local.get $nlen))
    (memory.copy (i32.const 32776) (local.get $name) (local.get $nlen))
    (i32.store (i32.add (i32.const 32776) (local.get $nlen)) (local.get $klen))
    (memory.copy (i32.add (i32.const 32780) (local.get $nlen)) (i32.const 1028) (local.get $klen))
    (i32.add (i32.const 12) (i32.add (local.get $nlen) (local.get $klen))))

  ;; set: SET key1 arg1 (key1 and arg1 are the first two items).
  (func $set (result i32)
    (local $klen i32) (local $vlen i32) (local $p i32)
    (drop (call $args (i32.const 1024) (i32.const 31744)))
    (local.set $klen (i32.load (i32.const 1024)))
    (local.set $vlen (i32.load (i32.add (i32.const 1028) (local.get $klen))))
    (i32.store (i32.const 32768) (i32.const 3))
    (i32.store (i32.const 32772) (i32.const 3))
    (i32.store (i32.const 32776) (i32.load (i32.const 200)))
    (i32.store (i32.const 32779) (local.get $klen))
    (memory.copy (i32.const 32783) (i32.const 1028) (local.get $klen))
    (local.set $p (i32.add (i32.const 32783) (local.get $klen)))
    (i32.store (local.get $p) (local.get $vlen))
    (memory.copy (i32.add (local.get $p) (i32.const 4)) (i32.add (i32.const 1032) (local.get $klen)) (local.get $vlen))
    (call $call (i32.const 32768) (i32.sub (i32.add (i32.add (local.get $p) (i32.const 4)) (local.get $vlen)) (i32.const 32768))
      (i32.const 65536) (i32.const 65536)))

  (func $passreply (param $n i32)
    (call $result (i32.const 65536) (local.get $n)))

  (func (export "rp_run") (param $id i32) (param $nkeys i32) (param $nargs i32) (result i32)
    (local $n i32)
    ;; 0 get: GET key1
    (if (i32.eq (local.get $id) (i32.const 0)) (then
      (local.set $n (call $call (i32.const 32768) (call $cmd1 (i32.const 192) (i32.const 3)) (i32.const 65536) (i32.const 65536)))
      (call $passreply (local.get $n))
      (return (i32.const 0))))
    ;; 1 loop: spin forever
    (if (i32.eq (local.get $id) (i32.const 1)) (then
      (loop $forever (br $forever))))
    ;; 2 bomb: grow memory until refused
    (if (i32.eq (local.get $id) (i32.const 2)) (then
      (block $done (loop $grow
        (br_if $done (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
        (br $grow)))
      (call $result (i32.const 160) (i32.const 9))
      (return (i32.const 0))))
    ;; 3 trap: SET key1 arg1, then trap
    (if (i32.eq (local.get $id) (i32.const 3)) (then
      (drop (call $set))
      ;; 10 calls (no-writes): PING through rp.call 1000 times (host call
    ;; overhead benchmark), replying with the last reply.
    (if (i32.eq (local.get $id) (i32.const 10)) (then
      (local.set $n (i32.const 1000))
      (loop $again
        (drop (call $call (i32.const 336) (i32.const 12) (i32.const 65536) (i32.const 65536)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $again (i32.gt_s (local.get $n) (i32.const 0))))
      (call $passreply (i32.const 7))
      (return (i32.const 0))))
    (unreachable)))
    ;; 4 undeclared: GET other (a key not given)
    (if (i32.eq (local.get $id) (i32.const 4)) (then
      (i32.store (i32.const 32768) (i32.const 2))
      (i32.store (i32.const 32772) (i32.const 3))
      (i32.store (i32.const 32776) (i32.load (i32.const 192)))
      (i32.store (i32.const 32779) (i32.const 5))
      (memory.copy (i32.const 32783) (i32.const 80) (i32.const 5))
      (local.set $n (call $call (i32.const 32768) (i32.const 20) (i32.const 65536) (i32.const 65536)))
      (call $passreply (local.get $n))
      (return (i32.const 0))))
    ;; 5 huge: a result far past the end of memory
    (if (i32.eq (local.get $id) (i32.const 5)) (then
      (call $result (i32.const 0) (i32.const -1))
      (return (i32.const 0))))
    ;; 6 badresp: a bulk string announcing 2 GiB
    (if (i32.eq (local.get $id) (i32.const 6)) (then
      (call $result (i32.const 176) (i32.const 15))
      (return (i32.const 0))))
    ;; 7 set: SET key1 arg1, reply passed through
    (if (i32.eq (local.get $id) (i32.const 7)) (then
      (call $log (i32.const 2) (i32.const 272) (i32.const 20))
      (call $passreply (call $set))
      (return (i32.const 0))))
    ;; 8 ro (no-writes): SET key1 arg1, reply passed through
    (if (i32.eq (local.get $id) (i32.const 8)) (then
      (call $passreply (call $set))
      (return (i32.const 0))))
    ;; 9 fail: SET key1 arg1, then status 1 with an error reply
    (if (i32.eq (local.get $id) (i32.const 9)) (then
      (drop (call $set))
      (call $result (i32.const 240) (i32.const 20))
      (return (i32.const 1))))
    ;; 10 calls (no-writes): PING through rp.call 1000 times (host call
    ;; overhead benchmark), replying with the last reply.
    (if (i32.eq (local.get $id) (i32.const 10)) (then
      (local.set $n (i32.const 1000))
      (loop $again
        (drop (call $call (i32.const 336) (i32.const 12) (i32.const 65536) (i32.const 65536)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $again (i32.gt_s (local.get $n) (i32.const 0))))
      (call $passreply (i32.const 7))
      (return (i32.const 0))))
    (unreachable)))
