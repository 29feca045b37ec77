// LITv2's DTM tail, which kernels/add_norm.wgsl would need a dispatch before: one workgroup of 64
// threads per row r of [rows, C] computes v = GELU(a[r]·p1 + p2) (eval BatchNorm folded on the CPU
// into a per-channel scale p1 and shift p2, then exact GELU), writes it to `sum` (the next stage's
// stream) and, when mode = 2, out = LayerNorm(v)·nw + nb (lib/row_norm.wgsl's passes). v is the same
// float operations as the two dispatches it replaces, so results are equal.
struct Params { rows: u32, C: u32, mode: u32, has_nb: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> p1: array<f32>;
@group(0) @binding(2) var<storage, read> p2: array<f32>;
@group(0) @binding(3) var<storage, read> nw: array<f32>;
@group(0) @binding(4) var<storage, read> nb: array<f32>;
@group(0) @binding(5) var<storage, read_write> sum: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<uniform> P: Params;

const WG: u32 = 64u;

//#include lib/gelu.wgsl

fn value(r: u32, c: u32) -> f32 {
  return gelu(fma(a[r * P.C + c], p1[c], p2[c]));
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
