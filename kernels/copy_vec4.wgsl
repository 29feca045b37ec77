// dst = src, one vec4<f32> per invocation over a 2D grid of workgroups (the copy half of the
// roofline: achievable memory bandwidth for a plain streaming kernel).
struct Params { n: u32 }

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> prm: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i < prm.n) {
    dst[i] = src[i];
  }
}
