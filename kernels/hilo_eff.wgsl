// HiLo effective map rows over the real tokens: out[e, r, j] for query t = rows[r].
// Hi-Fi heads (e < hHeads): the window probability when key j lies in t's window, else 0.
// Lo-Fi heads: p(t → pooled cell of j) / ws² (ws = 1: the plain softmax row). One thread per key j.
struct Params { W: u32, N: u32, ws: u32, Gw: u32, G: u32, hHeads: u32, M: u32, nrows: u32 }
@group(0) @binding(0) var<storage, read> rows: array<u32>;
@group(0) @binding(1) var<storage, read> hifi: array<f32>;  // [hHeads, G, T, T] (dummy if no Hi-Fi)
@group(0) @binding(2) var<storage, read> lofi: array<f32>;  // [lHeads, nrows, M] (dummy if no Lo-Fi)
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [heads, nrows, N]
@group(0) @binding(4) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = wg.x * 64u + lid.x;
  let r = wg.y;
  let e = wg.z;
  if (j >= P.N) { return; }
  let T = P.ws * P.ws;
  let t = rows[r];
  let ty = t / P.W;
  let tx = t % P.W;
  let jy = j / P.W;
  let jx = j % P.W;
  let jw = (jy / P.ws) * P.Gw + jx / P.ws; // window of j = its pooled cell
  var v = 0.0;
  if (e < P.hHeads) {
    let tw = (ty / P.ws) * P.Gw + tx / P.ws;
    if (jw == tw) {
      let ti = (ty % P.ws) * P.ws + tx % P.ws;
      let ji = (jy % P.ws) * P.ws + jx % P.ws;
      v = hifi[((e * P.G + tw) * T + ti) * T + ji];
    }
  } else {
    v = lofi[((e - P.hHeads) * P.nrows + r) * P.M + jw] / f32(T);
  }
  out[(e * P.nrows + r) * P.N + j] = v;
}
