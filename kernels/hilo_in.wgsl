// HiLo's input projections in one launch: two Linears over K = C as one grouped GEMM on
// lib/gemm.wgsl's tiles. Workgroups [0, tiles1): y1 = x·W[0, n1)ᵀ + b on the rows1 tokens;
// workgroups [tiles1, tiles1 + tiles2): y2 = pool(x)·W[off2, off2 + n2)ᵀ + b on the rows2 pooled
// cells (l_kv), where pool(x) is AvgPool2d(ws, ws) of the zero-padded grid read on the fly: the sum
// of the cell's real pixels / ws² (the divisor counts padded zeros, as the official code does).
// Either product may be empty (tiles 0). A batch of images lies back to back (cells per image G).
struct Params { K: u32, rows1: u32, n1: u32, tx1: u32, tiles1: u32, rows2: u32, n2: u32, tx2: u32, off2: u32, hasBias: u32, H: u32, W: u32, Gw: u32, G: u32, ws: u32, inv: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;        // [B·H·W, K]
@group(0) @binding(1) var<storage, read> w: array<f32>;        // stacked Linear weights [rows, K]
@group(0) @binding(2) var<storage, read> b: array<f32>;        // their biases (dummy unless hasBias)
@group(0) @binding(3) var<storage, read_write> y1: array<f32>; // [rows1, n1]
@group(0) @binding(4) var<storage, read_write> y2: array<f32>; // [rows2, n2] (dummy when tiles2 = 0)
@group(0) @binding(5) var<uniform> P: Params;

//#include lib/gemm.wgsl

const MM_B_ALONG_N = false;
var<private> pooled: bool; // this workgroup's product is the second
var<private> woff: u32;    // its first weight row

fn mm_readA(m: u32, k: u32) -> f32 {
  if (!pooled) { return x[m * P.K + k]; }
  let cell = m % P.G;
  let y0 = (cell / P.Gw) * P.ws;
  let x0 = (cell % P.Gw) * P.ws;
  let base = (m / P.G) * P.H * P.W;
  var s = 0.0;
  for (var yy = y0; yy < min(y0 + P.ws, P.H); yy++) {
    for (var xx = x0; xx < min(x0 + P.ws, P.W); xx++) { s += x[(base + yy * P.W + xx) * P.K + k]; }
  }
  return s * P.inv;
}
fn mm_readB(k: u32, n: u32) -> f32 { return w[(woff + n) * P.K + k]; }
fn mm_write(m: u32, n: u32, s: f32) {
  var v = s;
  if (P.hasBias != 0u) { v += b[woff + n]; }
  if (pooled) { y2[m * P.n2 + n] = v; } else { y1[m * P.n1 + n] = v; }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  pooled = wg.x >= P.tiles1;
  let t = select(wg.x, wg.x - P.tiles1, pooled);
  let tx = select(P.tx1, P.tx2, pooled);
  woff = select(0u, P.off2, pooled);
  mm_tile((t / tx) * MM_TM, (t % tx) * MM_TN, lid, select(P.rows1, P.rows2, pooled), select(P.n1, P.n2, pooled), P.K, 0u, mm_steps(P.K));
}
