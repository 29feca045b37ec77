// Sum of one f32 per invocation over a workgroup of WG invocations (tree reduction); every
// invocation gets the total. The including kernel defines `const WG` (a power of two) and calls
// reduce() from uniform control flow: it has barriers. Level s adds red[tid + s] into red[tid]
// (s = WG/2 … 1) in workgroup memory, a barrier per level. Where the device has subgroups,
// GpuContext.pipeline turns on the `//sg ` lines (withSubgroups in src/gpu/wgsl.ts: every entry
// point gets the parameter sg_size, its subgroup size, and sets sg_lane) and the levels
// s < sg_size are the same sums, lane i adding lane i + s by subgroupShuffleDown in every
// subgroup: the same total, bit for bit, with log2(sg_size) barriers fewer. Callers pass sg_size
// down from the entry point (uniform, so the barrier loop may depend on it); without subgroups it
// is this constant 1 (the tree all the way down), which the entry point's parameter shadows.
const sg_size = 1u;
var<workgroup> red: array<f32, WG>;
//sg var<private> sg_lane: u32;

fn reduce(v: f32, tid: u32, sg_size: u32) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  let sg = min(sg_size, WG); // levels s < sg are done in a subgroup
  for (var s = WG / 2u; s >= sg; s >>= 1u) {
    if (tid < s) { red[tid] += red[tid + s]; }
    workgroupBarrier();
  }
  var total = red[0];
//sg total = red[min(sg_lane, WG - 1u)];
//sg for (var s = sg / 2u; s > 0u; s >>= 1u) { total += subgroupShuffleDown(total, s); }
//sg total = subgroupBroadcast(total, 0u);
  workgroupBarrier();
  return total;
}
