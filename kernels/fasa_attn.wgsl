// FASA global branch + combination, per (64 query pixels, head, image):
//   G[:, t] = softmax_u(scale · q_t·k_u) · v_u over the M pooled keys (online softmax over key tiles),
//   z[c, t] = SiLU(L0)[c, t] · sigmoid(G[c, t]) · G[c, t]   (local branch gated by the global one)
// q [C, N], lact = SiLU(L0) [C, N], z [C, N] channel-first; kv [2C, M] (K = channels [0, C),
// V = [C, 2C)), channel = head·HD + j. A tile of KT pooled keys and values of the head is staged in
// workgroup memory and shared by the 64 queries. With write_mod = 1 also writes
// local_mod[h, t] = mean_j sigmoid(G[h·HD + j, t]) (the drawn modulation map). A batch of images
// runs along workgroup z: every buffer holds the images back to back.
struct Params { N: u32, M: u32, C: u32, scale: f32, write_mod: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> kv: array<f32>;
@group(0) @binding(2) var<storage, read> lact: array<f32>;
@group(0) @binding(3) var<storage, read_write> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> local_mod: array<f32>;
@group(0) @binding(5) var<uniform> U: Params;

const HD: u32 = {{HD}}u;
const KT: u32 = {{KT}}u;
var<workgroup> ks: array<f32, {{KT_HD}}>; // [key][j]
var<workgroup> vs: array<f32, {{KT_HD}}>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let h = wg.y;
  let t = wg.x * 64u + lid.x;
  let qo = wg.z * U.C * U.N; // q, lact, z of this image
  let ko = wg.z * 2u * U.C * U.M;
  let live = t < U.N;
  var qr: array<f32, HD>;
  var acc: array<f32, HD>;
  for (var j = 0u; j < HD; j++) {
    var v = 0.0;
    if (live) { v = q[qo + (h * HD + j) * U.N + t] * U.scale; }
    qr[j] = v;
    acc[j] = 0.0;
  }
  var m = -3.0e38;
  var l = 0.0;
  var s: array<f32, KT>;
  for (var u0 = 0u; u0 < U.M; u0 += KT) {
    let nt = min(KT, U.M - u0);
    // consecutive threads read consecutive pooled pixels of one channel plane (coalesced)
    for (var e = lid.x; e < KT * HD; e += 64u) {
      let j = e / KT;
      let u = e % KT;
      var kk = 0.0;
      var vv = 0.0;
      if (u < nt) {
        kk = kv[ko + (h * HD + j) * U.M + u0 + u];
        vv = kv[ko + (U.C + h * HD + j) * U.M + u0 + u];
      }
      ks[u * HD + j] = kk;
      vs[u * HD + j] = vv;
    }
    workgroupBarrier();
    if (live) {
      var tm = m;
      for (var u = 0u; u < nt; u++) {
        var d = 0.0;
        for (var j = 0u; j < HD; j++) { d = fma(qr[j], ks[u * HD + j], d); }
        s[u] = d;
        tm = max(tm, d);
      }
      let corr = exp(m - tm);
      l *= corr;
      for (var j = 0u; j < HD; j++) { acc[j] *= corr; }
      for (var u = 0u; u < nt; u++) {
        let pr = exp(s[u] - tm);
        l += pr;
        for (var j = 0u; j < HD; j++) { acc[j] = fma(pr, vs[u * HD + j], acc[j]); }
      }
      m = tm;
    }
    workgroupBarrier();
  }
  if (!live) { return; }
  let inv = 1.0 / l;
  var mod_sum = 0.0;
  for (var j = 0u; j < HD; j++) {
    let g = acc[j] * inv;
    let sg = 1.0 / (1.0 + exp(-g));
    let idx = qo + (h * HD + j) * U.N + t;
    z[idx] = lact[idx] * sg * g;
    mod_sum += sg;
  }
  if (U.write_mod == 1u) { local_mod[(wg.z * (U.C / HD) + h) * U.N + t] = mod_sum / f32(HD); }
}
