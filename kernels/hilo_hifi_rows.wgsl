// HiLo Hi-Fi map rows for chosen queries: out[h, r, k] = the row of query t = rows[r] in its
// window's T×T probability matrix (hifi = [hHeads, G, T, T]). One thread per key k of the window.
struct Params { W: u32, ws: u32, Gw: u32, G: u32, nrows: u32 }
@group(0) @binding(0) var<storage, read> rows: array<u32>;
@group(0) @binding(1) var<storage, read> hifi: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [hHeads, nrows, T]
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let k = wg.x * 64u + lid.x;
  let r = wg.y;
  let h = wg.z;
  let T = P.ws * P.ws;
  if (k >= T) { return; }
  let t = rows[r];
  let ty = t / P.W;
  let tx = t % P.W;
  let tw = (ty / P.ws) * P.Gw + tx / P.ws;
  let ti = (ty % P.ws) * P.ws + tx % P.ws;
  out[(h * P.nrows + r) * T + k] = hifi[((h * P.G + tw) * T + ti) * T + k];
}
