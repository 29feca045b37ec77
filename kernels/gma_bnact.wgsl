// Aggregator output: A[which, t, seg·s + c] = hswish(BN_seg(v)) for q/k/v (which = 0/1/2), where v is
// the raw qkv value for seg 0 (identity aggregator) and the separable-conv output P_seg
// ([3N, s], row t·3 + which) for segs 1..3. BN is folded on the CPU into scale/shift [4][2][s].
// A disabled segment (bit clear in mask) writes zeros.
struct Params { N: u32, s: u32, C: u32, mask: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> p1: array<f32>;
@group(0) @binding(2) var<storage, read> p2: array<f32>;
@group(0) @binding(3) var<storage, read> p3: array<f32>;
@group(0) @binding(4) var<storage, read> bn: array<f32>;
@group(0) @binding(5) var<storage, read_write> A: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;

fn hswish(v: f32) -> f32 { return v * clamp(v + 3.0, 0.0, 6.0) / 6.0; }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let cp = 4u * P.s;
  let e = gid.x;
  if (e >= 3u * P.N * cp) { return; }
  let which = e / (P.N * cp);
  let rem = e % (P.N * cp);
  let t = rem / cp;
  let col = rem % cp;
  let seg = col / P.s;
  let c = col % P.s;
  if (((P.mask >> seg) & 1u) == 0u) {
    A[e] = 0.0;
    return;
  }
  var v: f32;
  let prow = (t * 3u + which) * P.s + c;
  if (seg == 0u) { v = qkv[t * 3u * P.C + which * P.C + c]; }
  else if (seg == 1u) { v = p1[prow]; }
  else if (seg == 2u) { v = p2[prow]; }
  else { v = p3[prow]; }
  let sc = bn[(seg * 2u) * P.s + c];
  let sh = bn[(seg * 2u + 1u) * P.s + c];
  A[e] = hswish(fma(v, sc, sh));
}
