;; The refinement of rows the 8-bit screen left undecided (refine-kernel.ts): per row, the centroids
;; whose screening score is within the row's margin of its lowest are its candidates, and once one is
;; measured, only those scored within `ahead` of its upper bound; its distance to each is computed
;; directly, Σ (x − c)² in float32, whose terms are all positive, so its rounding error is a small
;; share of the distance itself (at most (d + 5) float32 roundings): unlike the expanded form of the
;; float32 step it has no cancellation. Per row out: the nearest candidate, an upper bound on its
;; squared distance, a lower bound on every other measured candidate's, and the lowest score among the
;; centroids not measured. JavaScript's loop in refine-kernel.ts gives the same results. Assembled
;; into refine-wasm.ts by `npm run build:wasm`.
(module
  ;; Memory 0: this kernel's scratch: the centroids, the biases, the per-row inputs and the results
  ;; (imported rather than defined, so that it can be memory 0, whose base V8 keeps at hand).
  (import "scratch" "memory" (memory $scratch 1))
  ;; Memory 1: the lowest-two kernel's scratch, where the chunk's n × k scores lie from byte 0.
  (import "scores" "memory" (memory $scores 1))
  ;; Memory 2: the float32 rows (a kernel memory, kernel-memory.ts), read only.
  (import "rows" "memory" (memory $rows 1 65536 shared))

  ;; Σ (row − centroid)² over d float32 values, in four vector sums so that no addition waits for the
  ;; one before: quad q (columns 4q … 4q + 3) goes to sum q mod 4, lane by lane, in order; the sums are
  ;; added as (s0 + s1) + (s2 + s3), its lanes as (l0 + l1) + (l2 + l3); the last d mod 4 columns
  ;; follow one by one.
  (func $distance (param $x i32) (param $c i32) (param $d i32) (result f32)
    (local $end i32) (local $fours i32) (local $sixteens i32) (local $sum f32) (local $one f32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $difference v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 2))))
    (local.set $fours (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2))))
    (local.set $sixteens (i32.add (local.get $x) (i32.shl (i32.and (local.get $d) (i32.const -16)) (i32.const 2))))
    (block $sixteensDone
      (loop $sixteen
        (br_if $sixteensDone (i32.ge_u (local.get $x) (local.get $sixteens)))
        (local.set $difference (f32x4.sub (v128.load $rows (local.get $x)) (v128.load $scratch (local.get $c))))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $difference) (local.get $difference))))
        (local.set $difference (f32x4.sub (v128.load $rows offset=16 (local.get $x)) (v128.load $scratch offset=16 (local.get $c))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $difference) (local.get $difference))))
        (local.set $difference (f32x4.sub (v128.load $rows offset=32 (local.get $x)) (v128.load $scratch offset=32 (local.get $c))))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $difference) (local.get $difference))))
        (local.set $difference (f32x4.sub (v128.load $rows offset=48 (local.get $x)) (v128.load $scratch offset=48 (local.get $c))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $difference) (local.get $difference))))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br $sixteen)))
    ;; At most three quads are left: they go to s0, s1 and s2.
    (if (i32.lt_u (local.get $x) (local.get $fours))
      (then
        (local.set $difference (f32x4.sub (v128.load $rows (local.get $x)) (v128.load $scratch (local.get $c))))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $difference) (local.get $difference))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))))
    (if (i32.lt_u (local.get $x) (local.get $fours))
      (then
        (local.set $difference (f32x4.sub (v128.load $rows (local.get $x)) (v128.load $scratch (local.get $c))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $difference) (local.get $difference))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))))
    (if (i32.lt_u (local.get $x) (local.get $fours))
      (then
        (local.set $difference (f32x4.sub (v128.load $rows (local.get $x)) (v128.load $scratch (local.get $c))))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $difference) (local.get $difference))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))))
    (local.set $s0 (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3))))
    (local.set $sum
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
        (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $one (f32.sub (f32.load $rows (local.get $x)) (f32.load $scratch (local.get $c))))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $one) (local.get $one))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $one)))
    (local.get $sum))

  ;; Reads one 16-byte value in each 64-byte line of the `bytes` at `at` in the rows, all at once: the
  ;; row then comes from memory in about one memory latency, where the distance loop's reads one after
  ;; another wait on several. The values only feed `sink`, so that the engine keeps the reads.
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

  ;; The row being refined: its data, and what it has found so far.
  (global $x (mut i32) (i32.const 0))
  (global $d (mut i32) (i32.const 0))
  (global $relative (mut f64) (f64.const 0))
  (global $absolute (mut f64) (f64.const 0))
  ;; A score above `limit` makes no candidate. The limit is the row's first score + its margin, lowered
  ;; once a candidate is measured to the nearest one's upper bound + `ahead`.
  (global $firstLimit (mut f64) (f64.const 0))
  (global $ahead (mut f64) (f64.const 0))
  (global $limit (mut f64) (f64.const 0))
  (global $first (mut i32) (i32.const 0))
  (global $best (mut i32) (i32.const 0))
  (global $bestDistance (mut f32) (f32.const 0))
  (global $bestError (mut f64) (f64.const 0))
  (global $otherLowest (mut f64) (f64.const 0))
  (global $outsideLowest (mut f32) (f32.const 0))

  ;; Measures candidate `column` (its centroid at byte `centroid` of the scratch).
  (func $measure (param $column i32) (param $centroid i32)
    (local $distance f32) (local $error f64)
    (local.set $distance (call $distance (global.get $x) (local.get $centroid) (global.get $d)))
    (local.set $error (f64.add (f64.mul (f64.promote_f32 (local.get $distance)) (global.get $relative)) (global.get $absolute)))
    (if (f32.lt (local.get $distance) (global.get $bestDistance))
      (then
        ;; A nearer candidate: the one it displaces counts among the others.
        (global.set $otherLowest
          (f64.min (global.get $otherLowest) (f64.sub (f64.promote_f32 (global.get $bestDistance)) (global.get $bestError))))
        (global.set $best (local.get $column))
        (global.set $bestDistance (local.get $distance))
        (global.set $bestError (local.get $error))
        (global.set $limit
          (f64.min (global.get $firstLimit)
            (f64.add (f64.add (f64.promote_f32 (local.get $distance)) (local.get $error)) (global.get $ahead)))))
      (else
        (global.set $otherLowest
          (f64.min (global.get $otherLowest) (f64.sub (f64.promote_f32 (local.get $distance)) (local.get $error)))))))

  ;; Column `column` with screening score `score`, other than the first measured: measured when the
  ;; score is within the limit, else counted among the outside.
  (func $consider (param $column i32) (param $centroid i32) (param $score f32)
    (if (i32.eq (local.get $column) (global.get $first)) (then (return)))
    (if (f64.le (f64.promote_f32 (local.get $score)) (global.get $limit))
      (then (call $measure (local.get $column) (local.get $centroid)))
      (else (global.set $outsideLowest (f32.min (global.get $outsideLowest) (local.get $score))))))

  ;; The n rows to refine. Per row, in the scratch: float32 `scales`, float64 `firstLimits` (its first
  ;; score + its margin) and `aheads`, int32 `firsts` (the reduction's nearest), `rowAt` (its byte
  ;; offset in memory 2) and `scoresAt` (the byte offset of its k scores in memory 1, each taken as
  ;; scale · value + bias(column) in float32); float32 `biases` per column and the k × d float32
  ;; `centroids`. Out, per row: int32 `nearest`, float64 `own` and `other`, float32 `outside` (+∞ when
  ;; every centroid was measured). The reduction's nearest is measured first, then the other columns
  ;; in order; four scores at a time are checked against the limit, and a group with none within it
  ;; only lowers the outside minimum, lane by lane (the minimum does not depend on the order).
  (func (export "refine")
    (param $n i32) (param $k i32) (param $d i32) (param $relative f64) (param $absolute f64)
    (param $scales i32) (param $firstLimits i32) (param $aheads i32) (param $firsts i32) (param $rowAt i32) (param $scoresAt i32)
    (param $biases i32) (param $centroids i32)
    (param $nearest i32) (param $own i32) (param $other i32) (param $outside i32)
    (local $row i32) (local $column i32) (local $at i32) (local $centroid i32) (local $rowBytes i32) (local $fours i32)
    (local $scale f32) (local $rowScale v128) (local $values v128) (local $outsides v128) (local $limits v128)
    (global.set $d (local.get $d))
    (global.set $relative (local.get $relative))
    (global.set $absolute (local.get $absolute))
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $fours (i32.and (local.get $k) (i32.const -4)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $n)))
        (global.set $firstLimit (f64.load $scratch (i32.add (local.get $firstLimits) (i32.shl (local.get $row) (i32.const 3)))))
        (global.set $limit (global.get $firstLimit))
        (global.set $ahead (f64.load $scratch (i32.add (local.get $aheads) (i32.shl (local.get $row) (i32.const 3)))))
        (global.set $x (i32.load $scratch (i32.add (local.get $rowAt) (i32.shl (local.get $row) (i32.const 2)))))
        (call $touch (global.get $x) (local.get $rowBytes))
        (global.set $first (i32.load $scratch (i32.add (local.get $firsts) (i32.shl (local.get $row) (i32.const 2)))))
        (global.set $best (i32.const 0))
        (global.set $bestDistance (f32.const inf))
        (global.set $bestError (f64.const 0))
        (global.set $otherLowest (f64.const inf))
        (global.set $outsideLowest (f32.const inf))
        (call $measure (global.get $first) (i32.add (local.get $centroids) (i32.mul (global.get $first) (local.get $rowBytes))))
        (local.set $scale (f32.load $scratch (i32.add (local.get $scales) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $rowScale (f32x4.splat (local.get $scale)))
        (local.set $outsides (f32x4.splat (f32.const inf)))
        (local.set $at (i32.load $scratch (i32.add (local.get $scoresAt) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $column (i32.const 0))
        (local.set $centroid (local.get $centroids))
        (block $foursDone
          (loop $four
            (br_if $foursDone (i32.ge_u (local.get $column) (local.get $fours)))
            (local.set $values
              (f32x4.add (f32x4.mul (local.get $rowScale) (v128.load $scores (local.get $at)))
                (v128.load $scratch (i32.add (local.get $biases) (i32.shl (local.get $column) (i32.const 2))))))
            (local.set $limits (f64x2.splat (global.get $limit)))
            ;; One by one when the group holds the first column (which must not count as outside) or a
            ;; score within the limit.
            (if (i32.or
                  (i32.eq (i32.and (global.get $first) (i32.const -4)) (local.get $column))
                  (v128.any_true
                    (v128.or
                      (f64x2.le (f64x2.promote_low_f32x4 (local.get $values)) (local.get $limits))
                      (f64x2.le
                        (f64x2.promote_low_f32x4
                          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $values) (local.get $values)))
                        (local.get $limits)))))
              (then
                (call $consider (local.get $column) (local.get $centroid) (f32x4.extract_lane 0 (local.get $values)))
                (call $consider (i32.add (local.get $column) (i32.const 1)) (i32.add (local.get $centroid) (local.get $rowBytes))
                  (f32x4.extract_lane 1 (local.get $values)))
                (call $consider (i32.add (local.get $column) (i32.const 2))
                  (i32.add (local.get $centroid) (i32.shl (local.get $rowBytes) (i32.const 1))) (f32x4.extract_lane 2 (local.get $values)))
                (call $consider (i32.add (local.get $column) (i32.const 3))
                  (i32.add (local.get $centroid) (i32.mul (local.get $rowBytes) (i32.const 3))) (f32x4.extract_lane 3 (local.get $values))))
              (else (local.set $outsides (f32x4.min (local.get $outsides) (local.get $values)))))
            (local.set $column (i32.add (local.get $column) (i32.const 4)))
            (local.set $at (i32.add (local.get $at) (i32.const 16)))
            (local.set $centroid (i32.add (local.get $centroid) (i32.shl (local.get $rowBytes) (i32.const 2))))
            (br $four)))
        ;; The last k mod 4 columns one by one.
        (block $columnsDone
          (loop $columns
            (br_if $columnsDone (i32.ge_u (local.get $column) (local.get $k)))
            (call $consider (local.get $column) (local.get $centroid)
              (f32.add (f32.mul (local.get $scale) (f32.load $scores (local.get $at)))
                (f32.load $scratch (i32.add (local.get $biases) (i32.shl (local.get $column) (i32.const 2))))))
            (local.set $column (i32.add (local.get $column) (i32.const 1)))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))
            (local.set $centroid (i32.add (local.get $centroid) (local.get $rowBytes)))
            (br $columns)))
        (i32.store $scratch (i32.add (local.get $nearest) (i32.shl (local.get $row) (i32.const 2))) (global.get $best))
        (f64.store $scratch (i32.add (local.get $own) (i32.shl (local.get $row) (i32.const 3)))
          (f64.add (f64.promote_f32 (global.get $bestDistance)) (global.get $bestError)))
        (f64.store $scratch (i32.add (local.get $other) (i32.shl (local.get $row) (i32.const 3))) (global.get $otherLowest))
        (f32.store $scratch (i32.add (local.get $outside) (i32.shl (local.get $row) (i32.const 2)))
          (f32.min (global.get $outsideLowest)
            (f32.min
              (f32.min (f32x4.extract_lane 0 (local.get $outsides)) (f32x4.extract_lane 1 (local.get $outsides)))
              (f32.min (f32x4.extract_lane 2 (local.get $outsides)) (f32x4.extract_lane 3 (local.get $outsides))))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows)))))
