/**
 * An in-memory CacheStorage with the parts src/weights/fetch-cache.ts uses (open, match, put,
 * delete, keys), for the download tests in Node. `store` is open for tests to inspect and tamper.
 */
export class MemCache {
  store = new Map<string, { body: Uint8Array; headers: [string, string][] }>();
  private key = (r: RequestInfo | URL) => (typeof r === 'string' ? r : r instanceof URL ? r.href : r.url);
  async match(r: RequestInfo | URL) {
    const e = this.store.get(this.key(r));
    return e ? new Response(e.body.slice(), { headers: e.headers }) : undefined;
  }
  async put(r: RequestInfo | URL, res: Response) {
    this.store.set(this.key(r), { body: new Uint8Array(await res.arrayBuffer()), headers: [...res.headers] });
  }
  async delete(r: RequestInfo | URL) {
    return this.store.delete(this.key(r));
  }
  async keys() {
    return [...this.store.keys()].map((k) => new Request(k));
  }
}

export class MemCaches {
  caches = new Map<string, MemCache>();
  async open(name: string) {
    if (!this.caches.has(name)) this.caches.set(name, new MemCache());
    return this.caches.get(name)!;
  }
  async delete(name: string) {
    return this.caches.delete(name);
  }
  /** as the CacheStorage type the module takes */
  get api(): CacheStorage {
    return this as unknown as CacheStorage;
  }
}
