import { chromium } from 'playwright-core';
import http from 'node:http';
const srv = http.createServer((q,s)=>{s.setHeader('content-type','text/html');s.end('<html><body>hi</body></html>')}).listen(8931);
const sets = {
 a: ['--enable-unsafe-webgpu'],
 b: ['--enable-unsafe-webgpu','--enable-features=Vulkan','--use-vulkan=swiftshader','--use-webgpu-adapter=swiftshader'],
 c: ['--enable-unsafe-webgpu','--use-angle=swiftshader','--enable-features=Vulkan'],
 d: ['--enable-unsafe-webgpu','--enable-features=Vulkan,WebGPU','--use-vulkan=swiftshader','--use-webgpu-adapter=swiftshader','--ignore-gpu-blocklist'],
};
for (const [k,args] of Object.entries(sets)) {
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', ...args, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'] });
const p = await b.newPage();
await p.goto('http://localhost:8931/');
const r = await p.evaluate(async () => { if (!navigator.gpu) return 'no navigator.gpu'; const a = await navigator.gpu.requestAdapter(); if (!a) return 'no adapter'; const i = a.info; return JSON.stringify({v:i.vendor,a:i.architecture,d:i.description,fb:a.isFallbackAdapter, f:[...a.features], l: a.limits.maxStorageBufferBindingSize}); });
console.log(k, r); await b.close();
}
srv.close();
