// One element x̂[m, k] of a dense conv's implicit im2col matrix (groups 1, zero padding, any kernel
// and stride): m = (image, oy, ox), k = (ci, ky, kx), so torch's weight [Cout, Cin, kh, kw] is
// already w[N, K]. x is channel-first [B, Cin, H, W] or tokens [B, H·W, Cin] (channel_first = 0).
// The including kernel binds `x` and a uniform `P` with fields Cin, H, W, Ho, Wo, kh, kw, sh, sw,
// ph, pw, channel_first.
fn im2col(m: u32, k: u32) -> f32 {
  let hw = P.Ho * P.Wo;
  let img = m / hw;
  let p = m % hw;
  let oy = p / P.Wo;
  let ox = p % P.Wo;
  let kk = P.kh * P.kw;
  let ci = k / kk;
  let r = k % kk;
  let iy = i32(oy * P.sh + r / P.kw) - i32(P.ph);
  let ix = i32(ox * P.sw + r % P.kw) - i32(P.pw);
  if (iy < 0 || ix < 0 || iy >= i32(P.H) || ix >= i32(P.W)) { return 0.0; }
  let pix = u32(iy) * P.W + u32(ix);
  if (P.channel_first != 0u) { return x[(img * P.Cin + ci) * P.H * P.W + pix]; }
  return x[(img * P.H * P.W + pix) * P.Cin + ci];
}
