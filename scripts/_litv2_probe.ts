import { readFileSync } from 'node:fs';
import { litv2 } from '../src/models/litv2';
import { openFixture, fixtureTensor } from '../src/parity/fixture-file';
import { prngParams, compareForward } from '../src/parity/model-check';
const F = '/work/shared/fixtures/';
const kj = JSON.parse(readFileSync(F + 'models/litv2-s.keys.json', 'utf8'));
const f = openFixture('p', new Uint8Array(readFileSync(F + 'models/litv2-s.prng.safetensors')));
const inp = openFixture('i', new Uint8Array(readFileSync(F + 'preprocess/chelsea.safetensors')));
const x = fixtureTensor(inp, 'cropped_normalized');
const cfg = litv2.configFromFixture(kj.config);
const w = prngParams(kj.keys);
let t = performance.now();
const out = litv2.forwardReference(x, w, cfg);
console.log('S forward ms', performance.now() - t, compareForward(f, out));
for (const i of [0, 1, 2]) { const o = out.maps![`layers.${i}.downsample.offset`].data; let mx = 0, s = 0; for (const v of o) { mx = Math.max(mx, Math.abs(v)); s += Math.abs(v); } console.log('offset', i, mx, s / o.length); }
// ablation: zero offsets must fail
for (const i of [0,1,2]) { const k = `layers.${i}.downsample.dconv.conv_offset.`; w[k+'weight'] = { shape: w[k+'weight'].shape, data: new Float64Array(w[k+'weight'].data.length) }; w[k+'bias'] = { shape: [8], data: new Float64Array(8) }; }
console.log('zero offsets', compareForward(f, litv2.forwardReference(x, w, cfg)));
