// Direction-wise log-decay γ = logsigmoid(z) / τ (optionally clamped from below), from the
// low-rank gate logits z [L, 2K] (cols [0,K) forward, [K,2K) backward), written head-major as
// gam [2, heads, L, dk]: the scan reads a head's channels contiguously and each half is already
// the fixture map log_decay_f / log_decay_b. z = image of a batch: z [B, L, 2K] → gam [B, 2, heads, L, dk].
struct Params { L: u32, K: u32, dk: u32, heads: u32, inv_tau: f32, use_clamp: u32, clamp_min: f32 }
@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read_write> gam: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

// log(1 + e) without losing small e (WGSL has no log1p)
fn log1p_small(e: f32) -> f32 {
  if (e < 1e-4) { return e * (1.0 - 0.5 * e); }
  return log(1.0 + e);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let t = gid.y;
  if (j >= 2u * P.K) { return; }
  let b = gid.z;
  let v = z[(b * P.L + t) * 2u * P.K + j];
  var g = (min(v, 0.0) - log1p_small(exp(-abs(v)))) * P.inv_tau;
  if (P.use_clamp != 0u) { g = max(g, P.clamp_min); }
  let dir = j / P.K;
  let jj = j % P.K;
  let n = jj / P.dk;
  let c = jj % P.dk;
  gam[(((b * 2u + dir) * P.heads + n) * P.L + t) * P.dk + c] = g;
}
