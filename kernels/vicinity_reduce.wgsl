// Vicinity attention, launch 2 of 3, workgroup (x, image); writes stat = [KV | ksum] [B, heads, S]
// followed by the SE hidden vector [B, seHidden]:
//  - x < nkv: 256 elements of the image's [KV | ksum] (S = 4D·(D+1) per head, [4D, D+1] with ksum
//    in column D), each the sum of its nchunk partials from vicinity_stats.wgsl; KV is abs_clamped,
//    ksum stays raw (as in the official code);
//  - x ≥ nkv: 64 outputs of the SE gate's first Linear, hid = relu(W0·mean) with mean = (Σ column
//    sum partials)/N, brought through workgroup memory 256 channels at a time; 4 lanes per output
//    over the channels, added in workgroup memory.
// The serial sums load 4 terms at a time (GPU time here is load latency), adding them in the same
// order as one at a time.
struct Params { hs: u32, nchunk: u32, D1: u32, S: u32, nkv: u32, C: u32, seHidden: u32, B: u32, invN: f32 }
@group(0) @binding(0) var<storage, read> part: array<f32>; // keep-f32: partial sums
@group(0) @binding(1) var<storage, read> colpart: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read> w0: array<f32>;
@group(0) @binding(3) var<storage, read_write> stat: array<f32>; // keep-f32: partial sums
@group(0) @binding(4) var<uniform> P: Params;

var<workgroup> mean: array<f32, 256>;
var<workgroup> red: array<f32, 256>;

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let img = wg.y;
  if (wg.x < P.nkv) {
    let e = wg.x * 256u + lid.x;
    if (e < P.hs) {
      let pi = img * P.nchunk * P.hs + e;
      var s = 0.0;
      var c = 0u;
      for (; c + 3u < P.nchunk; c += 4u) {
        let v = vec4(part[pi + c * P.hs], part[pi + (c + 1u) * P.hs], part[pi + (c + 2u) * P.hs], part[pi + (c + 3u) * P.hs]);
        s = (((s + v.x) + v.y) + v.z) + v.w;
      }
      for (; c < P.nchunk; c++) { s += part[pi + c * P.hs]; }
      stat[img * P.hs + e] = select(abs_clamp(s), s, (e % P.S) % P.D1 == P.D1 - 1u);
    }
  } else {
    let o = (wg.x - P.nkv) * 64u + lid.x % 64u;
    let lane = lid.x / 64u;
    var acc = 0.0;
    for (var i0 = 0u; i0 < P.C; i0 += 256u) {
      let i = i0 + lid.x;
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
      mean[lid.x] = m * P.invN;
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
    red[lid.x] = acc;
    workgroupBarrier();
    if (lane == 0u && o < P.seHidden) {
      let h = (red[lid.x] + red[64u + lid.x]) + (red[128u + lid.x] + red[192u + lid.x]);
      stat[P.B * P.hs + img * P.seHidden + o] = max(h, 0.0);
    }
  }
}
