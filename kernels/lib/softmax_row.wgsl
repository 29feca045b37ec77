// Included (`//#include lib/softmax_row.wgsl`, resolved by expandWgsl) by the kernels that draw one
// softmax row per workgroup of 64 threads: attn_rows, hilo_lofi_rows, fasa_attn_rows.
// The including kernel declares `out` (read_write storage) and `red: array<f32, 64>` (workgroup),
// has written the row's raw scores to out[base .. base + n) with thread t striding by 64, and
// passes that thread's running max m. Turns the row into its softmax in place. Call it from
// uniform control flow (it holds barriers).
fn softmax_row_finish(base: u32, n: u32, m: f32, t: u32) {
  red[t] = m;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (t < w) { red[t] = max(red[t], red[t + w]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var j = t; j < n; j += 64u) {
    let e = exp(out[base + j] - mx);
    out[base + j] = e;
    sum += e;
  }
  red[t] = sum;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (t < w) { red[t] += red[t + w]; }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];
  for (var j = t; j < n; j += 64u) { out[base + j] *= inv; }
}
