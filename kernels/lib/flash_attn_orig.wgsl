// The attention core of mhsa, HiLo's Lo-Fi branch and FASA (flash-attention-2 style, one pass,
// no N×M matrix in memory): out_i = Σ_j softmax_j(scale·q_i·k_j)·v_j over M keys.
// A workgroup is TQ query threads × S key splits (WG = TQ·S threads) and serves TQ·QB queries of
// one head: thread (tq, s) holds QB queries (tq, tq+TQ, …) in registers, so every key and value
// it reads from workgroup memory serves QB queries. Tiles of TK = S·KB keys and values are staged
// in workgroup memory (vec4 reads); split s takes keys s·KB … s·KB+KB−1 of every tile. Per tile a
// thread scores its KB keys for its QB queries into registers, takes the block max, rescales its
// running (m, l, acc) once, then adds the KB values with one exp per score. At the end the S
// partial softmaxes of each query are merged in workgroup memory (log-sum-exp) and the s = 0
// thread hands the query's HD outputs to the kernel's epilogue.
// Head vectors are HD4 = ceil(HD/4) vec4s, zero padded. Queries vary fastest in a warp, so a warp
// shares its split: its workgroup-memory reads are broadcasts.
// The including kernel defines the hooks (reads may assume qi < N and j < M):
//   attn_q(img, h, qi, c) -> vec4   channels 4c…4c+3 of query qi (zero past HD)
//   attn_k(img, h, j, c), attn_v(img, h, j, c) -> vec4   the same of key / value j
//   attn_out(img, h, qi, o: array<vec4<f32>, HD4>)        the query's output (its epilogue)
// and the constant KEY_FAST:
// whether consecutive threads stage consecutive keys (channel-first inputs) or consecutive channel
// chunks of one key (row-major inputs), for coalesced loads. Locals here avoid
// the kernels' buffer names, which the 16-bit storage rewrite (src/gpu/half-storage.ts) matches.
// the launch shape, filled in from attnShape (src/ops/common/attn.ts)
const HD: u32 = {{HD}}u;
const HD4: u32 = {{HD4}}u;
const QB: u32 = {{QB}}u;
const TQ: u32 = {{TQ}}u;
const S: u32 = {{S}}u;
const KB: u32 = {{KB}}u;
const SH: u32 = {{SH}}u;
const TK: u32 = S * KB;
const WG: u32 = TQ * S;
const NEG: f32 = -3.0e38;
// keys at [0, TK·HD4), values after; reused by the final merge (at least WG·QB vec4s)
var<workgroup> sh: array<vec4<f32>, SH>;

fn flash_attn(img: u32, h: u32, qblock: u32, lid: u32, N: u32, M: u32, scale: f32) {
  let tq = lid % TQ;
  let s = lid / TQ;
  let q0 = qblock * TQ * QB + tq;
  var qr: array<vec4<f32>, QB * HD4>;
  var acc: array<vec4<f32>, QB * HD4>;
  var m: array<f32, QB>;
  var l: array<f32, QB>;
  for (var i = 0u; i < QB; i++) {
    let qi = min(q0 + i * TQ, N - 1u);
    for (var c = 0u; c < HD4; c++) {
      qr[i * HD4 + c] = attn_q(img, h, qi, c) * scale;
      acc[i * HD4 + c] = vec4<f32>(0.0);
    }
    m[i] = NEG;
    l[i] = 0.0;
  }
  var p: array<f32, QB * KB>;
  let k0 = s * KB;
  for (var j0 = 0u; j0 < M; j0 += TK) {
    for (var e = lid; e < TK * HD4; e += WG) {
      let j = select(e / HD4, e % TK, KEY_FAST);
      let c = select(e % HD4, e / TK, KEY_FAST);
      var kk = vec4<f32>(0.0);
      var vv = vec4<f32>(0.0);
      if (j0 + j < M) {
        kk = attn_k(img, h, j0 + j, c);
        vv = attn_v(img, h, j0 + j, c);
      }
      sh[j * HD4 + c] = kk;
      sh[(TK + j) * HD4 + c] = vv;
    }
    workgroupBarrier();
    var bmax: array<f32, QB>;
    for (var i = 0u; i < QB; i++) { bmax[i] = m[i]; }
    for (var jj = 0u; jj < KB; jj++) {
      let live = j0 + k0 + jj < M;
      var sc: array<f32, QB>;
      for (var i = 0u; i < QB; i++) { sc[i] = 0.0; }
      for (var c = 0u; c < HD4; c++) {
        let kk = sh[(k0 + jj) * HD4 + c];
        for (var i = 0u; i < QB; i++) { sc[i] += dot(qr[i * HD4 + c], kk); }
      }
      for (var i = 0u; i < QB; i++) {
        // keys past M score NEG and get weight 0 below
        p[i * KB + jj] = select(NEG, sc[i], live);
        bmax[i] = max(bmax[i], p[i * KB + jj]);
      }
    }
    for (var i = 0u; i < QB; i++) {
      let corr = exp(m[i] - bmax[i]);
      l[i] *= corr;
      for (var c = 0u; c < HD4; c++) { acc[i * HD4 + c] *= corr; }
      for (var jj = 0u; jj < KB; jj++) {
        // select, not exp alone: with every key so far past M, p − bmax is 0, not −inf
        let w = select(0.0, exp(p[i * KB + jj] - bmax[i]), j0 + k0 + jj < M);
        p[i * KB + jj] = w;
        l[i] += w;
      }
      m[i] = bmax[i];
    }
    for (var jj = 0u; jj < KB; jj++) {
      for (var c = 0u; c < HD4; c++) {
        let vv = sh[(TK + k0 + jj) * HD4 + c];
        for (var i = 0u; i < QB; i++) { acc[i * HD4 + c] = fma(vec4<f32>(p[i * KB + jj]), vv, acc[i * HD4 + c]); }
      }
    }
    workgroupBarrier();
  }
  // Merge the S splits of each query: M = max m_s; out = Σ acc_s·e^(m_s−M) / Σ l_s·e^(m_s−M).
  // A split that saw no key has m = NEG, l = 0, acc = 0 and weight e^(NEG−M) = 0.
  let slot = s * QB * TQ + tq; // + i·TQ: query i of this thread, split s
  for (var i = 0u; i < QB; i++) { sh[slot + i * TQ] = vec4<f32>(m[i], 0.0, 0.0, 0.0); }
  workgroupBarrier();
  var f: array<f32, QB>;
  for (var i = 0u; i < QB; i++) {
    var mx = NEG;
    for (var r = 0u; r < S; r++) { mx = max(mx, sh[r * QB * TQ + i * TQ + tq].x); }
    f[i] = exp(m[i] - mx);
  }
  workgroupBarrier();
  for (var i = 0u; i < QB; i++) { sh[slot + i * TQ] = vec4<f32>(l[i] * f[i], 0.0, 0.0, 0.0); }
  workgroupBarrier();
  var inv: array<f32, QB>;
  for (var i = 0u; i < QB; i++) {
    var lt = 0.0;
    for (var r = 0u; r < S; r++) { lt += sh[r * QB * TQ + i * TQ + tq].x; }
    inv[i] = 1.0 / lt;
  }
  var out: array<vec4<f32>, QB * HD4>;
  for (var c = 0u; c < HD4; c++) {
    workgroupBarrier();
    for (var i = 0u; i < QB; i++) { sh[slot + i * TQ] = acc[i * HD4 + c] * f[i]; }
    workgroupBarrier();
    if (s == 0u) {
      for (var i = 0u; i < QB; i++) {
        var sum = vec4<f32>(0.0);
        for (var r = 0u; r < S; r++) { sum += sh[r * QB * TQ + i * TQ + tq]; }
        out[i * HD4 + c] = sum * inv[i];
      }
    }
  }
  if (s != 0u) { return; }
  for (var i = 0u; i < QB; i++) {
    if (q0 + i * TQ < N) {
      var res: array<vec4<f32>, HD4>;
      for (var c = 0u; c < HD4; c++) { res[c] = out[i * HD4 + c]; }
      attn_out(img, h, q0 + i * TQ, res);
    }
  }
}
