// FASA global branch + combination, per (query block, head, image), through the shared attention
// core (lib/flash_attn.wgsl):
//   G[:, t] = softmax_u(scale · q_t·k_u) · v_u over the M pooled keys,
//   z[c, t] = SiLU(L0)[c, t] · sigmoid(G[c, t]) · G[c, t]   (local branch gated by the global one)
// q [C, N], lact = SiLU(L0) [C, N], z [C, N] channel-first; kv [2C, M] (K = channels [0, C),
// V = [C, 2C)), channel = head·HD + j. With write_mod = 1 also writes
// local_mod[h, t] = mean_j sigmoid(G[h·HD + j, t]) (the drawn modulation map). A batch of images
// runs along workgroup z: every buffer holds the images back to back.
struct Params { N: u32, M: u32, C: u32, scale: f32, write_mod: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> kv: array<f32>;
@group(0) @binding(2) var<storage, read> lact: array<f32>;
@group(0) @binding(3) var<storage, read_write> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> local_mod: array<f32>;
@group(0) @binding(5) var<uniform> U: Params;

// channel planes: consecutive threads stage consecutive pooled pixels of one plane (coalesced)
const KEY_FAST = true;
//#include lib/flash_attn.wgsl

fn attn_q(img: u32, h: u32, t: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) {
    if (4u * c + k < HD) { v[k] = q[(img * U.C + h * HD + 4u * c + k) * U.N + t]; }
  }
  return v;
}
fn kv4(img: u32, ch: u32, u: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) {
    if (4u * c + k < HD) { v[k] = kv[(img * 2u * U.C + ch + 4u * c + k) * U.M + u]; }
  }
  return v;
}
fn attn_k(img: u32, h: u32, u: u32, c: u32) -> vec4<f32> { return kv4(img, h * HD, u, c); }
fn attn_v(img: u32, h: u32, u: u32, c: u32) -> vec4<f32> { return kv4(img, U.C + h * HD, u, c); }
fn attn_out(img: u32, h: u32, t: u32, g: array<vec4<f32>, HD4>) {
  var mod_sum = 0.0;
  for (var j = 0u; j < HD; j++) {
    let gj = g[j / 4u][j % 4u];
    let sg = 1.0 / (1.0 + exp(-gj));
    let idx = (img * U.C + h * HD + j) * U.N + t;
    z[idx] = lact[idx] * sg * gj;
    mod_sum += sg;
  }
  if (U.write_mod == 1u) { local_mod[(img * (U.C / HD) + h) * U.N + t] = mod_sum / f32(HD); }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  flash_attn(wg.z, wg.y, wg.x, lid, U.N, U.M, U.scale);
}
