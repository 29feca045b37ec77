// GroupNorm(1, C), second level, two entry points over the same bindings. Both first combine the
// image's P partials from fat_gn_stats (chunk means m_p, M2_p over n_p values):
//   mean = Σ n_p m_p / S,  var = Σ (M2_p + n_p (m_p − mean)²) / S   (biased, as torch),
// then
//   gn_apply: y[b, c, n] = (x[b, c, n] − mean)·rsqrt(var + eps)·γ[c] + β[c]   (PER values per workgroup)
//   gn_pool:  y[b, c]    = (mean_n x[b, c, n] − mean)·rsqrt(var + eps)·γ[c] + β[c]  (the head:
//          GroupNorm then global average pool, one thread per channel).
struct Params { S: u32, P: u32, chunk: u32, N: u32, C: u32, eps: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> U: Params;

const WG: u32 = 256u;
const PER: u32 = 1024u;

//#include lib/wg_reduce.wgsl

fn chunk_n(p: u32) -> f32 {
  let start = min(p * U.chunk, U.S);
  return f32(min(start + U.chunk, U.S) - start);
}

// (mean, rsqrt(var + eps)) of image b; every thread of the workgroup gets it.
fn stats(b: u32, tid: u32, sg_size: u32) -> vec2<f32> {
  let S = f32(U.S);
  var s = 0.0;
  for (var p = tid; p < U.P; p += WG) { s = fma(chunk_n(p), part[(b * U.P + p) * 2u], s); }
  let mean = reduce(s, tid, sg_size) / S;
  var m2 = 0.0;
  for (var p = tid; p < U.P; p += WG) {
    let o = (b * U.P + p) * 2u;
    let d = part[o] - mean;
    m2 += part[o + 1u] + chunk_n(p) * d * d;
  }
  return vec2<f32>(mean, inverseSqrt(reduce(m2, tid, sg_size) / S + U.eps));
}

@compute @workgroup_size(WG)
fn gn_apply(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wg.y;
  let st = stats(b, lid.x, sg_size);
  let base = b * U.S;
  let end = min((wg.x + 1u) * PER, U.S);
  for (var i = wg.x * PER + lid.x; i < end; i += WG) {
    let c = i / U.N;
    y[base + i] = (x[base + i] - st.x) * st.y * gamma[c] + beta[c];
  }
}

@compute @workgroup_size(WG)
fn gn_pool(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wg.y;
  let st = stats(b, lid.x, sg_size);
  let c = wg.x * WG + lid.x;
  if (c >= U.C) { return; }
  let o = (b * U.C + c) * U.N;
  var s = 0.0;
  for (var n = 0u; n < U.N; n++) { s += x[o + n]; }
  y[b * U.C + c] = (s / f32(U.N) - st.x) * st.y * gamma[c] + beta[c];
}
