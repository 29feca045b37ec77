// Vicinity attention, launch 1 of 3: projections and key statistics of one chunk of tokens (`tiles`
// tiles of 64) of one head of one image. Workgroup (chunk, 2·head + role, image); per tile:
//   1. role 1: q of the head, role 0: [k | v] of the head, = x·Wᵀ + b (Wqkv stacked per head, rows
//      h·3D … h·3D + 3D), ReLU on q and k, written to qkv [B·N, 3r] at columns h·3D (read back by
//      this workgroup, the apply launch and the map rows): the two projections run side by side;
//   2. role 0: the tile's part of [KV | ksum] = Σ_j φ(k_j)ᵀ [v_j | 1], a [4D, D+1] product over its
//      tokens, φ(k_j)[f·D + i] = relu(k_j)[i]·trig_f(j), f = (cos a, sin a, cos b, sin b); column D
//      (v extended by a 1) is ksum. Added up over the chunk's tiles in part [B, nchunk, heads,
//      4D·(D+1)] by the thread that owns each element.
// Role 1 also writes the chunk's column sums of x (the SE gate's mean) to colpart [B, nchunk, C],
// head h the 64-channel blocks h, h + heads, … (role 0, the projections of k and v and the [4D, D+1]
// product, is the longer chain).
// Both products run on lib/gemm.wgsl; `ph` tells its hooks which one.
struct Params { N: u32, C: u32, r: u32, heads: u32, tiles: u32, nchunk: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> trig: array<f32>;
@group(0) @binding(4) var<storage, read_write> qkv: array<f32>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(6) var<storage, read_write> colpart: array<f32>; // keep-f32: partial sums
@group(0) @binding(7) var<uniform> P: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = 16u; // 64-row tiles

const D: u32 = {{D}}u;
const D1: u32 = D + 1u;
const S: u32 = 4u * D * D1;

var<workgroup> red: array<f32, 256>;
// what the hooks need: which product, the tile's first row in [B·N] and token in the image, the
// head, where this workgroup's partials start and whether this is the chunk's first tile
var<private> ph: u32;
var<private> grow: u32;
var<private> tok0: u32;
var<private> hq: u32;
var<private> pbase: u32;
var<private> first: bool;

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 {
  if (ph == 0u) { return x[(grow + m) * P.C + k]; }
  return qkv[(grow + k) * 3u * P.r + hq * 3u * D + D + m % D] * trig[(tok0 + k) * 4u + m / D];
}
fn mm_readB(k: u32, n: u32) -> f32 {
  if (ph == 0u) { return w[(hq * 3u * D + n) * P.C + k]; }
  if (n == D) { return 1.0; }
  return qkv[(grow + k) * 3u * P.r + hq * 3u * D + 2u * D + n];
}
fn mm_write(m: u32, n: u32, v: f32) {
  if (ph == 0u) {
    let u = v + b[hq * 3u * D + n];
    qkv[(grow + m) * 3u * P.r + hq * 3u * D + n] = select(u, max(u, 0.0), n < 2u * D);
    return;
  }
  let i = pbase + m * D1 + n;
  if (first) { part[i] = v; } else { part[i] = part[i] + v; }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let chunk = wg.x;
  let img = wg.z;
  let h = wg.y / 2u;
  let keys = wg.y % 2u == 0u;
  // role 0 projects columns [D, 3D) of the head, role 1 [0, D)
  let n1 = select(D, 3u * D, keys);
  hq = h;
  pbase = ((img * P.nchunk + chunk) * P.heads + h) * S;
  let c0 = chunk * P.tiles * 64u;
  let c1 = min(c0 + P.tiles * 64u, P.N);
  for (var t0 = c0; t0 < c1; t0 += 64u) {
    let len = min(64u, c1 - t0);
    tok0 = t0;
    grow = img * P.N + t0;
    ph = 0u;
    for (var n0 = select(0u, D, keys); n0 < n1; n0 += 64u) { mm_tile(0u, n0, lid, len, n1, P.C, 0u, mm_steps(P.C)); }
    if (keys) {
      storageBarrier();
      ph = 1u;
      first = t0 == c0;
      for (var m0 = 0u; m0 < 4u * D; m0 += 64u) {
        for (var n0 = 0u; n0 < D1; n0 += 64u) { mm_tile(m0, n0, lid, 4u * D, D1, len, 0u, mm_steps(len)); }
      }
    }
  }
  // role 1 (q, the shorter chain): the chunk's column sums, 64 channels × 4 token lanes (summed in
  // workgroup memory), 64-channel block b done by head b % heads; each lane loads 4 tokens at a time
  if (!keys) {
    let tid = lid.y * 16u + lid.x;
    let c = tid % 64u;
    let lane = tid / 64u;
    for (var cb = h * 64u; cb < P.C; cb += P.heads * 64u) {
      var s = 0.0;
      if (cb + c < P.C) {
        let xi = img * P.N * P.C + cb + c;
        var t = c0 + lane;
        for (; t + 12u < c1; t += 16u) {
          let v = vec4(x[xi + t * P.C], x[xi + (t + 4u) * P.C], x[xi + (t + 8u) * P.C], x[xi + (t + 12u) * P.C]);
          s = (((s + v.x) + v.y) + v.z) + v.w;
        }
        for (; t < c1; t += 4u) { s += x[xi + t * P.C]; }
      }
      red[tid] = s;
      workgroupBarrier();
      if (lane == 0u && cb + c < P.C) {
        colpart[(img * P.nchunk + chunk) * P.C + cb + c] = (red[c] + red[64u + c]) + (red[128u + c] + red[192u + c]);
      }
      workgroupBarrier();
    }
  }
}
