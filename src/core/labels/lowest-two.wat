;; Per row of an n × k matrix of scores, each taken as scale(row) · value + bias(column) in float32 (a
;; multiplication, then an addition, each rounded; scale 1 and bias 0 leave a score as it is, but for
;; the sign of a zero): the
;; lowest score, its column and the second-lowest score, exactly
;; as ONNX Runtime's ArgMin, GatherElements and a ReduceMin with that column masked give them (ties:
;; the lowest column; the second-lowest equals the lowest when it occurs twice). Four columns at a
;; time in SIMD lanes, each lane keeping its own lowest, column and second-lowest, merged at the end
;; of the row. Scores must not be NaN. Assembled into lowest-two-wasm.ts by `npm run build:wasm`.
(module
  (memory (export "scratch") 1)

  ;; The lowest of four lanes, in every lane (pmin: `b < a ? b : a`, one instruction, and the same
  ;; choice between zeros of either sign as the scalar loop's strict comparison).
  (func $lowestLane (param $v v128) (result v128)
    (local.set $v (f32x4.pmin (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (f32x4.pmin (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $v) (local.get $v))))

  ;; The same for signed integers.
  (func $lowestLaneInt (param $v v128) (result v128)
    (local.set $v (i32x4.min_s (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (i32x4.min_s (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $v) (local.get $v))))

  ;; Rows of `k` float32 values at byte `scores`, one float32 scale per row at `scales` and one bias
  ;; per column at `biases`; results into int32 `nearest` and float32 `first` and `second`, one per row.
  (func (export "lowestTwo")
    (param $scores i32) (param $n i32) (param $k i32) (param $scales i32) (param $biases i32)
    (param $nearest i32) (param $first i32) (param $second i32)
    (local $row i32) (local $at i32) (local $fours i32) (local $end i32) (local $column i32) (local $bias i32)
    (local $value v128) (local $lower v128) (local $scale v128) (local $rowScale f32)
    (local $bests v128) (local $columns v128) (local $seconds v128) (local $here v128)
    (local $best f32) (local $bestColumn i32) (local $secondBest f32) (local $score f32)
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $n)))
        (local.set $at (i32.add (local.get $scores) (i32.shl (i32.mul (local.get $row) (local.get $k)) (i32.const 2))))
        (local.set $end (i32.add (local.get $at) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $best (f32.const inf))
        (local.set $bestColumn (i32.const 0))
        (local.set $secondBest (f32.const inf))
        (local.set $column (i32.const 0))
        (local.set $bias (local.get $biases))
        (local.set $rowScale (f32.load (i32.add (local.get $scales) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $scale (f32x4.splat (local.get $rowScale)))
        (if (i32.ge_u (local.get $k) (i32.const 4))
          (then
            ;; Lane l sees columns l, l + 4, l + 8, … in order, so strict < keeps its first lowest.
            (local.set $fours (i32.add (local.get $at) (i32.shl (i32.and (local.get $k) (i32.const -4)) (i32.const 2))))
            (local.set $bests
              (f32x4.add (f32x4.mul (local.get $scale) (v128.load (local.get $at))) (v128.load (local.get $bias))))
            (local.set $bias (i32.add (local.get $bias) (i32.const 16)))
            (local.set $columns (v128.const i32x4 0 1 2 3))
            (local.set $seconds (f32x4.splat (f32.const inf)))
            (local.set $here (v128.const i32x4 4 5 6 7))
            (local.set $at (i32.add (local.get $at) (i32.const 16)))
            (block $lanesDone
              (loop $lanes
                (br_if $lanesDone (i32.ge_u (local.get $at) (local.get $fours)))
                (local.set $value
                  (f32x4.add (f32x4.mul (local.get $scale) (v128.load (local.get $at))) (v128.load (local.get $bias))))
                (local.set $bias (i32.add (local.get $bias) (i32.const 16)))
                (local.set $lower (f32x4.lt (local.get $value) (local.get $bests)))
                (local.set $seconds
                  (v128.bitselect (local.get $bests) (f32x4.pmin (local.get $seconds) (local.get $value)) (local.get $lower)))
                (local.set $bests (f32x4.pmin (local.get $bests) (local.get $value)))
                (local.set $columns (v128.bitselect (local.get $here) (local.get $columns) (local.get $lower)))
                (local.set $here (i32x4.add (local.get $here) (i32x4.splat (i32.const 4))))
                (local.set $at (i32.add (local.get $at) (i32.const 16)))
                (br $lanes)))
            ;; Merge the lanes: the lowest score; among the lanes holding it the lowest column (lanes
            ;; hold different columns, so one lane is chosen); the second-lowest is the chosen lane's
            ;; second or another lane's lowest.
            (local.set $value (call $lowestLane (local.get $bests)))
            (local.set $lower
              (call $lowestLaneInt
                (v128.bitselect (local.get $columns) (i32x4.splat (i32.const 0x7fffffff)) (f32x4.eq (local.get $bests) (local.get $value)))))
            (local.set $best (f32x4.extract_lane 0 (local.get $value)))
            (local.set $bestColumn (i32x4.extract_lane 0 (local.get $lower)))
            (local.set $secondBest
              (f32x4.extract_lane 0
                (call $lowestLane
                  (v128.bitselect (local.get $seconds) (local.get $bests) (i32x4.eq (local.get $columns) (local.get $lower))))))
            (local.set $column (i32.and (local.get $k) (i32.const -4)))))
        ;; The last k mod 4 columns (all of them when k < 4), each after every column seen so far.
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $score
              (f32.add (f32.mul (local.get $rowScale) (f32.load (local.get $at))) (f32.load (local.get $bias))))
            (local.set $bias (i32.add (local.get $bias) (i32.const 4)))
            (if (f32.lt (local.get $score) (local.get $best))
              (then
                (local.set $secondBest (local.get $best))
                (local.set $best (local.get $score))
                (local.set $bestColumn (local.get $column)))
              (else
                (if (f32.lt (local.get $score) (local.get $secondBest)) (then (local.set $secondBest (local.get $score))))))
            (local.set $column (i32.add (local.get $column) (i32.const 1)))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))
            (br $tail)))
        (i32.store (i32.add (local.get $nearest) (i32.shl (local.get $row) (i32.const 2))) (local.get $bestColumn))
        (f32.store (i32.add (local.get $first) (i32.shl (local.get $row) (i32.const 2))) (local.get $best))
        (f32.store (i32.add (local.get $second) (i32.shl (local.get $row) (i32.const 2))) (local.get $secondBest))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows)))))
