;; The MLP's two dense-layer loops (model/dense-kernels.ts) in WebAssembly with 128-bit SIMD
;; (issue 19: MLP [32] at 1 M samples/s). Same contract as the JavaScript kernels, and the same
;; arithmetic: every output is ONE running sum, formed in the order of the plain loops (a unit's
;; pre-activation: bias, then inputs i = 0, 1, ...; a weight gradient: rows k = 0, 1, ... of the
;; batch, then added to the gradient once). The two lanes of an f64x2 are two DIFFERENT outputs
;; (neighbouring units o, o + 1, which sit next to each other in W, in the activations and in the
;; deltas), never two halves of one sum, and f64x2.mul then f64x2.add round exactly as JavaScript's
;; `a += u * w` does (WebAssembly has no fused multiply-add outside relaxed-simd). So the results
;; are bit-identical to the JavaScript kernels (test/model/dense-wasm.test.ts).
;;
;; Blocking: two rows (forward) or two inputs (gradient) x eight units = eight f64x2 accumulators,
;; two splatted scalars and four loaded vectors: 14 of the 16 x64 vector registers, sixteen
;; multiply-adds per six loads. Widths that are not a multiple of 8 finish with blocks of 2 units
;; and a scalar unit. An odd last row (or input) runs as a pair with itself, its duplicate written
;; to `scratch` (room for outputSize doubles), so each block has one code path.
;;
;; All addresses are byte offsets into the exported memory; values are float64, row-major as in
;; model/mlp.ts: W [inputSize x outputSize] (W[i*outputSize + o]), activations and deltas
;; [count x width]. Unaligned v128 accesses are allowed; the caller keeps regions 16-byte aligned.
;; Assembled by scripts/build-wasm.mjs (wabt) into src/model/wasm/dense-kernels-bytes.ts.
(module
  (memory (export "memory") 1)

  ;; out[k, o] = b[o] + sum_i in[k, i] * W[i, o] for rows k < count, then ReLU when $relu is 1:
  ;; x < 0 ? 0 : x, exactly JavaScript's `if (x < 0) x = 0` (-0 and NaN kept), which is what
  ;; f64x2.pmax(x, 0) computes (pmax(a, b) = a < b ? b : a).
  (func (export "denseForward")
    (param $W i32) (param $B i32) (param $in i32) (param $inSize i32)
    (param $out i32) (param $outSize i32) (param $count i32) (param $scratch i32) (param $relu i32)
    (local $k i32) (local $o i32) (local $inStride i32) (local $wStride i32)
    (local $in0 i32) (local $in1 i32) (local $out0 i32) (local $out1 i32) (local $off i32)
    (local.set $inStride (i32.shl (local.get $inSize) (i32.const 3)))
    (local.set $wStride (i32.shl (local.get $outSize) (i32.const 3)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $in0 (i32.add (local.get $in) (i32.mul (local.get $k) (local.get $inStride))))
        (local.set $out0 (i32.add (local.get $out) (i32.mul (local.get $k) (local.get $wStride))))
        (if (i32.lt_u (i32.add (local.get $k) (i32.const 1)) (local.get $count))
          (then
            (local.set $in1 (i32.add (local.get $in0) (local.get $inStride)))
            (local.set $out1 (i32.add (local.get $out0) (local.get $wStride))))
          (else
            (local.set $in1 (local.get $in0))
            (local.set $out1 (local.get $scratch))))
        (local.set $o (i32.const 0))
        (block $blocks8Done
          (loop $blocks8
            (br_if $blocks8Done (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $outSize)))
            (local.set $off (i32.shl (local.get $o) (i32.const 3)))
            (call $forward8
              (i32.add (local.get $W) (local.get $off)) (i32.add (local.get $B) (local.get $off))
              (local.get $in0) (local.get $in1) (local.get $inStride) (local.get $wStride)
              (i32.add (local.get $out0) (local.get $off)) (i32.add (local.get $out1) (local.get $off))
              (local.get $relu))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $blocks8)))
        (block $blocks2Done
          (loop $blocks2
            (br_if $blocks2Done (i32.gt_u (i32.add (local.get $o) (i32.const 2)) (local.get $outSize)))
            (local.set $off (i32.shl (local.get $o) (i32.const 3)))
            (call $forward2
              (i32.add (local.get $W) (local.get $off)) (i32.add (local.get $B) (local.get $off))
              (local.get $in0) (local.get $in1) (local.get $inStride) (local.get $wStride)
              (i32.add (local.get $out0) (local.get $off)) (i32.add (local.get $out1) (local.get $off))
              (local.get $relu))
            (local.set $o (i32.add (local.get $o) (i32.const 2)))
            (br $blocks2)))
        (if (i32.lt_u (local.get $o) (local.get $outSize))
          (then
            (local.set $off (i32.shl (local.get $o) (i32.const 3)))
            (call $forward1
              (i32.add (local.get $W) (local.get $off)) (i32.add (local.get $B) (local.get $off))
              (local.get $in0) (local.get $in1) (local.get $inStride) (local.get $wStride)
              (i32.add (local.get $out0) (local.get $off)) (i32.add (local.get $out1) (local.get $off))
              (local.get $relu))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $rows))))

  ;; Two rows (in0, in1) x units o .. o+7; $w, $b, $out0, $out1 already point at unit o.
  (func $forward8
    (param $w i32) (param $b i32) (param $in0 i32) (param $in1 i32) (param $inStride i32) (param $wStride i32)
    (param $out0 i32) (param $out1 i32) (param $relu i32)
    (local $p i32) (local $end i32) (local $q i32) (local $u v128) (local $v v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $a0 (v128.load offset=0 (local.get $b)))
    (local.set $a1 (v128.load offset=16 (local.get $b)))
    (local.set $a2 (v128.load offset=32 (local.get $b)))
    (local.set $a3 (v128.load offset=48 (local.get $b)))
    (local.set $b0 (local.get $a0))
    (local.set $b1 (local.get $a1))
    (local.set $b2 (local.get $a2))
    (local.set $b3 (local.get $a3))
    (local.set $p (local.get $in0))
    (local.set $q (local.get $in1))
    (local.set $end (i32.add (local.get $in0) (local.get $inStride)))
    (block $done
      (loop $inputs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $u (f64x2.splat (f64.load (local.get $p))))
        (local.set $v (f64x2.splat (f64.load (local.get $q))))
        (local.set $w0 (v128.load offset=0 (local.get $w)))
        (local.set $w1 (v128.load offset=16 (local.get $w)))
        (local.set $w2 (v128.load offset=32 (local.get $w)))
        (local.set $w3 (v128.load offset=48 (local.get $w)))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $u) (local.get $w0))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $u) (local.get $w1))))
        (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $u) (local.get $w2))))
        (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $u) (local.get $w3))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $v) (local.get $w0))))
        (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $v) (local.get $w1))))
        (local.set $b2 (f64x2.add (local.get $b2) (f64x2.mul (local.get $v) (local.get $w2))))
        (local.set $b3 (f64x2.add (local.get $b3) (f64x2.mul (local.get $v) (local.get $w3))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (local.set $w (i32.add (local.get $w) (local.get $wStride)))
        (br $inputs)))
    (if (local.get $relu)
      (then
        (local.set $a0 (f64x2.pmax (local.get $a0) (v128.const f64x2 0 0)))
        (local.set $a1 (f64x2.pmax (local.get $a1) (v128.const f64x2 0 0)))
        (local.set $a2 (f64x2.pmax (local.get $a2) (v128.const f64x2 0 0)))
        (local.set $a3 (f64x2.pmax (local.get $a3) (v128.const f64x2 0 0)))
        (local.set $b0 (f64x2.pmax (local.get $b0) (v128.const f64x2 0 0)))
        (local.set $b1 (f64x2.pmax (local.get $b1) (v128.const f64x2 0 0)))
        (local.set $b2 (f64x2.pmax (local.get $b2) (v128.const f64x2 0 0)))
        (local.set $b3 (f64x2.pmax (local.get $b3) (v128.const f64x2 0 0)))))
    (v128.store offset=0 (local.get $out0) (local.get $a0))
    (v128.store offset=16 (local.get $out0) (local.get $a1))
    (v128.store offset=32 (local.get $out0) (local.get $a2))
    (v128.store offset=48 (local.get $out0) (local.get $a3))
    (v128.store offset=0 (local.get $out1) (local.get $b0))
    (v128.store offset=16 (local.get $out1) (local.get $b1))
    (v128.store offset=32 (local.get $out1) (local.get $b2))
    (v128.store offset=48 (local.get $out1) (local.get $b3)))

  ;; Two rows x units o, o+1.
  (func $forward2
    (param $w i32) (param $b i32) (param $in0 i32) (param $in1 i32) (param $inStride i32) (param $wStride i32)
    (param $out0 i32) (param $out1 i32) (param $relu i32)
    (local $p i32) (local $end i32) (local $q i32) (local $w0 v128) (local $a0 v128) (local $b0 v128)
    (local.set $a0 (v128.load (local.get $b)))
    (local.set $b0 (local.get $a0))
    (local.set $p (local.get $in0))
    (local.set $q (local.get $in1))
    (local.set $end (i32.add (local.get $in0) (local.get $inStride)))
    (block $done
      (loop $inputs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $w0 (v128.load (local.get $w)))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (f64x2.splat (f64.load (local.get $p))) (local.get $w0))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (f64x2.splat (f64.load (local.get $q))) (local.get $w0))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (local.set $w (i32.add (local.get $w) (local.get $wStride)))
        (br $inputs)))
    (if (local.get $relu)
      (then
        (local.set $a0 (f64x2.pmax (local.get $a0) (v128.const f64x2 0 0)))
        (local.set $b0 (f64x2.pmax (local.get $b0) (v128.const f64x2 0 0)))))
    (v128.store (local.get $out0) (local.get $a0))
    (v128.store (local.get $out1) (local.get $b0)))

  ;; Two rows x unit o (the last unit of an odd width).
  (func $forward1
    (param $w i32) (param $b i32) (param $in0 i32) (param $in1 i32) (param $inStride i32) (param $wStride i32)
    (param $out0 i32) (param $out1 i32) (param $relu i32)
    (local $p i32) (local $end i32) (local $q i32) (local $w0 f64) (local $a0 f64) (local $b0 f64)
    (local.set $a0 (f64.load (local.get $b)))
    (local.set $b0 (local.get $a0))
    (local.set $p (local.get $in0))
    (local.set $q (local.get $in1))
    (local.set $end (i32.add (local.get $in0) (local.get $inStride)))
    (block $done
      (loop $inputs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $w0 (f64.load (local.get $w)))
        (local.set $a0 (f64.add (local.get $a0) (f64.mul (f64.load (local.get $p)) (local.get $w0))))
        (local.set $b0 (f64.add (local.get $b0) (f64.mul (f64.load (local.get $q)) (local.get $w0))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (local.set $w (i32.add (local.get $w) (local.get $wStride)))
        (br $inputs)))
    (if (local.get $relu)
      (then
        (if (f64.lt (local.get $a0) (f64.const 0)) (then (local.set $a0 (f64.const 0))))
        (if (f64.lt (local.get $b0) (f64.const 0)) (then (local.set $b0 (f64.const 0))))))
    (f64.store (local.get $out0) (local.get $a0))
    (f64.store (local.get $out1) (local.get $b0)))

  ;; grad[W[i, o]] += sum_k in[k, i] * delta[k, o]: the sum over the batch formed first, in row
  ;; order, then added once.
  (func (export "denseWeightGradient")
    (param $in i32) (param $inSize i32) (param $delta i32) (param $outSize i32) (param $count i32)
    (param $grad i32) (param $scratch i32)
    (local $i i32) (local $o i32) (local $inStride i32) (local $outStride i32)
    (local $a0 i32) (local $a1 i32) (local $g0 i32) (local $g1 i32) (local $off i32)
    (local.set $inStride (i32.shl (local.get $inSize) (i32.const 3)))
    (local.set $outStride (i32.shl (local.get $outSize) (i32.const 3)))
    (block $inputsDone
      (loop $inputs
        (br_if $inputsDone (i32.ge_u (local.get $i) (local.get $inSize)))
        (local.set $a0 (i32.add (local.get $in) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $g0 (i32.add (local.get $grad) (i32.mul (local.get $i) (local.get $outStride))))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $inSize))
          (then
            (local.set $a1 (i32.add (local.get $a0) (i32.const 8)))
            (local.set $g1 (i32.add (local.get $g0) (local.get $outStride))))
          (else
            (local.set $a1 (local.get $a0))
            (local.set $g1 (local.get $scratch))))
        (local.set $o (i32.const 0))
        (block $blocks8Done
          (loop $blocks8
            (br_if $blocks8Done (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $outSize)))
            (local.set $off (i32.shl (local.get $o) (i32.const 3)))
            (call $gradient8
              (local.get $a0) (local.get $a1) (local.get $inStride)
              (i32.add (local.get $delta) (local.get $off)) (local.get $outStride) (local.get $count)
              (i32.add (local.get $g0) (local.get $off)) (i32.add (local.get $g1) (local.get $off)))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $blocks8)))
        (block $blocks2Done
          (loop $blocks2
            (br_if $blocks2Done (i32.gt_u (i32.add (local.get $o) (i32.const 2)) (local.get $outSize)))
            (local.set $off (i32.shl (local.get $o) (i32.const 3)))
            (call $gradient2
              (local.get $a0) (local.get $a1) (local.get $inStride)
              (i32.add (local.get $delta) (local.get $off)) (local.get $outStride) (local.get $count)
              (i32.add (local.get $g0) (local.get $off)) (i32.add (local.get $g1) (local.get $off)))
            (local.set $o (i32.add (local.get $o) (i32.const 2)))
            (br $blocks2)))
        (if (i32.lt_u (local.get $o) (local.get $outSize))
          (then
            (local.set $off (i32.shl (local.get $o) (i32.const 3)))
            (call $gradient1
              (local.get $a0) (local.get $a1) (local.get $inStride)
              (i32.add (local.get $delta) (local.get $off)) (local.get $outStride) (local.get $count)
              (i32.add (local.get $g0) (local.get $off)) (i32.add (local.get $g1) (local.get $off)))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $inputs))))

  ;; Two inputs (column addresses a0, a1 in row 0) x units o .. o+7; $e, $g0, $g1 point at unit o.
  (func $gradient8
    (param $a0 i32) (param $a1 i32) (param $inStride i32) (param $e i32) (param $outStride i32) (param $count i32)
    (param $g0 i32) (param $g1 i32)
    (local $k i32) (local $u v128) (local $v v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $u (f64x2.splat (f64.load (local.get $a0))))
        (local.set $v (f64x2.splat (f64.load (local.get $a1))))
        (local.set $d0 (v128.load offset=0 (local.get $e)))
        (local.set $d1 (v128.load offset=16 (local.get $e)))
        (local.set $d2 (v128.load offset=32 (local.get $e)))
        (local.set $d3 (v128.load offset=48 (local.get $e)))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $u) (local.get $d0))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $u) (local.get $d1))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $u) (local.get $d2))))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $u) (local.get $d3))))
        (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $v) (local.get $d0))))
        (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $v) (local.get $d1))))
        (local.set $t2 (f64x2.add (local.get $t2) (f64x2.mul (local.get $v) (local.get $d2))))
        (local.set $t3 (f64x2.add (local.get $t3) (f64x2.mul (local.get $v) (local.get $d3))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $inStride)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $inStride)))
        (local.set $e (i32.add (local.get $e) (local.get $outStride)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rows)))
    (v128.store offset=0 (local.get $g0) (f64x2.add (v128.load offset=0 (local.get $g0)) (local.get $s0)))
    (v128.store offset=16 (local.get $g0) (f64x2.add (v128.load offset=16 (local.get $g0)) (local.get $s1)))
    (v128.store offset=32 (local.get $g0) (f64x2.add (v128.load offset=32 (local.get $g0)) (local.get $s2)))
    (v128.store offset=48 (local.get $g0) (f64x2.add (v128.load offset=48 (local.get $g0)) (local.get $s3)))
    (v128.store offset=0 (local.get $g1) (f64x2.add (v128.load offset=0 (local.get $g1)) (local.get $t0)))
    (v128.store offset=16 (local.get $g1) (f64x2.add (v128.load offset=16 (local.get $g1)) (local.get $t1)))
    (v128.store offset=32 (local.get $g1) (f64x2.add (v128.load offset=32 (local.get $g1)) (local.get $t2)))
    (v128.store offset=48 (local.get $g1) (f64x2.add (v128.load offset=48 (local.get $g1)) (local.get $t3))))

  ;; Two inputs x units o, o+1.
  (func $gradient2
    (param $a0 i32) (param $a1 i32) (param $inStride i32) (param $e i32) (param $outStride i32) (param $count i32)
    (param $g0 i32) (param $g1 i32)
    (local $k i32) (local $d0 v128) (local $s0 v128) (local $t0 v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $d0 (v128.load (local.get $e)))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (f64x2.splat (f64.load (local.get $a0))) (local.get $d0))))
        (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (f64x2.splat (f64.load (local.get $a1))) (local.get $d0))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $inStride)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $inStride)))
        (local.set $e (i32.add (local.get $e) (local.get $outStride)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rows)))
    (v128.store (local.get $g0) (f64x2.add (v128.load (local.get $g0)) (local.get $s0)))
    (v128.store (local.get $g1) (f64x2.add (v128.load (local.get $g1)) (local.get $t0))))

  ;; Two inputs x unit o (the last unit of an odd width).
  (func $gradient1
    (param $a0 i32) (param $a1 i32) (param $inStride i32) (param $e i32) (param $outStride i32) (param $count i32)
    (param $g0 i32) (param $g1 i32)
    (local $k i32) (local $d0 f64) (local $s0 f64) (local $t0 f64)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $d0 (f64.load (local.get $e)))
        (local.set $s0 (f64.add (local.get $s0) (f64.mul (f64.load (local.get $a0)) (local.get $d0))))
        (local.set $t0 (f64.add (local.get $t0) (f64.mul (f64.load (local.get $a1)) (local.get $d0))))
        (local.set $a0 (i32.add (local.get $a0) (local.get $inStride)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $inStride)))
        (local.set $e (i32.add (local.get $e) (local.get $outStride)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rows)))
    (f64.store (local.get $g0) (f64.add (f64.load (local.get $g0)) (local.get $s0)))
    (f64.store (local.get $g1) (f64.add (f64.load (local.get $g1)) (local.get $t0))))
;; grad[o] += delta[k, o] for k = 0, 1, ... in row order (the bias gradient), each column
  ;; one running sum started from its gradient entry, eight columns at a time.
  (func (export "columnSums")
    (param $delta i32) (param $outSize i32) (param $count i32) (param $grad i32)
    (local $o i32) (local $k i32) (local $e i32) (local $outStride i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s f64)
    (local.set $outStride (i32.shl (local.get $outSize) (i32.const 3)))
    (block $blocks8Done
      (loop $blocks8
        (br_if $blocks8Done (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $outSize)))
        (local.set $e (i32.add (local.get $delta) (i32.shl (local.get $o) (i32.const 3))))
        (local.set $s0 (v128.load offset=0 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3)))))
        (local.set $s1 (v128.load offset=16 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3)))))
        (local.set $s2 (v128.load offset=32 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3)))))
        (local.set $s3 (v128.load offset=48 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3)))))
        (local.set $k (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $count)))
            (local.set $s0 (f64x2.add (local.get $s0) (v128.load offset=0 (local.get $e))))
            (local.set $s1 (f64x2.add (local.get $s1) (v128.load offset=16 (local.get $e))))
            (local.set $s2 (f64x2.add (local.get $s2) (v128.load offset=32 (local.get $e))))
            (local.set $s3 (f64x2.add (local.get $s3) (v128.load offset=48 (local.get $e))))
            (local.set $e (i32.add (local.get $e) (local.get $outStride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (v128.store offset=0 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3))) (local.get $s0))
        (v128.store offset=16 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3))) (local.get $s1))
        (v128.store offset=32 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3))) (local.get $s2))
        (v128.store offset=48 (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3))) (local.get $s3))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $blocks8)))
    (block $columnsDone
      (loop $columns
        (br_if $columnsDone (i32.ge_u (local.get $o) (local.get $outSize)))
        (local.set $e (i32.add (local.get $delta) (i32.shl (local.get $o) (i32.const 3))))
        (local.set $s (f64.load (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3)))))
        (local.set $k (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $count)))
            (local.set $s (f64.add (local.get $s) (f64.load (local.get $e))))
            (local.set $e (i32.add (local.get $e) (local.get $outStride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $rows)))
        (f64.store (i32.add (local.get $grad) (i32.shl (local.get $o) (i32.const 3))) (local.get $s))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $columns))))

  ;; The output layer's deltas back through a one-unit layer into ReLU units:
  ;; below[k, i] = act[k, i] > 0 ? w[i] * delta[k] : 0 (+0), as JavaScript's
  ;; `below = w * d; if (!(a > 0)) below = 0`, two inputs at a time (a mask, no branch: ReLU
  ;; signs are coin flips, and a mispredicted branch per unit cost more than the multiply).
  (func (export "propagateOneUnitRelu")
    (param $w i32) (param $delta i32) (param $act i32) (param $below i32) (param $inSize i32) (param $count i32)
    (local $k i32) (local $i i32) (local $pairs i32) (local $d v128) (local $ds f64) (local $at i32) (local $wi i32)
    (local.set $pairs (i32.and (local.get $inSize) (i32.const -2)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $ds (f64.load (i32.add (local.get $delta) (i32.shl (local.get $k) (i32.const 3)))))
        (local.set $d (f64x2.splat (local.get $ds)))
        (local.set $i (i32.const 0))
        (block $pairsDone
          (loop $inputs
            (br_if $pairsDone (i32.ge_u (local.get $i) (local.get $pairs)))
            (local.set $at (i32.shl (local.get $i) (i32.const 3)))
            (v128.store (i32.add (local.get $below) (local.get $at))
              (v128.and
                (f64x2.mul (v128.load (i32.add (local.get $w) (local.get $at))) (local.get $d))
                (f64x2.gt (v128.load (i32.add (local.get $act) (local.get $at))) (v128.const f64x2 0 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $inputs)))
        (if (i32.lt_u (local.get $pairs) (local.get $inSize))
          (then
            (local.set $at (i32.shl (local.get $pairs) (i32.const 3)))
            (f64.store (i32.add (local.get $below) (local.get $at))
              (select
                (f64.mul (f64.load (i32.add (local.get $w) (local.get $at))) (local.get $ds))
                (f64.const 0)
                (f64.gt (f64.load (i32.add (local.get $act) (local.get $at))) (f64.const 0))))))
        (local.set $act (i32.add (local.get $act) (i32.shl (local.get $inSize) (i32.const 3))))
        (local.set $below (i32.add (local.get $below) (i32.shl (local.get $inSize) (i32.const 3))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rows))))

  ;; delta[j] = act[j] > 0 ? delta[j] : 0 (+0) for j < length: ReLU's derivative applied as
  ;; JavaScript's `if (!(a > 0)) delta = 0`, two at a time with a mask instead of a branch.
  (func (export "reluMask") (param $act i32) (param $delta i32) (param $length i32)
    (local $end i32) (local $pairsEnd i32)
    (local.set $end (i32.add (local.get $delta) (i32.shl (local.get $length) (i32.const 3))))
    (local.set $pairsEnd (i32.add (local.get $delta) (i32.shl (i32.and (local.get $length) (i32.const -2)) (i32.const 3))))
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.ge_u (local.get $delta) (local.get $pairsEnd)))
        (v128.store (local.get $delta)
          (v128.and (v128.load (local.get $delta)) (f64x2.gt (v128.load (local.get $act)) (v128.const f64x2 0 0))))
        (local.set $delta (i32.add (local.get $delta) (i32.const 16)))
        (local.set $act (i32.add (local.get $act) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $delta) (local.get $end))
      (then
        (f64.store (local.get $delta)
          (select (f64.load (local.get $delta)) (f64.const 0) (f64.gt (f64.load (local.get $act)) (f64.const 0)))))))

  ;; delta[j] *= 1 - act[j] * act[j] for j < length (tanh's derivative from its value), in
  ;; JavaScript's order of operations: a * a, then 1 - that, then the product.
  (func (export "tanhDerivative") (param $act i32) (param $delta i32) (param $length i32)
    (local $end i32) (local $pairsEnd i32) (local $a v128) (local $s f64)
    (local.set $end (i32.add (local.get $delta) (i32.shl (local.get $length) (i32.const 3))))
    (local.set $pairsEnd (i32.add (local.get $delta) (i32.shl (i32.and (local.get $length) (i32.const -2)) (i32.const 3))))
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.ge_u (local.get $delta) (local.get $pairsEnd)))
        (local.set $a (v128.load (local.get $act)))
        (v128.store (local.get $delta)
          (f64x2.mul (v128.load (local.get $delta)) (f64x2.sub (v128.const f64x2 1 1) (f64x2.mul (local.get $a) (local.get $a)))))
        (local.set $delta (i32.add (local.get $delta) (i32.const 16)))
        (local.set $act (i32.add (local.get $act) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $delta) (local.get $end))
      (then
        (local.set $s (f64.load (local.get $act)))
        (f64.store (local.get $delta)
          (f64.mul (f64.load (local.get $delta)) (f64.sub (f64.const 1) (f64.mul (local.get $s) (local.get $s))))))))
)
