// Softmax attention rows for chosen queries (the drawn map): out[h, r, j] = softmax_j(scale·q_i·k_j)
// for i = rows[r]. qkv layout as mhsa_flash. One workgroup per (row, head); 64 threads stride
// over the keys, then reduce max and sum in workgroup memory.
struct Params { N: u32, C: u32, heads: u32, scale: f32, nrows: u32 }
@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> rows: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

const HD: u32 = {{HD}}u;
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  let h = wg.y;
  let i = rows[r];
  let stride = 3u * P.C;
  let base = (h * P.nrows + r) * P.N;
  var m = -3.0e38;
  for (var j = lid.x; j < P.N; j += 64u) {
    var s = 0.0;
    for (var d = 0u; d < HD; d++) { s = fma(qkv[i * stride + h * HD + d], qkv[j * stride + P.C + h * HD + d], s); }
    s *= P.scale;
    out[base + j] = s;
    m = max(m, s);
  }
  softmax_row_finish(base, P.N, m, lid.x);
}

//#include lib/softmax_row.wgsl
