;; The cmabi benchmark guest: a core module built for the Component Model
;; (world `bench` in wit/bench.wit, legacy core names), written by hand so the
;; guest's own work is next to nothing and the benchmarks time the host side.
;;
;; Memory layout
;;   [0, 8)          unused (no valid pointer is 0)
;;   [8, 16)         the static return area of echo-string / echo-bytes / reverse
;;   [1024, ...)     the arena: everything cabi_realloc hands out
;;
;; Allocation: cabi_realloc is a bump allocator over the arena, growing the
;; memory when it runs out. Nothing is freed one by one; instead the arena is
;; reset (the bump pointer goes back to $ARENA) when a call is over:
;;   * exports returning only a scalar (or nothing) reset it before returning:
;;     their arguments are theirs to free, and they are done with them (empty and
;;     `and` take no list or string: nothing was allocated);
;;   * echo-string / echo-bytes return their argument (still in the arena), and
;;     reverse a new string it allocated there, so their cabi_post_ function
;;     resets it once the host has read the result.
;; So every call starts from an empty arena, and the memory never grows past the
;; largest single call's needs.
(module
  (memory (export "memory") 1)

  (global $ARENA i32 (i32.const 1024))
  (global $bump (mut i32) (i32.const 1024))

  ;; --- the allocator

  (func $reset (global.set $bump (global.get $ARENA)))

  ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr
  ;; A fresh block when old_ptr is 0; a shrink (or same size) keeps the block;
  ;; a growth takes a new block and copies the old bytes over. Traps if the
  ;; memory cannot grow enough.
  (func $realloc (export "cabi_realloc")
        (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32)
        (result i32)
    (local $ptr i32) (local $end i64) (local $have i64)
    (if (i32.and (i32.ne (local.get $old) (i32.const 0))
                 (i32.le_u (local.get $new_size) (local.get $old_size)))
      (then (return (local.get $old))))
    ;; ptr = align_up(bump, align)   (align is a power of two)
    (local.set $ptr
      (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    ;; end = ptr + new_size, in 64 bits so it cannot wrap
    (local.set $end (i64.add (i64.extend_i32_u (local.get $ptr))
                             (i64.extend_i32_u (local.get $new_size))))
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow
                      (i32.wrap_i64
                        (i64.shr_u (i64.add (i64.sub (local.get $end) (local.get $have))
                                            (i64.const 0xffff))
                                   (i64.const 16))))
                    (i32.const -1))
          (then unreachable))))
    (global.set $bump (i32.wrap_i64 (local.get $end)))
    (if (i32.ne (local.get $old) (i32.const 0))
      (then (memory.copy (local.get $ptr) (local.get $old) (local.get $old_size))))
    (local.get $ptr))

  ;; --- the world's exports

  ;; empty: func()
  (func (export "empty"))

  ;; and: func(a: bool, b: bool) -> bool
  (func (export "and") (param $a i32) (param $b i32) (result i32)
    (i32.and (i32.ne (local.get $a) (i32.const 0))
             (i32.ne (local.get $b) (i32.const 0))))

  ;; bytes-len: func(a: list<u8>) -> u32
  (func (export "bytes-len") (param $ptr i32) (param $len i32) (result i32)
    (call $reset)
    (local.get $len))

  ;; string-len: func(a: string) -> u32   (UTF-8 code units)
  (func (export "string-len") (param $ptr i32) (param $len i32) (result i32)
    (call $reset)
    (local.get $len))

  ;; u32s-sum: func(a: list<u32>) -> u32   (the sum modulo 2^32)
  (func (export "u32s-sum") (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $sum i32)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $len) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (br $next)))
    (call $reset)
    (local.get $sum))

  ;; records-len: func(a: list<item>) -> u32   (the number of records;
  ;; item = record { a: u32, b: string }: 12 bytes, a @0, b @4)
  (func (export "records-len") (param $ptr i32) (param $len i32) (result i32)
    (call $reset)
    (local.get $len))

  ;; echo-string: func(a: string) -> string
  ;; Returns its argument: (ptr, len) in the return area.
  (func (export "echo-string") (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (i32.const 8))
  (func (export "cabi_post_echo-string") (param $retptr i32)
    (call $reset))

  ;; echo-bytes: func(a: list<u8>) -> list<u8>   (the same, for bytes)
  (func (export "echo-bytes") (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (i32.const 8))
  (func (export "cabi_post_echo-bytes") (param $retptr i32)
    (call $reset))

  ;; the bytes of an i64 in reverse order
  (func $bswap64 (param $x i64) (result i64)
    (local.set $x (i64.or
      (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0x00ff00ff00ff00ff))
      (i64.shl (i64.and (local.get $x) (i64.const 0x00ff00ff00ff00ff)) (i64.const 8))))
    (local.set $x (i64.or
      (i64.and (i64.shr_u (local.get $x) (i64.const 16)) (i64.const 0x0000ffff0000ffff))
      (i64.shl (i64.and (local.get $x) (i64.const 0x0000ffff0000ffff)) (i64.const 16))))
    (i64.rotl (local.get $x) (i64.const 32)))

  ;; reverse: func(a: string) -> string
  ;; a's Unicode scalar values in reverse order: walks a's UTF-8 backwards and copies
  ;; each 1-4-byte sequence, in order, to a new block of the arena (a is valid UTF-8:
  ;; the host lowered it); eight ASCII bytes in a row go as one i64, byte-swapped.
  ;; (ptr, len) of the result in the return area; the argument and the result are
  ;; freed together by cabi_post_reverse.
  (func (export "reverse") (param $ptr i32) (param $len i32) (result i32)
    (local $out i32) (local $dst i32) (local $end i32) (local $start i32) (local $src i32)
    (local $byte i32) (local $word i64)
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $len)))
    (local.set $dst (local.get $out))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    ;; [ptr, end) is what is left to copy; its last sequence goes to dst next
    (block $done
      (loop $next
        (br_if $done (i32.le_u (local.get $end) (local.get $ptr)))
        ;; the last 8 bytes all ASCII: 8 one-byte sequences at once
        (if (i32.ge_u (i32.sub (local.get $end) (local.get $ptr)) (i32.const 8))
          (then
            (local.set $word (i64.load (i32.sub (local.get $end) (i32.const 8))))
            (if (i64.eqz (i64.and (local.get $word) (i64.const 0x8080808080808080)))
              (then
                (i64.store (local.get $dst) (call $bswap64 (local.get $word)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
                (local.set $end (i32.sub (local.get $end) (i32.const 8)))
                (br $next)))))
        (local.set $end (i32.sub (local.get $end) (i32.const 1)))
        (local.set $byte (i32.load8_u (local.get $end)))
        (if (i32.lt_u (local.get $byte) (i32.const 0x80))
          (then  ;; ASCII: a 1-byte sequence
            (i32.store8 (local.get $dst) (local.get $byte))
            (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
            (br $next)))
        ;; the last byte of a 2-4-byte sequence: back to its lead byte (not 10xxxxxx)
        (local.set $start (local.get $end))
        (block $lead
          (loop $back
            (br_if $lead (i32.le_u (local.get $start) (local.get $ptr)))
            (br_if $lead (i32.ne (i32.and (i32.load8_u (local.get $start)) (i32.const 0xc0))
                                 (i32.const 0x80)))
            (local.set $start (i32.sub (local.get $start) (i32.const 1)))
            (br $back)))
        ;; copy [start, end] (end included) to dst, in order
        (local.set $src (local.get $start))
        (loop $copy
          (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
          (local.set $src (i32.add (local.get $src) (i32.const 1)))
          (br_if $copy (i32.le_u (local.get $src) (local.get $end))))
        (local.set $end (local.get $start))
        (br $next)))
    (i32.store (i32.const 8) (local.get $out))
    (i32.store (i32.const 12) (local.get $len))
    (i32.const 8))
  (func (export "cabi_post_reverse") (param $retptr i32)
    (call $reset))
)
