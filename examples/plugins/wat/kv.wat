;; A hand-written RustyPotato WebAssembly plugin (build with wabt:
;; wat2wasm kv.wat -o kv.wasm), the smallest complete use of the ABI
;; (docs/PLUGINS.md):
;;
;;   FCALL_RO wat_get 1 <key>   -> GET key (the reply passed through)
;;   FCALL wat_ping 0           -> +PONG
;;
;; Memory: 0..255 static strings, 1024.. arguments, 32768.. the command,
;; 65536.. the reply (host replies larger than 64 KiB are fetched with
;; rp.reply into a grown memory).
(module
  (import "rp" "library" (func $library (param i32 i32) (result i32)))
  (import "rp" "register" (func $register (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "rp" "args" (func $args (param i32 i32) (result i32)))
  (import "rp" "call" (func $call (param i32 i32 i32 i32) (result i32)))
  (import "rp" "reply" (func $reply (param i32 i32) (result i32)))
  (import "rp" "result" (func $result (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "watkv")
  (data (i32.const 16) "wat_get")
  (data (i32.const 32) "wat_ping")
  (data (i32.const 48) "GET")
  (data (i32.const 64) "+PONG\r\n")
  (data (i32.const 80) "GET of KEYS[1]")

  ;; Registration: the library name, then each function with an id
  ;; (passed back to rp_run), its name, flags (1 = no-writes) and a
  ;; description.
  (func (export "rp_init")
    (drop (call $library (i32.const 0) (i32.const 5)))
    (drop (call $register (i32.const 0) (i32.const 16) (i32.const 7) (i32.const 1) (i32.const 80) (i32.const 14)))
    (drop (call $register (i32.const 1) (i32.const 32) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 0))))

  (func (export "rp_run") (param $id i32) (param $nkeys i32) (param $nargs i32) (result i32)
    (local $klen i32) (local $n i32)
    (if (i32.eq (local.get $id) (i32.const 1)) (then
      (call $result (i32.const 64) (i32.const 7))
      (return (i32.const 0))))
    (if (i32.ne (local.get $nkeys) (i32.const 1)) (then (return (i32.const 1))))
    ;; Keys and arguments arrive as (u32 length, bytes) items.
    (drop (call $args (i32.const 1024) (i32.const 31744)))
    (local.set $klen (i32.load (i32.const 1024)))
    ;; The command: u32 argc, then (u32 length, bytes) per argument.
    (i32.store (i32.const 32768) (i32.const 2))
    (i32.store (i32.const 32772) (i32.const 3))
    (i32.store (i32.const 32776) (i32.load (i32.const 48)))
    (i32.store (i32.const 32779) (local.get $klen))
    (memory.copy (i32.const 32783) (i32.const 1028) (local.get $klen))
    (local.set $n (call $call (i32.const 32768) (i32.add (i32.const 15) (local.get $klen))
      (i32.const 65536) (i32.const 65536)))
    ;; A reply longer than the buffer: grow memory and fetch it.
    (if (i32.gt_u (local.get $n) (i32.const 65536)) (then
      (drop (memory.grow (i32.add (i32.shr_u (local.get $n) (i32.const 16)) (i32.const 1))))
      (drop (call $reply (i32.const 65536) (local.get $n)))))
    (call $result (i32.const 65536) (local.get $n))
    (i32.const 0)))
