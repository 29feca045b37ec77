// Linear with a fused epilogue: y[M, N] = act(x[M, K] · W[N, K]ᵀ + b[N]) (+ y[M, N] when
// `accumulate`: the residual stream is updated in place, each element by the thread that owns it).
// act: 0 none, 1 Hardswish, 2 exact (erf) GELU. Tiling as linear.wgsl: 64×64 output tile per
// workgroup, 16×16 threads with 4×4 micro-tiles, K in steps of 16 through workgroup memory.
struct Params { M: u32, N: u32, K: u32, has_bias: u32, act: u32, accumulate: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;
var<workgroup> xs: array<f32, 1024>; // [k][m]
var<workgroup> ws: array<f32, 1024>; // [k][n]

//#include gelu.wgsl

fn activate(v: f32) -> f32 {
  if (P.act == 1u) { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }
  if (P.act == 2u) { return gelu(v); }
  return v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  let nk = (P.K + TK - 1u) / TK;
  for (var t = 0u; t < nk; t++) {
    let k0 = t * TK;
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      let kk = e % TK;
      let mm = e / TK;
      let gr = row0 + mm;
      let gk = k0 + kk;
      var xv = 0.0;
      if (gr < P.M && gk < P.K) { xv = x[gr * P.K + gk]; }
      xs[kk * TM + mm] = xv;
      let gc = col0 + mm;
      var wv = 0.0;
      if (gc < P.N && gk < P.K) { wv = w[gc * P.K + gk]; }
      ws[kk * TN + mm] = wv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var c: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = xs[kk * TM + lid.y * 4u + i];
        c[i] = ws[kk * TN + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] = fma(a[i], c[j], acc[i * 4u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= P.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let cidx = col0 + lid.x * 4u + j;
      if (cidx >= P.N) { continue; }
      var v = acc[i * 4u + j];
      if (P.has_bias != 0u) { v += b[cidx]; }
      v = activate(v);
      let o = r * P.N + cidx;
      if (P.accumulate != 0u) { v += y[o]; }
      y[o] = v;
    }
  }
}
