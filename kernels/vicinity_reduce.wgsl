// Vicinity attention, launch 2 of 3, workgroup (x, image); writes stat = [KV | ksum] [B, heads, S]
// followed by the SE hidden vector [B, seHidden]:
//  - x < nkv: 256 elements of the image's [KV | ksum] (S = 4D·(D+1) per head, [4D, D+1] with ksum
//    in column D), each the sum of its nchunk partials from vicinity_stats.wgsl; KV is abs_clamped,
//    ksum stays raw (as in the official code);
//  - x ≥ nkv: 64 outputs of the SE gate's first Linear, hid = relu(W0·mean) with mean = (Σ column
//    sum partials)/N, brought through workgroup memory 256 channels at a time; 4 lanes per output
//    over the channels, added in workgroup memory.
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
      var s = 0.0;
      for (var c = 0u; c < P.nchunk; c++) { s += part[(img * P.nchunk + c) * P.hs + e]; }
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
        for (var c = 0u; c < P.nchunk; c++) { m += colpart[(img * P.nchunk + c) * P.C + i]; }
      }
      mean[lid.x] = m * P.invN;
      workgroupBarrier();
      if (o < P.seHidden) {
        for (var j = lane; j < min(256u, P.C - i0); j += 4u) { acc = fma(w0[o * P.C + i0 + j], mean[j], acc); }
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
