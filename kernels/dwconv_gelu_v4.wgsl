// LITv2 DWMlp middle, as dwconv.wgsl with bias and GELU (depthwise K×K conv, stride 1, zero padding `pad`,
// bias, then exact (erf) GELU on tokens [B, H·W, C]) for C % 4 == 0, reading its input once per
// row run instead of K² times per output: one thread owns 4 channels (vec4) of RUN consecutive
// pixels of one row; for each kernel row it walks the RUN + K − 1 input pixels of that row once
// and adds each to every output of the run it touches. Loads per output: K·(RUN + K − 1)/RUN
// (3.75 for K = 3, RUN = 8) vec4 instead of K² scalars. Each output still sums its taps in the
// (ky, kx) order of dwconv.wgsl, bias first, so results are the same.
// Grid: x = channel quads / 64, y = row · runs + run, z = image.
struct Params { H: u32, W: u32, C4: u32, pad: u32, runs: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;        // [B, H·W, C/4]
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;        // [K·K, C/4] (tap-major, transposed at upload)
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;        // [C/4]
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;  // [B, H·W, C/4]
@group(0) @binding(4) var<uniform> P: Params;

const K: u32 = {{K}}u;
const RUN: u32 = {{RUN}}u;

//#include lib/gelu.wgsl

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c4 = gid.x;
  if (c4 >= P.C4) { return; }
  let row = gid.y / P.runs;
  let x0 = (gid.y % P.runs) * RUN;
  let n = min(RUN, P.W - x0); // outputs of this run
  let img = gid.z * P.H * P.W;
  var acc: array<vec4<f32>, RUN>;
  let bias = b[c4];
  for (var o = 0u; o < RUN; o++) { acc[o] = bias; }
  var wt: array<vec4<f32>, K * K>; // this quad's taps, read once
  for (var t = 0u; t < K * K; t++) { wt[t] = w[t * P.C4 + c4]; }
  for (var ky = 0u; ky < K; ky++) {
    let iy = i32(row + ky) - i32(P.pad);
    if (iy < 0 || iy >= i32(P.H)) { continue; }
    // input columns x0 − pad … x0 + n − 1 + (K − 1 − pad); tap kx of output o reads column o + kx − pad
    for (var j = 0u; j < RUN + K - 1u; j++) {
      let ix = i32(x0 + j) - i32(P.pad);
      if (j >= n + K - 1u || ix < 0 || ix >= i32(P.W)) { continue; }
      let v = x[(img + u32(iy) * P.W + u32(ix)) * P.C4 + c4];
      for (var kx = 0u; kx < K; kx++) {
        // output o = j − kx, when inside the run
        if (j >= kx && j - kx < n) {
          acc[j - kx] = fma(v, wt[ky * K + kx], acc[j - kx]);
        }
      }
    }
  }
  for (var o = 0u; o < n; o++) {
    let s = acc[o];
    y[(img + row * P.W + x0 + o) * P.C4 + c4] = vec4<f32>(gelu(s.x), gelu(s.y), gelu(s.z), gelu(s.w));
  }
}
