/**
 * A restricted, NON-EXECUTING pickle VM for reading `torch.save` files.
 *
 * Why hand-written: a pickle is a program — Python's unpickler imports any module and calls any
 * function the file names (that is how `os.system` gets run by a booby-trapped .pth). No JS
 * library reads torch pickles safely: the generic JS unpicklers either reject torch's
 * persistent-id storages and `_rebuild_tensor_v2` or map globals to callable JS hooks. Here
 * nothing is ever called, and globals go through an ALLOW-LIST, like PyTorch's `weights_only`
 * unpickler: what a state_dict needs is *interpreted* (OrderedDict, the tensor/parameter rebuild
 * functions, storage classes, dtypes, torch.Size, set/frozenset), and the config objects official
 * training checkpoints carry (yacs CfgNode, argparse.Namespace, torch.device) become inert
 * `PyObject`s that only record their arguments and state. Any other global — whatever it is an
 * alias of — refuses the file, naming `module.name`. Hostile input is bounded: stack, memo, mark
 * depth, string and integer sizes, objects built and elements copied are capped, every read is
 * bounds-checked, unknown opcodes fail, and nothing recurses on the file's nesting depth.
 */
import { CheckpointFormatError, type DType } from './safetensors';

export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of a class we do not interpret: the call and its state, recorded, never run. */
export class PyObject {
  state: unknown = undefined;
  readonly items = new Map<unknown, unknown>();
  readonly list: unknown[] = [];
  constructor(readonly cls: string, readonly args: unknown[]) {}
}

/** A storage named by a persistent id: ('storage', <StorageClass>, key, location, numel[, view]). */
export interface StorageRef {
  readonly kind: 'storage';
  dtype: DType;
  key: string;
  location: string;
  /** elements of `dtype` (bytes for UntypedStorage) */
  numel: number;
  /** legacy format only: (root key, element offset, size) of a view into another storage */
  view?: { key: string; offset: number; size: number };
}

export interface TensorRef {
  readonly kind: 'tensor';
  storage: StorageRef;
  dtype: DType;
  offset: number;
  shape: number[];
  stride: number[];
}

export function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
}

export interface PickleLimits {
  maxStack: number;
  maxMemo: number;
  maxMarkDepth: number;
  maxStringBytes: number;
  maxLongBytes: number;
  maxTensorDims: number;
  /** containers and objects built (each costs memory; a real state_dict builds a few thousand) */
  maxObjects: number;
  /** elements copied or visited by opcodes that take a whole container (guards quadratic replays) */
  maxWork: number;
  /** opcodes executed (memory and time stay proportional to this) */
  maxOps: number;
}

export const DEFAULT_PICKLE_LIMITS: PickleLimits = {
  maxStack: 1 << 22,
  maxMemo: 1 << 22,
  maxMarkDepth: 10_000,
  maxStringBytes: 64 << 20,
  maxLongBytes: 4096,
  maxTensorDims: 64,
  maxObjects: 1 << 18,
  maxWork: 1 << 21,
  maxOps: 1 << 24,
};

export interface UnpickleOptions {
  label?: string;
  limits?: Partial<PickleLimits>;
}

export interface UnpickleResult {
  value: unknown;
  /** offset just past STOP (the legacy format stores several pickles back to back) */
  end: number;
  /** allowed config classes kept as inert placeholders (yacs CfgNode, argparse.Namespace…), first-seen order */
  placeholders: string[];
}

/** Storage classes a persistent id may name (own entries only: a file's name is never looked up on a prototype). */
const STORAGE_DTYPES = new Map<string, DType>([
  ['FloatStorage', 'F32'], ['HalfStorage', 'F16'], ['BFloat16Storage', 'BF16'], ['DoubleStorage', 'F64'],
  ['LongStorage', 'I64'], ['IntStorage', 'I32'], ['ShortStorage', 'I16'], ['CharStorage', 'I8'], ['ByteStorage', 'U8'],
  ['BoolStorage', 'BOOL'], ['UntypedStorage', 'U8'],
]);

const TORCH_DTYPES = new Map<string, DType>([
  ['float32', 'F32'], ['float', 'F32'], ['float16', 'F16'], ['half', 'F16'], ['bfloat16', 'BF16'], ['float64', 'F64'], ['double', 'F64'],
  ['int64', 'I64'], ['long', 'I64'], ['int32', 'I32'], ['int', 'I32'], ['int16', 'I16'], ['short', 'I16'], ['int8', 'I8'], ['uint8', 'U8'], ['bool', 'BOOL'],
]);

/** How an allowed global is treated. Nothing is ever called: 'inert' builds a PyObject that records its arguments. */
type GlobalRole = 'dict' | 'set' | 'size' | 'tensor' | 'parameter' | 'subclass' | 'tensor-class' | 'storage' | 'dtype' | 'codecs' | 'inert';

/**
 * The allow-list: exactly what `torch.save` writes for a state_dict (any protocol, old and new
 * torch), plus the objects the official training checkpoints carry beside the model —
 * LITv2/Swin-style `config` (yacs.config.CfgNode), DeiT/VVT-style `args` (argparse.Namespace),
 * torch.device. `__builtin__`/`copy_reg` are the names protocol-2 pickles written by Python 3 use
 * (fix_imports). Keyed by `module.name`, looked up with Map.get only.
 */
const ALLOWED_GLOBALS = new Map<string, GlobalRole>([
  ['collections.OrderedDict', 'dict'],
  ['builtins.dict', 'dict'], ['__builtin__.dict', 'dict'],
  ['builtins.set', 'set'], ['__builtin__.set', 'set'], ['builtins.frozenset', 'set'], ['__builtin__.frozenset', 'set'],
  ['torch.Size', 'size'],
  ['torch._utils._rebuild_tensor', 'tensor'], ['torch._utils._rebuild_tensor_v2', 'tensor'], ['torch._utils._rebuild_tensor_v3', 'tensor'],
  ['torch._utils._rebuild_parameter', 'parameter'], ['torch._utils._rebuild_parameter_with_state', 'parameter'],
  ['torch._tensor._rebuild_from_type_v2', 'subclass'],
  ['torch.Tensor', 'tensor-class'], ['torch.nn.parameter.Parameter', 'tensor-class'],
  ['_codecs.encode', 'codecs'],
  ['torch.device', 'inert'],
  ['yacs.config.CfgNode', 'inert'],
  ['argparse.Namespace', 'inert'],
  ...[...STORAGE_DTYPES.keys()].map((n) => [`torch.${n}`, 'storage'] as [string, GlobalRole]),
  ['torch.storage.UntypedStorage', 'storage'], ['torch.storage.TypedStorage', 'storage'],
  ...[...TORCH_DTYPES.keys()].map((n) => [`torch.${n}`, 'dtype'] as [string, GlobalRole]),
]);

/**
 * Globals that a booby-trapped pickle uses to run code, spawn processes, touch files or the network
 * under Python's unpickler. Used only to word the refusal (every global off the allow-list is
 * refused anyway): for these the message says the file runs code on load.
 */
const CODE_MODULES = new Set([
  'os', 'posix', 'nt', 'subprocess', '_posixsubprocess', '_winapi', 'sys', 'shutil', 'socket', 'importlib', 'runpy',
  'pty', 'ctypes', 'code', 'codeop', 'pickle', '_pickle', 'marshal', 'webbrowser', 'multiprocessing', 'asyncio',
  'signal', 'commands', 'popen2', 'pdb', 'bdb', 'timeit', 'cProfile', 'profile', 'trace', 'threading', '_thread',
  'urllib', 'http', 'ftplib', 'smtplib', 'telnetlib', 'requests', 'pip', 'setuptools', 'distutils', 'zipimport',
]);
const CODE_NAMES = new Set([
  'eval', 'exec', 'execfile', 'compile', 'open', 'file', 'getattr', 'setattr', 'delattr', '__import__', 'system', 'popen',
  'globals', 'locals', 'vars', 'input', 'raw_input', 'breakpoint', 'apply', 'exit', 'quit', 'help', 'load', 'loads',
  'attrgetter', 'methodcaller', 'FunctionType', 'CodeType', 'MethodType', 'spawn', 'run', 'call', 'check_output', 'Popen',
]);

/** Whether a global is a known way to run code under Python's unpickler (wording of the refusal only). */
export function isCodeGlobal(module: string, name: string): boolean {
  return module.split('.').some((part) => CODE_MODULES.has(part)) || CODE_NAMES.has(name);
}

/** Thrown (as a CheckpointFormatError) when a pickle names a global off the allow-list. */
export class RefusedGlobalError extends CheckpointFormatError {
  constructor(label: string, readonly global: string, readonly runsCode: boolean) {
    // os.system pickles as posix.system / nt.system (its __module__); say both names.
    const shown = /^(posix|nt)\./.test(global) ? `${global} (os.${global.split('.').slice(1).join('.')})` : global;
    const why = runsCode
      ? `PyTorch's own loader (weights_only=False) would call it while reading the file, i.e. the file runs code on load`
      : /^torch\.nn\.modules\./.test(global) || /^__main__\./.test(global)
        ? 'the file pickles a whole model object, not a state_dict; re-save it with torch.save(model.state_dict(), …)'
        : "it is not among the objects a state_dict or a training checkpoint needs (PyTorch's weights_only loader refuses it too)";
    super(`${label}: refused — the pickle references ${shown}: ${why}. Nothing was executed. If you trust its source, export the state_dict to .safetensors or re-save it with torch.save(model.state_dict(), …).`);
  }
}

export function unpickle(data: Uint8Array, start = 0, opts: UnpickleOptions = {}): UnpickleResult {
  const label = opts.label ?? 'pickle';
  const lim = { ...DEFAULT_PICKLE_LIMITS, ...opts.limits };
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const fail = (msg: string): never => {
    throw new CheckpointFormatError(`${label}: ${msg}`);
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = start;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  const placeholders = new Set<string>();
  const latin1 = new TextDecoder('latin1');
  let objects = 0;
  let work = 0;
  let ops = 0;
  /** a new container or object: counted against maxObjects */
  const made = <T>(v: T): T => {
    if (++objects > lim.maxObjects) fail(`pickle builds more than ${lim.maxObjects} objects (a state_dict builds a few thousand)`);
    return v;
  };
  /** n elements copied or visited: counted against maxWork, so replaying a big memoized container cannot go quadratic */
  const charge = (n: number) => {
    work += n;
    if (work > lim.maxWork) fail(`pickle copies more than ${lim.maxWork} container elements (replayed containers?)`);
  };

  const need = (n: number) => {
    if (n < 0 || pos + n > data.length) fail(`truncated pickle (needs ${n} bytes at offset ${pos}, ${data.length - pos} left)`);
  };
  const u8 = () => { need(1); return data[pos++]; };
  const u16 = () => { need(2); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const bytes = (n: number) => {
    if (n > lim.maxStringBytes) fail(`string/bytes of ${n} bytes at offset ${pos} exceeds the ${lim.maxStringBytes}-byte limit`);
    need(n);
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const str = (n: number) => {
    const b = bytes(n);
    try {
      return utf8.decode(b);
    } catch {
      return fail(`invalid UTF-8 string at offset ${pos - n}`);
    }
  };
  const line = () => {
    let e = pos;
    while (e < data.length && data[e] !== 0x0a) e++;
    if (e >= data.length) fail('truncated pickle (unterminated text line)');
    if (e - pos > lim.maxStringBytes) fail('text line exceeds the string limit');
    const s = latin1.decode(data.subarray(pos, e));
    pos = e + 1;
    return s;
  };
  const push = (v: unknown) => {
    if (stack.length >= lim.maxStack) fail(`pickle stack exceeds ${lim.maxStack} items`);
    stack.push(v);
  };
  const pop = (): unknown => {
    if (!stack.length) fail(`stack underflow at offset ${pos - 1}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (!stack.length) fail(`stack underflow at offset ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) fail(`MARK missing at offset ${pos - 1}`);
    stack = prev!;
    return items;
  };
  const put = (i: number, v: unknown) => {
    if (!memo.has(i) && memo.size >= lim.maxMemo) fail(`pickle memo exceeds ${lim.maxMemo} entries`);
    memo.set(i, v);
  };
  const get = (i: number) => {
    if (!memo.has(i)) fail(`memo key ${i} not defined (corrupt pickle)`);
    return memo.get(i);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const global = (module: string, name: string): PyGlobal => {
    const g = new PyGlobal(module, name);
    const role = ALLOWED_GLOBALS.get(g.qualified);
    if (!role) throw new RefusedGlobalError(label, g.qualified.length > 200 ? `${g.qualified.slice(0, 200)}…` : g.qualified, isCodeGlobal(module, name));
    if (role === 'inert') placeholders.add(g.qualified);
    return g;
  };
  const setItems = (target: unknown, kv: unknown[]) => {
    if (kv.length % 2) fail('SETITEMS with an odd number of items');
    const m = target instanceof Map ? target : target instanceof PyObject ? target.items : fail('SETITEM(S) on a non-dict');
    if (m.size + kv.length / 2 > lim.maxStack) fail(`dict exceeds ${lim.maxStack} items`);
    for (let i = 0; i < kv.length; i += 2) m.set(kv[i], kv[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (Array.isArray(target)) {
      if (target.length + items.length > lim.maxStack) fail(`list exceeds ${lim.maxStack} items`);
      for (const it of items) target.push(it);
    } else if (target instanceof PyObject) {
      if (target.list.length + items.length > lim.maxStack) fail(`list exceeds ${lim.maxStack} items`);
      for (const it of items) target.list.push(it);
    } else if (target instanceof Set) {
      if (target.size + items.length > lim.maxStack) fail(`set exceeds ${lim.maxStack} items`);
      for (const it of items) target.add(it);
    } else fail('APPEND(S) on a non-list');
  };
  const call = (fn: unknown, args: unknown): unknown => {
    const a = Array.isArray(args) ? args : fail('REDUCE arguments are not a tuple');
    if (!(fn instanceof PyGlobal)) return fail(`REDUCE on a non-callable (${describe(fn)})`);
    return interpretCall(fn, a, { fail, lim, made, charge });
  };
  const newObject = (cls: unknown, args: unknown[]): unknown => {
    if (!(cls instanceof PyGlobal)) return fail(`NEWOBJ/INST on a non-class (${describe(cls)})`);
    const role = ALLOWED_GLOBALS.get(cls.qualified);
    if (role === 'dict') return made(new Map());
    if (role === 'set') return made(new Set());
    if (role === 'inert') return made(new PyObject(cls.qualified, args));
    return fail(`${cls.qualified} cannot be instantiated with NEWOBJ/INST in a checkpoint`);
  };

  while (true) {
    if (pos >= data.length) fail(`truncated pickle (no STOP opcode; ${data.length - start} bytes read)`);
    if (++ops > lim.maxOps) fail(`pickle runs more than ${lim.maxOps} opcodes (a state_dict needs far fewer)`);
    const opPos = pos;
    const op = data[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const p = u8();
        if (p > 5) fail(`unsupported pickle protocol ${p}`);
        break;
      }
      case 0x95: u64(); break; // FRAME: length is advisory
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: pos, placeholders: [...placeholders] };
      }
      case 0x28: // MARK
        if (marks.length >= lim.maxMarkDepth) fail(`MARK nesting exceeds ${lim.maxMarkDepth}`);
        marks.push(stack);
        stack = [];
        break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(long(bytes(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0 || n > lim.maxLongBytes) fail(`LONG4 of ${n} bytes exceeds the limit`);
        push(long(bytes(n)));
        break;
      }
      case 0x49: { // INT (text; "00"/"01" are bools in protocol 0)
        const s = line();
        if (s === '00') push(false);
        else if (s === '01') push(true);
        else push(parseIntText(s, fail));
        break;
      }
      case 0x4c: push(parseIntText(line().replace(/L$/, ''), fail)); break; // LONG (text)
      case 0x46: push(Number(line())); break; // FLOAT (text)
      case 0x47: need(8); push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x8c: push(str(u8())); break; // SHORT_BINUNICODE
      case 0x58: push(str(u32())); break; // BINUNICODE
      case 0x8d: push(str(u64())); break; // BINUNICODE8
      case 0x56: push(line()); break; // UNICODE (raw-unicode-escape; ASCII in practice)
      case 0x55: push(latin1.decode(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x54: { // BINSTRING
        const n = i32();
        if (n < 0) fail(`BINSTRING with a negative length ${n}`);
        push(latin1.decode(bytes(n)));
        break;
      }
      case 0x53: push(line().replace(/^(['"])(.*)\1$/, '$2')); break; // STRING (text)
      case 0x43: push(bytes(u8())); break; // SHORT_BINBYTES
      case 0x42: push(bytes(u32())); break; // BINBYTES
      case 0x8e: push(bytes(u64())); break; // BINBYTES8
      case 0x96: push(bytes(u64())); break; // BYTEARRAY8
      case 0x29: push(made([])); break; // EMPTY_TUPLE
      case 0x85: push(made([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(made([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(made([a, b, c])); break; } // TUPLE3
      case 0x74: { const items = popMark(); push(made(items)); break; } // TUPLE
      case 0x5d: push(made([])); break; // EMPTY_LIST
      case 0x6c: { const items = popMark(); push(made(items)); break; } // LIST
      case 0x7d: push(made(new Map())); break; // EMPTY_DICT
      case 0x64: { const kv = popMark(); const m = made(new Map()); setItems(m, kv); push(m); break; } // DICT
      case 0x8f: push(made(new Set())); break; // EMPTY_SET
      case 0x91: { const items = popMark(); push(made(new Set(items))); break; } // FROZENSET
      case 0x90: { const items = popMark(); appendItems(top(), items); break; } // ADDITEMS
      case 0x61: { // APPEND
        const v = pop();
        const t = top();
        if (Array.isArray(t) && t.length < lim.maxStack) t.push(v);
        else appendItems(t, [v]);
        break;
      }
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x71: put(u8(), top()); break; // BINPUT
      case 0x72: put(u32(), top()); break; // LONG_BINPUT
      case 0x94: put(memo.size, top()); break; // MEMOIZE
      case 0x70: put(parseIntText(line(), fail) as number, top()); break; // PUT (text)
      case 0x68: push(get(u8())); break; // BINGET
      case 0x6a: push(get(u32())); break; // LONG_BINGET
      case 0x67: push(get(parseIntText(line(), fail) as number)); break; // GET (text)
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        push(global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(global(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); push(call(fn, args)); break; } // REDUCE
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        push(newObject(cls, Array.isArray(args) ? args : [args]));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        push(newObject(cls, [args, kwargs]));
        break;
      }
      case 0x69: { // INST (protocol 0): module\nname\n then MARKed args
        const module = line();
        const name = line();
        const args = popMark();
        push(newObject(global(module, name), args));
        break;
      }
      case 0x6f: { // OBJ (protocol 1): MARK cls args...
        const items = popMark();
        if (!items.length) fail('OBJ without a class');
        push(newObject(items[0], items.slice(1)));
        break;
      }
      case 0x62: { // BUILD: obj.__setstate__(state), recorded on placeholders only
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        // On a dict (a state_dict's `_metadata`) or a tensor (Python attributes) it carries no weights.
        else if (!(obj instanceof Map) && !isTensorRef(obj)) fail(`BUILD on ${describe(obj)}`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        push(made(storageFromPid(pid, fail)));
        break;
      }
      case 0x50: fail('text persistent ids (protocol 0 PERSID) are not used by torch.save'); break;
      case 0x82: case 0x83: case 0x84: fail(`extension-registry opcode 0x${op.toString(16)} at offset ${opPos} is not supported`); break;
      case 0x97: case 0x98: fail('out-of-band pickle buffers (protocol 5) are not supported'); break;
      default:
        fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at offset ${opPos} (corrupt or not a pickle)`);
    }
  }
}

interface CallCtx {
  fail: (m: string) => never;
  lim: PickleLimits;
  made: <T>(v: T) => T;
  charge: (n: number) => void;
}

/** REDUCE of an allowed global, interpreted (never called). */
function interpretCall(fn: PyGlobal, a: unknown[], ctx: CallCtx): unknown {
  const { fail, made, charge } = ctx;
  const q = fn.qualified;
  switch (ALLOWED_GLOBALS.get(q)) {
    case 'dict': {
      const m = made(new Map<unknown, unknown>());
      if (Array.isArray(a[0])) {
        charge(a[0].length);
        for (const kv of a[0]) if (Array.isArray(kv) && kv.length === 2) m.set(kv[0], kv[1]);
      }
      return m;
    }
    case 'set': {
      const items = Array.isArray(a[0]) ? a[0] : [];
      charge(items.length);
      return made(new Set(items));
    }
    case 'size': {
      const dims = Array.isArray(a[0]) ? a[0] : [];
      charge(dims.length);
      return made([...dims]);
    }
    case 'tensor':
      return made(rebuildTensor(q, a, ctx));
    case 'parameter':
      if (!isTensorRef(a[0])) return fail(`${q} called without a tensor (${describe(a[0])})`);
      return a[0];
    case 'subclass': {
      // (func, new_type, args, state): a tensor subclass; the data is whatever func rebuilds.
      const [inner, , innerArgs] = a;
      if (inner instanceof PyGlobal && ALLOWED_GLOBALS.get(inner.qualified) === 'tensor' && Array.isArray(innerArgs)) {
        return made(rebuildTensor(inner.qualified, innerArgs, ctx));
      }
      return fail(`${q} without a tensor rebuild inside (${describe(inner)})`);
    }
    case 'codecs': {
      // _codecs.encode(str, 'latin1'): how protocol-2 pickles from Python 3 store bytes
      const [text, enc] = a;
      if (typeof text !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) return fail('_codecs.encode with unexpected arguments');
      charge(text.length);
      return made(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff));
    }
    case 'inert':
      return made(new PyObject(q, a));
    default:
      // storage classes, dtypes, torch.Tensor: names, not functions a checkpoint calls
      return fail(`${q} is called, which no checkpoint does`);
  }
}

function intList(v: unknown, what: string, fail: (m: string) => never, lim: PickleLimits): number[] {
  if (!Array.isArray(v)) fail(`tensor ${what} is not a tuple`);
  const a = v as unknown[];
  if (a.length > lim.maxTensorDims) fail(`tensor ${what} has ${a.length} dimensions (limit ${lim.maxTensorDims})`);
  return a.map((x) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail(`tensor ${what} holds an invalid value ${describe(x)}`);
    return x as number;
  });
}

function rebuildTensor(q: string, a: unknown[], ctx: CallCtx): TensorRef {
  const { fail, lim } = ctx;
  const storage = a[0] as StorageRef;
  if (!storage || storage.kind !== 'storage') fail(`${q} called without a storage`);
  const offset = a[1];
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail(`${q}: invalid storage offset ${describe(offset)}`);
  const shape = intList(a[2], 'size', fail, lim);
  const stride = intList(a[3], 'stride', fail, lim);
  if (shape.length !== stride.length) fail(`${q}: size and stride differ in length`);
  let dtype = storage.dtype;
  if (q.endsWith('_v3') && a[6] instanceof PyGlobal) {
    const dt = a[6].module === 'torch' ? TORCH_DTYPES.get(a[6].name) : undefined;
    if (!dt) fail(`${q}: unsupported dtype ${describe(a[6])}`);
    dtype = dt!;
  }
  return { kind: 'tensor', storage, dtype, offset: offset as number, shape, stride };
}

function storageFromPid(pid: unknown, fail: (m: string) => never): StorageRef {
  // zip format: ('storage', cls, key, location, numel); legacy adds view_metadata (or None).
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) fail(`unsupported persistent id ${describe(pid)}`);
  const [, cls, key, location, numel, view] = pid as unknown[];
  const dtype = cls instanceof PyGlobal && ALLOWED_GLOBALS.get(cls.qualified) === 'storage' ? STORAGE_DTYPES.get(cls.name) : undefined;
  if (!dtype) fail(`persistent id names an unsupported storage type ${describe(cls)}`);
  if (typeof key !== 'string' || key.length > 256) fail('persistent id has an invalid storage key');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) fail(`storage '${String(key)}' declares an invalid size ${describe(numel)}`);
  const ref: StorageRef = {
    kind: 'storage',
    dtype: dtype!,
    key: key as string,
    location: typeof location === 'string' ? location : 'cpu',
    numel: numel as number,
  };
  if (Array.isArray(view)) {
    const [vk, vo, vs] = view as unknown[];
    if (typeof vk !== 'string' || vk.length > 256 || !Number.isSafeInteger(vo) || !Number.isSafeInteger(vs) || (vo as number) < 0 || (vs as number) < 0) {
      fail(`storage '${ref.key}' has invalid view metadata`);
    }
    ref.view = { key: vk as string, offset: vo as number, size: vs as number };
  }
  return ref;
}

function parseIntText(s: string, fail: (m: string) => never): number | bigint {
  if (!/^[+-]?\d{1,400}$/.test(s.trim())) fail(`invalid integer text '${s.slice(0, 40)}'`);
  const b = BigInt(s.trim());
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof PyObject) return `${v.cls} object`;
  if (v instanceof Map) return `dict(${v.size})`;
  if (Array.isArray(v)) return `tuple/list(${v.length})`;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (isTensorRef(v)) return `tensor[${v.shape}]`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
