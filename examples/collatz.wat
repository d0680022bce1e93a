;; The guest of the scale-out examples (examples/process_pool.py, examples/dask_batch.py):
;; a CPU-bound job whose result is easy to check. steps(lo, hi) is the total number of
;; Collatz steps (n -> n/2 if n is even, else 3n+1) that takes each of lo..hi-1 to 1.
(module
  (func (export "steps") (param $lo i64) (param $hi i64) (result i64)
    (local $n i64) (local $x i64) (local $total i64)
    (local.set $n (local.get $lo))
    (block $done
      (loop $each
        (br_if $done (i64.ge_u (local.get $n) (local.get $hi)))
        (local.set $x (local.get $n))
        (block $reached
          (loop $step
            (br_if $reached (i64.le_u (local.get $x) (i64.const 1)))
            (local.set $x
              (if (result i64) (i64.eqz (i64.and (local.get $x) (i64.const 1)))
                (then (i64.shr_u (local.get $x) (i64.const 1)))
                (else (i64.add (i64.mul (local.get $x) (i64.const 3)) (i64.const 1)))))
            (local.set $total (i64.add (local.get $total) (i64.const 1)))
            (br $step)))
        (local.set $n (i64.add (local.get $n) (i64.const 1)))
        (br $each)))
    (local.get $total)))
