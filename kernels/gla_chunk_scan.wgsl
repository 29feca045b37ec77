// Chunk-parallel GLA scan, step 2 of 3: the recurrence over chunk states, one thread per state
// element (c, col) of each (image·direction, head), in place:
//   S_0 = 0,  S_ch+1 = S_ch·exp(blast[ch][c]) + dS[ch]   →   dS[ch] becomes S_ch (the state entering ch)
// and, when write_cum ≠ 0, carry[ch][c] = Σ_{ch' < ch} blast[ch'][c] (the global cumulative
// log-decay before the chunk, for the map kernel's G).
struct Params { DK: u32, dv: u32, nchunks: u32, heads: u32, write_cum: u32 }
@group(0) @binding(0) var<storage, read_write> dS: array<f32>;    // keep-f32: partial sums; [B·dirs, heads, nchunks, DK, dv]
@group(0) @binding(1) var<storage, read> blast: array<f32>;       // keep-f32: partial sums; [B·dirs, heads, nchunks, DK]
@group(0) @binding(2) var<storage, read_write> carry: array<f32>; // keep-f32: partial sums; like blast
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let e = wg.x * 64u + lid.x;
  let n = wg.y;
  if (e >= P.DK * P.dv) { return; }
  let c = e / P.dv;
  let hb = wg.z * P.heads + n;
  let cum = P.write_cum != 0u && e % P.dv == 0u;
  var S = 0.0;
  var G = 0.0;
  for (var ch = 0u; ch < P.nchunks; ch++) {
    let slot = hb * P.nchunks + ch;
    let idx = slot * P.DK * P.dv + e;
    let d = dS[idx];
    dS[idx] = S;
    let bl = blast[slot * P.DK + c];
    S = S * exp(bl) + d;
    if (cum) {
      carry[slot * P.DK + c] = G;
      G += bl;
    }
  }
}
