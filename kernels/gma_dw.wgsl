// Depthwise k×k conv (stride 1, zero pad k/2) over token-major buffers, for all of GMA's
// depthwise convs (aggregator seps, Agg_0, CRPE). Output channel ci reads source column
//   colBase + (ci / grp)·grpStride + ci % grp   (e.g. the same segment of q, k and v)
// with weights of channel ci % wmod (shared across q, k, v when wmod = s).
// Thread = (channel, token); neighbours come from global memory (a k×k stencil per channel is
// bandwidth-light and cached; channels are the fast axis so reads coalesce).
struct Params {
  N: u32, H: u32, W: u32, K: u32,
  nch: u32, grp: u32, grpStride: u32, colBase: u32,
  wmod: u32, inBase: u32, inStride: u32, outStride: u32,
  outCol: u32, hasBias: u32,
}
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let ci = gid.x;
  let t = gid.y;
  if (ci >= P.nch || t >= P.N) { return; }
  let y = i32(t / P.W);
  let x = i32(t % P.W);
  let pad = i32(P.K / 2u);
  let col = P.colBase + (ci / P.grp) * P.grpStride + ci % P.grp;
  let wb = (ci % P.wmod) * P.K * P.K;
  var s = 0.0;
  if (P.hasBias != 0u) { s = bias[ci]; }
  for (var ky = 0u; ky < P.K; ky++) {
    let iy = y + i32(ky) - pad;
    if (iy < 0 || iy >= i32(P.H)) { continue; }
    for (var kx = 0u; kx < P.K; kx++) {
      let ix = x + i32(kx) - pad;
      if (ix < 0 || ix >= i32(P.W)) { continue; }
      let tt = u32(iy) * P.W + u32(ix);
      s = fma(src[P.inBase + tt * P.inStride + col], w[wb + ky * P.K + kx], s);
    }
  }
  dst[t * P.outStride + P.outCol + ci] = s;
}
