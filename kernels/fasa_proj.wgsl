// FASA's 1×1 convs before the attention, two GEMM problems in one launch (a grouped GEMM on
// lib/gemm.wgsl; workgroups [0, n0) take problem 0, the rest problem 1, a batch along z):
//   0: out0[C, N] = W0 · x0[C, N] + b0                      (the query conv; n0 = 0: none)
//   1: out1[Co1, P1] = W1 · D(x1) + b1, D = the pooling step DW 5×5 stride 2 pad 2 (BN folded)
//      of x1 [C, H1, W1], computed where the GEMM reads its B operand (25 fma a value), or the
//      identity when pool = 0 (ws = 1: kv reads x itself). W1 is `kv` after the last pooling
//      step, `linear{t}` after the others.
// Every weight lives in one packed buffer `wt` (offsets a0, b0, a1, b1, dw, db in floats).
struct Params { C: u32, N: u32, n0: u32, Co1: u32, H1: u32, W1: u32, Wo1: u32, P1: u32, pool: u32, a0: u32, b0: u32, a1: u32, b1: u32, dw: u32, db: u32 }
@group(0) @binding(0) var<storage, read> x0: array<f32>;
@group(0) @binding(1) var<storage, read> x1: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> out0: array<f32>;
@group(0) @binding(4) var<storage, read_write> out1: array<f32>;
@group(0) @binding(5) var<uniform> U: Params;

//#include lib/gemm.wgsl

var<private> prob: u32;
var<private> img: u32;

const MM_B_ALONG_N = true;
fn mm_readA(m: u32, k: u32) -> f32 { return wt[select(U.a0, U.a1, prob == 1u) + m * U.C + k]; }
fn mm_readB(k: u32, p: u32) -> f32 {
  if (prob == 0u) { return x0[(img * U.C + k) * U.N + p]; }
  let plane = (img * U.C + k) * U.H1 * U.W1;
  if (U.pool == 0u) { return x1[plane + p]; }
  let oy = i32(p / U.Wo1) * 2 - 2;
  let ox = i32(p % U.Wo1) * 2 - 2;
  var s = wt[U.db + k];
  for (var ky = 0; ky < 5; ky++) {
    let iy = oy + ky;
    if (iy < 0 || iy >= i32(U.H1)) { continue; }
    for (var kx = 0; kx < 5; kx++) {
      let ix = ox + kx;
      if (ix < 0 || ix >= i32(U.W1)) { continue; }
      s = fma(x1[plane + u32(iy) * U.W1 + u32(ix)], wt[U.dw + k * 25u + u32(ky * 5 + kx)], s);
    }
  }
  return s;
}
fn mm_write(m: u32, p: u32, s: f32) {
  if (prob == 0u) {
    out0[(img * U.C + m) * U.N + p] = s + wt[U.b0 + m];
  } else {
    out1[(img * U.Co1 + m) * U.P1 + p] = s + wt[U.b1 + m];
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  img = wg.z;
  let one = wg.x >= U.n0;
  prob = select(0u, 1u, one);
  let t = select(wg.x, wg.x - U.n0, one);
  let P = select(U.N, U.P1, one);
  let tn = (P + MM_TN - 1u) / MM_TN;
  mm_tile((t / tn) * MM_TM, (t % tn) * MM_TN, lid, select(U.C, U.Co1, one), P, U.C, 0u, mm_steps(U.C));
}
