// Vicinity attention, launch 2 of 3, workgroup (x, image); writes stat = [KV | ksum] [B, heads, S]
// followed by the SE hidden vector [B, seHidden]:
//  - x < nkv: 256 elements of the image's [KV | ksum] (S = 4D·(D+1) per head, [4D, D+1] with ksum
//    in column D), each the sum of its nchunk partials from vicinity_stats.wgsl; KV is abs_clamped,
//    ksum stays raw (as in the official code);
//  - nkv ≤ x < nkv + nse: 64 outputs of the SE gate's first Linear, hid = relu(W0·mean) with mean =
//    (Σ column sum partials)/N, brought through workgroup memory 256 channels at a time; 4 lanes per
//    output over the channels, added in workgroup memory;
//  - x ≥ nkv + nse (only when the host asks, for few chunks: every such element of [KV | ksum] is
//    nchunk loads): vicinity_apply.wgsl's step 1 for head (x − nkv − nse) / tiles and token tile
//    (x − nkv − nse) % tiles, [num | den] = φ(q_t)·[KV | ksum] on lib/gemm.wgsl with the B operand
//    summed from the partials as above (the same values as stat), raw sums to oraw [B·N,
//    heads·(D+1)]. Apply then runs only its step 2, so its column groups no longer each redo this
//    product for every head.
// The serial sums load 4 terms at a time (GPU time here is load latency), adding them in the same
// order as one at a time.
struct Params { hs: u32, nchunk: u32, nkv: u32, nse: u32, N: u32, C: u32, r: u32, heads: u32, tiles: u32, seHidden: u32, B: u32, invN: f32 }
@group(0) @binding(0) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(1) var<storage, read> colpart: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read> w0: array<f32>;
@group(0) @binding(3) var<storage, read> qkv: array<f32>;
@group(0) @binding(4) var<storage, read> trig: array<f32>;
@group(0) @binding(5) var<storage, read_write> stat: array<f32>; // keep-f32: partial sums
@group(0) @binding(6) var<storage, read_write> oraw: array<f32>; // keep-f32: partial sums
@group(0) @binding(7) var<uniform> P: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = 16u; // 64-row tiles

const D: u32 = {{D}}u;
const D1: u32 = D + 1u;
const S: u32 = 4u * D * D1;

var<workgroup> mean: array<f32, 256>;
var<workgroup> red: array<f32, 256>;
// the product's hooks: the image, the tile's first row in [B·N] and token in the image, the head
var<private> img: u32;
var<private> grow: u32;
var<private> tok0: u32;
var<private> hq: u32;

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

/** Element e of the image's [KV | ksum]: its nchunk partials summed in order, KV clamped. */
fn kv(e: u32) -> f32 {
  let pi = img * P.nchunk * P.hs + e;
  var s = 0.0;
  var c = 0u;
  for (; c + 3u < P.nchunk; c += 4u) {
    let v = vec4(part[pi + c * P.hs], part[pi + (c + 1u) * P.hs], part[pi + (c + 2u) * P.hs], part[pi + (c + 3u) * P.hs]);
    s = (((s + v.x) + v.y) + v.z) + v.w;
  }
  for (; c < P.nchunk; c++) { s += part[pi + c * P.hs]; }
  return select(abs_clamp(s), s, (e % S) % D1 == D);
}

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 { return qkv[(grow + m) * 3u * P.r + hq * 3u * D + k % D] * trig[(tok0 + m) * 4u + k / D]; }
fn mm_readB(k: u32, n: u32) -> f32 { return kv(hq * S + k * D1 + n); }
fn mm_write(m: u32, n: u32, v: f32) { oraw[(grow + m) * P.heads * D1 + hq * D1 + n] = v; }

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  img = wg.y;
  let tid = lid.y * 16u + lid.x;
  if (wg.x < P.nkv) {
    let e = wg.x * 256u + tid;
    if (e < P.hs) { stat[img * P.hs + e] = kv(e); }
  } else if (wg.x < P.nkv + P.nse) {
    let o = (wg.x - P.nkv) * 64u + tid % 64u;
    let lane = tid / 64u;
    var acc = 0.0;
    for (var i0 = 0u; i0 < P.C; i0 += 256u) {
      let i = i0 + tid;
      var m = 0.0;
      if (i < P.C) {
        let ci = img * P.nchunk * P.C + i;
        var c = 0u;
        for (; c + 3u < P.nchunk; c += 4u) {
          let v = vec4(colpart[ci + c * P.C], colpart[ci + (c + 1u) * P.C], colpart[ci + (c + 2u) * P.C], colpart[ci + (c + 3u) * P.C]);
          m = (((m + v.x) + v.y) + v.z) + v.w;
        }
        for (; c < P.nchunk; c++) { m += colpart[ci + c * P.C]; }
      }
      mean[tid] = m * P.invN;
      workgroupBarrier();
      if (o < P.seHidden) {
        let wi = o * P.C + i0;
        let n = min(256u, P.C - i0);
        var j = lane;
        for (; j + 12u < n; j += 16u) {
          let u = vec4(w0[wi + j], w0[wi + j + 4u], w0[wi + j + 8u], w0[wi + j + 12u]);
          acc = fma(u.w, mean[j + 12u], fma(u.z, mean[j + 8u], fma(u.y, mean[j + 4u], fma(u.x, mean[j], acc))));
        }
        for (; j < n; j += 4u) { acc = fma(w0[wi + j], mean[j], acc); }
      }
      workgroupBarrier();
    }
    red[tid] = acc;
    workgroupBarrier();
    if (lane == 0u && o < P.seHidden) {
      let h = (red[tid] + red[64u + tid]) + (red[128u + tid] + red[192u + tid]);
      stat[P.B * P.hs + img * P.seHidden + o] = max(h, 0.0);
    }
  } else {
    let x = wg.x - P.nkv - P.nse;
    hq = x / P.tiles;
    tok0 = (x % P.tiles) * 64u;
    grow = img * P.N + tok0;
    for (var n0 = 0u; n0 < D1; n0 += 64u) { mm_tile(0u, n0, lid, min(64u, P.N - tok0), D1, 4u * D, 0u, mm_steps(4u * D)); }
  }
}
