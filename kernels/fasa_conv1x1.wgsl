// 1×1 convolution on channel-first maps, a batch of images along workgroup z:
//   y[b, Co, P] = act(W[Co, Ci] · x[b, Ci, P] + bias[Co]) (+ res[b, Co, P] when has_res)
// (P = pixels; conv weight [Co, Ci, 1, 1] is W row-major). act: 0 none, 1 exact (erf) GELU (FAT's
// ConvFFN fc1); res is the residual stream a backbone adds here instead of in a separate pass.
// A GEMM with the activation in [K, N] layout, so no transposes are needed around it. 64×64 output
// tile per workgroup, 16×16 threads each computing a 4×4 micro-tile, K in steps of 16 through
// workgroup memory (8 KiB).
struct Params { Co: u32, P: u32, Ci: u32, act: u32, has_res: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> res: array<f32>;
@group(0) @binding(5) var<uniform> U: Params;

const TM: u32 = 64u; // output channels per tile
const TN: u32 = 64u; // pixels per tile
const TK: u32 = 16u;
var<workgroup> ws: array<f32, 1024>; // [k][co]
var<workgroup> xs: array<f32, 1024>; // [k][pixel]

//#include gelu.wgsl

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let co0 = wg.y * TM;
  let p0 = wg.x * TN;
  let xo = wg.z * U.Ci * U.P;
  let yo = wg.z * U.Co * U.P;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  let nk = (U.Ci + TK - 1u) / TK;
  for (var t = 0u; t < nk; t++) {
    let k0 = t * TK;
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      // weights: consecutive threads walk k (contiguous in a weight row)
      let wk = e % TK;
      let wm = e / TK;
      var wv = 0.0;
      if (co0 + wm < U.Co && k0 + wk < U.Ci) { wv = w[(co0 + wm) * U.Ci + k0 + wk]; }
      ws[wk * TM + wm] = wv;
      // activations: consecutive threads walk pixels (contiguous in a channel plane)
      let xn = e % TN;
      let xk = e / TN;
      var xv = 0.0;
      if (p0 + xn < U.P && k0 + xk < U.Ci) { xv = x[xo + (k0 + xk) * U.P + p0 + xn]; }
      xs[xk * TN + xn] = xv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var c: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = ws[kk * TM + lid.y * 4u + i];
        c[i] = xs[kk * TN + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] = fma(a[i], c[j], acc[i * 4u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let co = co0 + lid.y * 4u + i;
    if (co >= U.Co) { continue; }
    let bias = b[co];
    for (var j = 0u; j < 4u; j++) {
      let px = p0 + lid.x * 4u + j;
      if (px >= U.P) { continue; }
      let idx = yo + co * U.P + px;
      var v = acc[i * 4u + j] + bias;
      if (U.act == 1u) { v = gelu(v); }
      if (U.has_res != 0u) { v += res[idx]; }
      y[idx] = v;
    }
  }
}
