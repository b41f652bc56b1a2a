;; The row moves of the k-means mean update (move-log.ts's applyMoves) in WebAssembly SIMD: each
;; moved row, float32, is taken from its old cluster's float64 sum and added to its new one, in the
;; order of the log, so every sum gets the same operations in the same order as the JavaScript loop
;; and the result is bit for bit the same (x − r equals x + (−1)·r exactly in IEEE arithmetic).
;; Assembled into move-kernel-wasm.ts by `npm run build:wasm`.
(module
  ;; Memory 0: the rows, a shared memory the matrix was allocated in (kernel-memory.ts), read only.
  (import "rows" "memory" (memory $rows 1 65536 shared))
  ;; Memory 1: this thread's scratch: the move lists and the sums of the clusters being updated.
  (memory $scratch (export "scratch") 1)

  ;; sum[0..d) += sign · row[0..d), sum in scratch (float64), row in rows (float32).
  (func $accumulate (param $sum i32) (param $row i32) (param $d i32) (param $sign f64)
    (local $end i32) (local $fours i32) (local $values v128) (local $signs v128)
    (local.set $signs (f64x2.splat (local.get $sign)))
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $d) (i32.const 2))))
    (local.set $fours (i32.add (local.get $row) (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2))))
    ;; Four values at a time: two float64 pairs from the low and the high half of four float32s.
    (block $tail
      (loop $four
        (br_if $tail (i32.ge_u (local.get $row) (local.get $fours)))
        (local.set $values (v128.load $rows (local.get $row)))
        (v128.store $scratch (local.get $sum)
          (f64x2.add (v128.load $scratch (local.get $sum))
            (f64x2.mul (local.get $signs) (f64x2.promote_low_f32x4 (local.get $values)))))
        (v128.store $scratch offset=16 (local.get $sum)
          (f64x2.add (v128.load $scratch offset=16 (local.get $sum))
            (f64x2.mul (local.get $signs)
              (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $values) (local.get $values))))))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (local.set $sum (i32.add (local.get $sum) (i32.const 32)))
        (br $four)))
    ;; The last d mod 4 values one by one.
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (f64.store $scratch (local.get $sum)
          (f64.add (f64.load $scratch (local.get $sum))
            (f64.mul (local.get $sign) (f64.promote_f32 (f32.load $rows (local.get $row))))))
        (local.set $row (i32.add (local.get $row) (i32.const 4)))
        (local.set $sum (i32.add (local.get $sum) (i32.const 8)))
        (br $one))))

  ;; Whether cluster `c` is among [first, end).
  (func $within (param $c i32) (param $first i32) (param $end i32) (result i32)
    (i32.and (i32.ge_s (local.get $c) (local.get $first)) (i32.lt_s (local.get $c) (local.get $end))))

  ;; Reads one 16-byte value in each 64-byte line of the `bytes` at `at` in the rows, all at once, so
  ;; that the next moved row comes from memory while this one is added. The values only feed `sink`,
  ;; so that the engine keeps the reads. refine.wat has the same function: each kernel is a module of
  ;; its own, and a call into another module would cost more than these few lines.
  (global $sink (mut v128) (v128.const i64x2 0 0))
  (func $touch (param $at i32) (param $bytes i32)
    (local $offset i32) (local $seen v128)
    ;; Counted from the row's start, so that nothing wraps: each read is whole within the row.
    (block $done
      (loop $line
        (br_if $done (i32.gt_u (i32.add (local.get $offset) (i32.const 16)) (local.get $bytes)))
        (local.set $seen (v128.or (local.get $seen) (v128.load $rows (i32.add (local.get $at) (local.get $offset)))))
        (local.set $offset (i32.add (local.get $offset) (i32.const 64)))
        (br $line)))
    (global.set $sink (v128.or (global.get $sink) (local.get $seen))))

  ;; Applies `count` moves to the sums of clusters [first, end). Scratch holds the move lists at
  ;; `moves` (row numbers, then old clusters, then new clusters, `count` int32 each; old −1: none)
  ;; and the sums at `sums`, cluster `first` first. Rows start at byte `x` of the rows memory.
  (func (export "applyMoves")
    (param $x i32) (param $d i32) (param $moves i32) (param $count i32)
    (param $sums i32) (param $first i32) (param $end i32)
    (local $i i32) (local $from i32) (local $to i32) (local $row i32) (local $next i32)
    (local $rowBytes i32) (local $sumBytes i32) (local $fromList i32) (local $toList i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $sumBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $fromList (i32.add (local.get $moves) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $toList (i32.add (local.get $fromList) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $from (i32.load $scratch (i32.add (local.get $fromList) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $to (i32.load $scratch (i32.add (local.get $toList) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $row
          (i32.add (local.get $x)
            (i32.mul (i32.load $scratch (i32.add (local.get $moves) (i32.shl (local.get $i) (i32.const 2))))
              (local.get $rowBytes))))
        ;; The next move's row, if it touches these clusters, on its way from memory.
        (local.set $next (i32.add (local.get $i) (i32.const 1)))
        (if (i32.lt_u (local.get $next) (local.get $count))
          (then
            (if (i32.or
                  (call $within (i32.load $scratch (i32.add (local.get $fromList) (i32.shl (local.get $next) (i32.const 2))))
                    (local.get $first) (local.get $end))
                  (call $within (i32.load $scratch (i32.add (local.get $toList) (i32.shl (local.get $next) (i32.const 2))))
                    (local.get $first) (local.get $end)))
              (then
                (call $touch
                  (i32.add (local.get $x)
                    (i32.mul (i32.load $scratch (i32.add (local.get $moves) (i32.shl (local.get $next) (i32.const 2))))
                      (local.get $rowBytes)))
                  (local.get $rowBytes))))))
        (if (call $within (local.get $from) (local.get $first) (local.get $end))
          (then
            (call $accumulate
              (i32.add (local.get $sums) (i32.mul (i32.sub (local.get $from) (local.get $first)) (local.get $sumBytes)))
              (local.get $row) (local.get $d) (f64.const -1))))
        (if (call $within (local.get $to) (local.get $first) (local.get $end))
          (then
            (call $accumulate
              (i32.add (local.get $sums) (i32.mul (i32.sub (local.get $to) (local.get $first)) (local.get $sumBytes)))
              (local.get $row) (local.get $d) (f64.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
)
