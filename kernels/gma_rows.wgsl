// Map rows for chosen query tokens: attn_eff[e, r, j] = scale·q'_t·softmax_N(k')_j for head e,
// t = rows[r]. One workgroup per (row, head); 64 threads stride over the keys.
struct Params { N: u32, cp: u32, nrows: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<f32>; // keep-f32: partial sums
@group(0) @binding(2) var<storage, read> rows: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

const CH: u32 = {{CH}}u;
var<workgroup> qs: array<f32, CH>;
var<workgroup> mx: array<f32, CH>;
var<workgroup> inv: array<f32, CH>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  let e = wg.y;
  let t = rows[r];
  for (var i = lid.x; i < CH; i += 64u) {
    let col = e * CH + i;
    qs[i] = P.scale * A[t * P.cp + col];
    mx[i] = stats[2u * col];
    inv[i] = 1.0 / stats[2u * col + 1u];
  }
  workgroupBarrier();
  let kb = P.N * P.cp + e * CH;
  for (var j = lid.x; j < P.N; j += 64u) {
    var a = 0.0;
    for (var i = 0u; i < CH; i++) { a = fma(qs[i], exp(A[kb + j * P.cp + i] - mx[i]) * inv[i], a); }
    out[(e * P.nrows + r) * P.N + j] = a;
  }
}
