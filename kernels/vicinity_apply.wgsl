// Vicinity attention, launch 3 of 3: the output for one tile of 64 tokens of one image, over a group
// of `ctPer` 64-wide column tiles of y (workgroup (column group, tile, image)):
//  1. (own = 1) per head, [num | den] = φ(q_t)·[KV | ksum] ([64, 4D]·[4D, D+1] from the stat buffer
//     of vicinity_reduce.wgsl), φ(q_t)[f·D + i] = relu(q_t)[i]·trig_f(t); raw sums to oraw
//     [groups, B·N, heads·(D+1)] (each column group its own copy), read back by this workgroup.
//     With own = 0 the reduce launch has done this (few key chunks), into one copy of oraw;
//  2. per column tile: the SE gate s = sigmoid(W2·hid) for its 64 channels, then out_proj on
//     o = clampA(clampA(num)·z), z = clampA(1/(den + 1e-4)), formed as the product reads it, with
//     the module's tail in the epilogue: v = clampA(o·Woutᵀ + b), y = clampA(v + v·s).
// Both products run on lib/gemm.wgsl; `ph` tells its hooks which one. wout is [C, r] then the bias [C].
struct Params { N: u32, C: u32, r: u32, heads: u32, seHidden: u32, ctPer: u32, B: u32, own: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> trig: array<f32>;
@group(0) @binding(2) var<storage, read> stat: array<f32>; // keep-f32: partial sums
@group(0) @binding(3) var<storage, read> w2: array<f32>;
@group(0) @binding(4) var<storage, read> wout: array<f32>;
@group(0) @binding(5) var<storage, read_write> oraw: array<f32>; // keep-f32: partial sums
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<uniform> P: Params;

//#include lib/gemm.wgsl
const MM_WY: u32 = 16u; // 64-row tiles

const D: u32 = {{D}}u;
const D1: u32 = D + 1u;
const S: u32 = 4u * D * D1;

var<workgroup> red: array<f32, 256>;
var<workgroup> sg: array<f32, 64>;
// what the hooks need: which product, the tile's first row in [B·N] and token in the image, the
// head (1), this group's rows of oraw, the image's stat offset and the column tile (2)
var<private> ph: u32;
var<private> grow: u32;
var<private> tok0: u32;
var<private> hq: u32;
var<private> obase: u32;
var<private> kvbase: u32;
var<private> col0: u32;

fn abs_clamp(v: f32) -> f32 { return sign(v) * clamp(abs(v), 1e-4, 1e4); }

const MM_B_ALONG_N = false;
fn mm_readA(m: u32, k: u32) -> f32 {
  let hw = P.heads * D1;
  if (ph == 0u) { return qkv[(grow + m) * 3u * P.r + hq * 3u * D + k % D] * trig[(tok0 + m) * 4u + k / D]; }
  let row = obase + (grow + m) * hw + (k / D) * D1;
  let z = abs_clamp(1.0 / (oraw[row + D] + 1e-4));
  return abs_clamp(abs_clamp(oraw[row + k % D]) * z);
}
fn mm_readB(k: u32, n: u32) -> f32 {
  if (ph == 0u) { return stat[kvbase + hq * S + k * D1 + n]; }
  return wout[n * P.r + k];
}
fn mm_write(m: u32, n: u32, v: f32) {
  if (ph == 0u) {
    oraw[obase + (grow + m) * P.heads * D1 + hq * D1 + n] = v;
    return;
  }
  let u = abs_clamp(v + wout[P.C * P.r + n]);
  y[(grow + m) * P.C + n] = abs_clamp(u + u * sg[n - col0]);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let img = wg.z;
  let t0 = wg.y * 64u;
  let len = min(64u, P.N - t0);
  tok0 = t0;
  grow = img * P.N + t0;
  obase = wg.x * P.own * P.B * P.N * P.heads * D1;
  kvbase = img * P.heads * S;
  ph = 0u;
  for (var h = 0u; h < P.own * P.heads; h++) {
    hq = h;
    for (var n0 = 0u; n0 < D1; n0 += 64u) { mm_tile(0u, n0, lid, len, D1, 4u * D, 0u, mm_steps(4u * D)); }
  }
  storageBarrier();
  ph = 1u;
  let tid = lid.y * 16u + lid.x;
  let c = tid % 64u;
  let lane = tid / 64u;
  let hid = P.B * P.heads * S + img * P.seHidden;
  let ct1 = min((wg.x + 1u) * P.ctPer * 64u, P.C);
  for (var c0 = wg.x * P.ctPer * 64u; c0 < ct1; c0 += 64u) {
    // lane's chain over i = lane, lane + 4, …, the loads of 4 terms at a time
    var a = 0.0;
    if (c0 + c < P.C) {
      let wi = (c0 + c) * P.seHidden;
      var i = lane;
      for (; i + 12u < P.seHidden; i += 16u) {
        let u = vec4(w2[wi + i], w2[wi + i + 4u], w2[wi + i + 8u], w2[wi + i + 12u]);
        let v = vec4(stat[hid + i], stat[hid + i + 4u], stat[hid + i + 8u], stat[hid + i + 12u]);
        a = fma(u.w, v.w, fma(u.z, v.z, fma(u.y, v.y, fma(u.x, v.x, a))));
      }
      for (; i < P.seHidden; i += 4u) { a = fma(w2[wi + i], stat[hid + i], a); }
    }
    red[tid] = a;
    workgroupBarrier();
    if (lane == 0u) {
      let s = (red[c] + red[64u + c]) + (red[128u + c] + red[192u + c]);
      sg[c] = 1.0 / (1.0 + exp(-s));
    }
    workgroupBarrier();
    col0 = c0;
    mm_tile(0u, c0, lid, len, P.C, P.r, 0u, mm_steps(P.r));
  }
}
