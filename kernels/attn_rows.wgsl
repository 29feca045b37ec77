// Softmax attention rows for chosen queries (the drawn map): out[h, r, m] = softmax_m(scale·q_i·k_m)
// for i = rows[r] — mhsa's rows over its N keys, HiLo's Lo-Fi rows over the M pooled keys.
// One workgroup per (row, head); 64 threads stride over the keys, then reduce max and sum in
// workgroup memory. q and k are column blocks of wider rows, as in attn.wgsl.
struct Params { M: u32, nrows: u32, qStride: u32, qOff: u32, kvStride: u32, kOff: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;    // q at [i·qStride + qOff + h·HD + d]
@group(0) @binding(1) var<storage, read> kv: array<f32>;   // k at [j·kvStride + kOff + h·HD + d]
@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [lHeads, nrows, M]
@group(0) @binding(4) var<uniform> P: Params;

const HD: u32 = {{HD}}u;
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  let h = wg.y;
  let i = rows[r];
  let base = (h * P.nrows + r) * P.M;
  var m = -3.0e38;
  for (var j = lid.x; j < P.M; j += 64u) {
    var s = 0.0;
    for (var d = 0u; d < HD; d++) { s = fma(q[i * P.qStride + P.qOff + h * HD + d], kv[j * P.kvStride + P.kOff + h * HD + d], s); }
    s *= P.scale;
    out[base + j] = s;
    m = max(m, s);
  }
  softmax_row_finish(base, P.M, m, lid.x);
}

//#include lib/softmax_row.wgsl
