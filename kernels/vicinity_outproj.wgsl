// out_proj with the module's tail fused into the epilogue:
//   y[m, n] = clampA(v + v·s[m / L, n]),  v = clampA(Σ_k o[m, k]·W[n, k] + b[n])
// (o [B·L, r], W [C, r] torch layout, s the SE gate [B, C]). Tiling as linear.wgsl: 64×64 output
// tile, 16×16 threads with 4×4 micro-tiles, K in steps of 16 through workgroup memory.
struct Params { M: u32, N: u32, K: u32, L: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> s: array<f32>; // keep-f32: partial sums
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;
var<workgroup> xs: array<f32, 1024>; // [k][m]
var<workgroup> ws: array<f32, 1024>; // [k][n]

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

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
    let srow = (r / P.L) * P.N;
    for (var j = 0u; j < 4u; j++) {
      let cidx = col0 + lid.x * 4u + j;
      if (cidx >= P.N) { continue; }
      let v = abs_clamp(acc[i * 4u + j] + b[cidx]);
      y[r * P.N + cidx] = abs_clamp(v + v * s[srow + cidx]);
    }
  }
}
