// The network input from 8-bit pixels: x[b, c, p] = lut[c·256 + byte(b, p, c)]. The bytes are
// `batch` RGB images of `plane` pixels each, 3 bytes a pixel, row-major (the host's crops, packed
// four to a u32, little-endian); `lut` is ToTensor + Normalize per channel exactly as the CPU path
// computes it (PIXEL_LUT in src/image/resize-pil.ts), so x is the CPU's float input bit for bit.
// One thread per pixel reads its 3 bytes and writes one value to each channel plane ([B, 3, H, W],
// the layout every first layer reads; each plane's writes are contiguous across the workgroup).
// Under half storage x is stored 16-bit like any activation; the table stays f32.
struct Params { pixels: u32, plane: u32 }
@group(0) @binding(0) var<storage, read> rgb: array<u32>;
@group(0) @binding(1) var<storage, read> lut: array<f32>; // keep-f32: the host's table
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

fn byte_at(i: u32) -> u32 {
  return (rgb[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wg.y * nwg.x + wg.x) * 256u + lid.x;
  if (i >= P.pixels) { return; }
  let o = (i / P.plane) * 3u * P.plane + i % P.plane;
  for (var c = 0u; c < 3u; c++) {
    x[o + c * P.plane] = lut[c * 256u + byte_at(3u * i + c)];
  }
}
