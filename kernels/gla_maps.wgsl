// GLA maps for chosen query rows (only when maps are requested): the signed effective weights
//   attn[dir, h, r, j] = s Σ_c q_t[c] k_j[c] exp(G_t[c] − G_j[c])
// and the content-free decay field decay[dir, h, r, j] = mean_c exp(G_t[c] − G_j[c]), t = rows[r],
// on the scanned side (j ≤ t forward, j ≥ t backward), 0 elsewhere and for switched-off scans.
// G is the cumulative log-decay written by gla_scan. Workgroup = 64 keys × RT query rows: each
// thread keeps its key's k_j and G_j in registers and reuses them over the RT rows staged in
// workgroup memory.
struct Params { L: u32, K: u32, heads: u32, stride: u32, R: u32, scale: f32, on_f: u32, on_b: u32 }
@group(0) @binding(0) var<storage, read> proj: array<f32>; // [L, stride]: q | k | …
@group(0) @binding(1) var<storage, read> gcum: array<f32>; // keep-f32 (partial sums); [2, heads, L, DK]
@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read_write> attn: array<f32>;  // [2, heads, R, L]
@group(0) @binding(4) var<storage, read_write> decay: array<f32>; // [2, heads, R, L]
@group(0) @binding(5) var<uniform> P: Params;

const DK: u32 = {{DK}}u;
const RT: u32 = 8u;
var<workgroup> qt: array<f32, RT * DK>;
var<workgroup> gt: array<f32, RT * DK>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = wg.x * 64u + lid.x;
  let r0 = wg.y * RT;
  let dir = wg.z / P.heads;
  let n = wg.z % P.heads;
  let gbase = (dir * P.heads + n) * P.L;
  for (var e = lid.x; e < RT * DK; e += 64u) {
    let r = r0 + e / DK;
    let c = e % DK;
    var qv = 0.0;
    var gv = 0.0;
    if (r < P.R) {
      let t = rows[r];
      qv = proj[t * P.stride + n * DK + c];
      gv = gcum[(gbase + t) * DK + c];
    }
    qt[e] = qv;
    gt[e] = gv;
  }
  workgroupBarrier();
  if (j >= P.L) { return; }
  let on = select(P.on_f, P.on_b, dir == 1u) != 0u;
  var kj: array<f32, DK>;
  var gj: array<f32, DK>;
  for (var c = 0u; c < DK; c++) {
    kj[c] = proj[j * P.stride + P.K + n * DK + c];
    gj[c] = gcum[(gbase + j) * DK + c];
  }
  for (var rr = 0u; rr < RT; rr++) {
    let r = r0 + rr;
    if (r >= P.R) { break; }
    let t = rows[r];
    var a = 0.0;
    var d = 0.0;
    if (on && select(j <= t, j >= t, dir == 1u)) {
      for (var c = 0u; c < DK; c++) {
        let ex = exp(gt[rr * DK + c] - gj[c]);
        a = fma(qt[rr * DK + c] * kj[c], ex, a);
        d += ex;
      }
    }
    let idx = ((dir * P.heads + n) * P.R + r) * P.L + j;
    attn[idx] = a * P.scale;
    decay[idx] = d / f32(DK);
  }
}
