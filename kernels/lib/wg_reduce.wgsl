// Sum of one f32 per invocation over a workgroup of WG invocations (tree reduction in workgroup
// memory); every invocation gets the total. The including kernel defines `const WG` (a power of
// two) and calls reduce() from uniform control flow: it has barriers.
var<workgroup> red: array<f32, WG>;

fn reduce(v: f32, tid: u32) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) { red[tid] += red[tid + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}
