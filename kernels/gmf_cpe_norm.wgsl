// GroupMixFormer block entry: ConvPosEnc then norm1, one workgroup per token row of [B·N, C]:
//   t[r] = x[r] + DW3×3(x)[r] + bias        (cpe: depthwise 3×3, pad 1; the residual is inside cpe)
//   u[r] = LayerNorm(t[r])·gamma + beta      (biased variance, eps from P)
// t is kept (the residual stream the attention and the MLP add into), u feeds the attention.
// Each thread re-reads only the t values it wrote itself, so no barrier guards them.
struct Params { rows: u32, N: u32, H: u32, W: u32, C: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dw: array<f32>; // [C, 1, 3, 3]
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> t: array<f32>;
@group(0) @binding(6) var<storage, read_write> u: array<f32>;
@group(0) @binding(7) var<uniform> P: Params;

const WG: u32 = 64u;

//#include lib/wg_reduce.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.y * nwg.x + wg.x;
  if (r >= P.rows) { return; } // whole workgroup leaves together: barriers stay uniform
  let tid = lid.x;
  let img = r / P.N;
  let p = r % P.N;
  let py = i32(p / P.W);
  let px = i32(p % P.W);
  let base = r * P.C;
  var s1 = 0.0;
  for (var c = tid; c < P.C; c += WG) {
    var v = x[base + c] + bias[c];
    for (var ky = 0; ky < 3; ky++) {
      let iy = py + ky - 1;
      if (iy < 0 || iy >= i32(P.H)) { continue; }
      for (var kx = 0; kx < 3; kx++) {
        let ix = px + kx - 1;
        if (ix < 0 || ix >= i32(P.W)) { continue; }
        v = fma(x[(img * P.N + u32(iy) * P.W + u32(ix)) * P.C + c], dw[c * 9u + u32(ky * 3 + kx)], v);
      }
    }
    t[base + c] = v;
    s1 += v;
  }
  let mean = reduce(s1, tid, sg_size) / f32(P.C);
  var s2 = 0.0;
  for (var c = tid; c < P.C; c += WG) {
    let d = t[base + c] - mean;
    s2 = fma(d, d, s2);
  }
  let inv = inverseSqrt(reduce(s2, tid, sg_size) / f32(P.C) + P.eps);
  for (var c = tid; c < P.C; c += WG) {
    u[base + c] = fma((t[base + c] - mean) * inv, gamma[c], beta[c]);
  }
}
