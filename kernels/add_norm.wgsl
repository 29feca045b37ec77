// Row-wise residual add + norm + activation, one workgroup per row of [rows, C] (all five families):
//   v   = x[r] + d                                   (d optional:)
//     d = delta[r mod delta_rows]                    a residual branch, or the abs pos embed
//                                                    broadcast over the batch
//     d = Σ_z part[z, r]                             or a split-K Linear's partial sums, added in
//                                                    order: the bits of gemm_splitk_reduce.wgsl,
//                                                    without its launch
//     then d ⊙ dvec (dvec_mode 1: a layer scale) or d + dvec (2: the split Linear's bias)
//   sum = v                                          (written when write_sum: the residual stream)
//   out = act(norm(v) ⊙ w + b)                       (norm: none / RMSNorm / LayerNorm (biased var))
// act: 0 none, 1 SiLU, 2 exact (erf) GELU. The passes are lib/row_norm.wgsl's.
struct Params {
  rows: u32, C: u32, delta_rows: u32, has_delta: u32, splits: u32,
  dvec_mode: u32, mode: u32, has_bias: u32, act: u32,
  write_sum: u32, eps: f32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> delta: array<f32>;
@group(0) @binding(2) var<storage, read> part: array<f32>; // keep-f32: split-K partial sums
@group(0) @binding(3) var<storage, read> dvec: array<f32>;
@group(0) @binding(4) var<storage, read> nw: array<f32>;
@group(0) @binding(5) var<storage, read> nb: array<f32>;
@group(0) @binding(6) var<storage, read_write> sum: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<uniform> P: Params;

const WG: u32 = 64u;

fn value(r: u32, c: u32) -> f32 {
  var v = x[r * P.C + c];
  if (P.has_delta != 0u) {
    var d = 0.0;
    if (P.splits == 0u) {
      d = delta[(r % P.delta_rows) * P.C + c];
    } else {
      // four loads in flight, then added one by one in split order (the reduce kernel's sum)
      let stride = P.rows * P.C;
      var i = r * P.C + c;
      var z = 0u;
      for (; z + 4u <= P.splits; z += 4u) {
        let p0 = part[i];
        let p1 = part[i + stride];
        let p2 = part[i + 2u * stride];
        let p3 = part[i + 3u * stride];
        d = (((d + p0) + p1) + p2) + p3;
        i += 4u * stride;
      }
      for (; z < P.splits; z++) {
        d += part[i];
        i += stride;
      }
    }
    if (P.dvec_mode == 1u) { d *= dvec[c]; }
    if (P.dvec_mode == 2u) { d += dvec[c]; }
    v += d;
  }
  return v;
}

//#include lib/gelu.wgsl

fn activate(v: f32) -> f32 {
  if (P.act == 1u) { return v / (1.0 + exp(-v)); }
  if (P.act == 2u) { return gelu(v); }
  return v;
}

//#include lib/row_norm.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.y * nwg.x + wg.x;
  if (r >= P.rows) { return; } // whole workgroup leaves together: barriers stay uniform
  row_norm(r, lid.x, sg_size, P.C, P.write_sum != 0u, P.mode, P.has_bias != 0u, P.eps);
}
