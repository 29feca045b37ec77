// The log-decay maps (only when maps are requested; the scans compute γ themselves): every gate
// channel j ∈ [0, 2K) of every token (lib/gla_gate.wgsl), written head-major as
// gam [B, 2, heads, L, dk]: each half is the fixture map log_decay_f / log_decay_b.
struct Params { L: u32, K: u32, dk: u32, heads: u32, stride: u32, zoff: u32, r: u32, inv_tau: f32, use_clamp: u32, clamp_min: f32 }
@group(0) @binding(0) var<storage, read> proj: array<f32>; // [B, L, stride], z0 at zoff
@group(0) @binding(1) var<storage, read> w1: array<f32>;
@group(0) @binding(2) var<storage, read> b1: array<f32>;
@group(0) @binding(3) var<storage, read_write> gam: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

//#include lib/gla_gate.wgsl

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let t = gid.y;
  if (j >= 2u * P.K) { return; }
  let b = gid.z;
  let n = (j % P.K) / P.dk;
  gam[(((b * 2u + j / P.K) * P.heads + n) * P.L + t) * P.dk + j % P.dk] = log_decay(b * P.L + t, j);
}
