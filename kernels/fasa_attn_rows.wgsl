// FASA attention rows for chosen query pixels (the drawn map):
// out[h, r, u] = softmax_u(scale · q_i·k_u) over the M pooled keys, i = rows[r].
// q [C, N] and kv [2C, M] channel-first as in fasa_attn. One workgroup per (row, head): 64 threads
// stride over the keys, then reduce max and sum in workgroup memory.
struct Params { N: u32, M: u32, scale: f32, nrows: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> kv: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> U: Params;

const HD: u32 = {{HD}}u;
var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  let h = wg.y;
  let i = rows[r];
  let base = (h * U.nrows + r) * U.M;
  var m = -3.0e38;
  for (var u = lid.x; u < U.M; u += 64u) {
    var s = 0.0;
    for (var j = 0u; j < HD; j++) { s = fma(q[(h * HD + j) * U.N + i], kv[(h * HD + j) * U.M + u], s); }
    s *= U.scale;
    out[base + u] = s;
    m = max(m, s);
  }
  softmax_row_finish(base, U.M, m, lid.x);
}

//#include lib/softmax_row.wgsl
