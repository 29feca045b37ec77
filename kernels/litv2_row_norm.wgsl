// LITv2 row tails that kernels/add_norm.wgsl (residual add + LayerNorm) would need a dispatch
// before: one workgroup of 64 threads per row r of [rows, C] computes v, writes it to `sum` (the
// residual stream) and, when mode = 2, out = LayerNorm(v)·nw + nb (lib/row_norm.wgsl's passes).
//   src 0, the DTM tail: v = GELU(a[r]·p1 + p2)  (eval BatchNorm folded on the CPU into a
//                        per-channel scale p1 and shift p2, then exact GELU);
//   src 1, a split-K Linear then the residual: v = a[r] + (p1 + Σ_z part[z, r])  (the splits summed
//                        in order, bias last, as gemm_splitk_reduce.wgsl; p1 unused unless has_p1).
// Each v is the same float operations as the two dispatches it replaces, so results are equal.
struct Params { rows: u32, C: u32, src: u32, splits: u32, has_p1: u32, mode: u32, has_nb: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> part: array<f32>; // keep-f32: split-K partial sums
@group(0) @binding(2) var<storage, read> p1: array<f32>;
@group(0) @binding(3) var<storage, read> p2: array<f32>;
@group(0) @binding(4) var<storage, read> nw: array<f32>;
@group(0) @binding(5) var<storage, read> nb: array<f32>;
@group(0) @binding(6) var<storage, read_write> sum: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<uniform> P: Params;

const WG: u32 = 64u;

//#include lib/gelu.wgsl

fn value(r: u32, c: u32) -> f32 {
  let i = r * P.C + c;
  if (P.src == 0u) {
    return gelu(fma(a[i], p1[c], p2[c]));
  }
  var d = 0.0;
  for (var z = 0u; z < P.splits; z++) { d += part[z * P.rows * P.C + i]; }
  if (P.has_p1 != 0u) { d += p1[c]; }
  return a[i] + d;
}

fn activate(v: f32) -> f32 { return v; }

//#include lib/row_norm.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.y * nwg.x + wg.x;
  if (r >= P.rows) { return; } // whole workgroup leaves together: barriers stay uniform
  // mode 2: LayerNorm after writing v; any other mode: v only
  row_norm(r, lid.x, sg_size, P.C, true, select(0u, 2u, P.mode == 2u), P.has_nb != 0u, P.eps);
}
