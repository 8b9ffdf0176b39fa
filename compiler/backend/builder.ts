// The one builder the kernel generators write through: a small wasm expression tree whose
// calls mirror Binaryen's module API (m.i32.add, m.block, m.loop, m.br, ...), covering
// exactly the instructions the kernels use. encoder.ts turns a tree into wasm bytes
// directly; binaryen.ts hands those bytes to Binaryen where it pays (AOT -O levels, text,
// validation). A node carries its result type and, for plain instructions, its opcode and
// immediates already encoded, so encoding is a walk that copies bytes.

export type ValType = number;

/** Value types by their binary encoding (none is the empty block type). */
export const T = { none: 0x40, i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;

export type Ref =
  /** A plain instruction: its operands, then `code` (opcode and immediates). */
  | { k: "op"; type: ValType; args: Ref[]; code: readonly number[] }
  /** An unlabeled block is only a sequence: it encodes as its children, inline. */
  | { k: "block"; type: ValType; label: string | null; body: Ref[] }
  | { k: "loop"; type: ValType; label: string; body: Ref }
  | { k: "if"; type: ValType; cond: Ref; then: Ref; else?: Ref }
  | { k: "br"; type: ValType; label: string; cond?: Ref }
  | { k: "call"; type: ValType; target: string; args: Ref[] };

export function uleb(v: number, out: number[] = []): number[] {
  do {
    const b = v & 0x7f;
    v >>>= 7;
    out.push(v !== 0 ? b | 0x80 : b);
  } while (v !== 0);
  return out;
}

export function sleb(v: number | bigint, out: number[] = []): number[] {
  let x = BigInt(v);
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function sleb32(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const op = (type: ValType, code: readonly number[], ...args: Ref[]): Ref => ({ k: "op", type, args, code });
const SIMD = 0xfd, ATOMIC = 0xfe, SAT = 0xfc;
/** A prefixed opcode: prefix, then the sub-opcode as a LEB. */
const pre = (prefix: number, sub: number): number[] => [prefix, ...uleb(sub)];
const log2 = (align: number) => 31 - Math.clz32(align);
const memarg = (code: readonly number[], align: number, offset: number) => [...code, log2(align), ...uleb(offset)];

/** Unary and binary instructions by name, from `name: [opcode, result type]`. */
function unaries<K extends string>(t: Record<K, readonly [readonly number[], ValType]>): Record<K, (x: Ref) => Ref> {
  const out = {} as Record<K, (x: Ref) => Ref>;
  for (const name in t) {
    const [code, type] = t[name];
    out[name] = (x) => op(type, code, x);
  }
  return out;
}
function binaries<K extends string>(t: Record<K, readonly [readonly number[], ValType]>): Record<K, (x: Ref, y: Ref) => Ref> {
  const out = {} as Record<K, (x: Ref, y: Ref) => Ref>;
  for (const name in t) {
    const [code, type] = t[name];
    out[name] = (x, y) => op(type, code, x, y);
  }
  return out;
}
const ops = <K extends string>(type: ValType, codes: Record<K, number>, prefix?: number): Record<K, readonly [readonly number[], ValType]> => {
  const out = {} as Record<K, readonly [readonly number[], ValType]>;
  for (const name in codes) out[name] = [prefix === undefined ? [codes[name]] : pre(prefix, codes[name]), type];
  return out;
};

const { i32, i64, f32, v128 } = T;

// The instructions, built once: a module builder only points at them.
const I32 = {
  const: (v: number): Ref => op(i32, i32Const(v | 0)),
  ...binaries(ops(i32, { add: 0x6a, sub: 0x6b, mul: 0x6c, div_s: 0x6d, rem_s: 0x6f, and: 0x71, or: 0x72, xor: 0x73, shl: 0x74, shr_s: 0x75, shr_u: 0x76,
    eq: 0x46, ne: 0x47, lt_s: 0x48, lt_u: 0x49, gt_s: 0x4a, gt_u: 0x4b, le_s: 0x4c, le_u: 0x4d, ge_s: 0x4e, ge_u: 0x4f })),
  eqz: (x: Ref): Ref => op(i32, [0x45], x),
  load: (offset: number, align: number, ptr: Ref): Ref => op(i32, memarg([0x28], align, offset), ptr),
  load8_u: (offset: number, align: number, ptr: Ref): Ref => op(i32, memarg([0x2d], align, offset), ptr),
  store: (offset: number, align: number, ptr: Ref, v: Ref): Ref => op(T.none, memarg([0x36], align, offset), ptr, v),
  store8: (offset: number, align: number, ptr: Ref, v: Ref): Ref => op(T.none, memarg([0x3a], align, offset), ptr, v),
  trunc_s_sat: { f32: (x: Ref): Ref => op(i32, pre(SAT, 0), x) },
  atomic: {
    load: (offset: number, ptr: Ref): Ref => op(i32, memarg(pre(ATOMIC, 0x10), 4, offset), ptr),
    store: (offset: number, ptr: Ref, v: Ref): Ref => op(T.none, memarg(pre(ATOMIC, 0x17), 4, offset), ptr, v),
    rmw: { add: (offset: number, ptr: Ref, v: Ref): Ref => op(i32, memarg(pre(ATOMIC, 0x1e), 4, offset), ptr, v) },
  },
};

const I64 = {
  const: (v: number | bigint): Ref => op(i64, [0x42, ...sleb(v)]),
};

const F32 = {
  const: (v: number): Ref => {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return op(f32, [0x43, b[0]!, b[1]!, b[2]!, b[3]!]);
  },
  ...unaries(ops(f32, { abs: 0x8b, neg: 0x8c, ceil: 0x8d, floor: 0x8e, sqrt: 0x91 })),
  ...binaries(ops(f32, { add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, min: 0x96, max: 0x97 })),
  ...binaries(ops(i32, { eq: 0x5b, ne: 0x5c, lt: 0x5d, gt: 0x5e, le: 0x5f, ge: 0x60 })),
  load: (offset: number, align: number, ptr: Ref): Ref => op(f32, memarg([0x2a], align, offset), ptr),
  store: (offset: number, align: number, ptr: Ref, v: Ref): Ref => op(T.none, memarg([0x38], align, offset), ptr, v),
  convert_s: { i32: (x: Ref): Ref => op(f32, [0xb2], x) },
};

const V128 = {
  const: (bytes: Uint8Array): Ref => op(v128, [...pre(SIMD, 0x0c), ...bytes]),
  load: (offset: number, align: number, ptr: Ref): Ref => op(v128, memarg(pre(SIMD, 0x00), align, offset), ptr),
  load32_zero: (offset: number, align: number, ptr: Ref): Ref => op(v128, memarg(pre(SIMD, 0x5c), align, offset), ptr),
  store: (offset: number, align: number, ptr: Ref, v: Ref): Ref => op(T.none, memarg(pre(SIMD, 0x0b), align, offset), ptr, v),
  store32_lane: (offset: number, align: number, lane: number, ptr: Ref, v: Ref): Ref =>
    op(T.none, [...memarg(pre(SIMD, 0x5a), align, offset), lane], ptr, v),
  not: (x: Ref): Ref => op(v128, pre(SIMD, 0x4d), x),
  ...binaries(ops(v128, { and: 0x4e, or: 0x50, xor: 0x51 }, SIMD)),
  bitselect: (a: Ref, b: Ref, mask: Ref): Ref => op(v128, pre(SIMD, 0x52), a, b, mask),
};

const F32X4 = {
  splat: (x: Ref): Ref => op(v128, pre(SIMD, 0x13), x),
  extract_lane: (x: Ref, lane: number): Ref => op(f32, [...pre(SIMD, 0x1f), lane], x),
  replace_lane: (x: Ref, lane: number, v: Ref): Ref => op(v128, [...pre(SIMD, 0x20), lane], x, v),
  ...unaries(ops(v128, { ceil: 0x67, floor: 0x68, abs: 0xe0, neg: 0xe1, sqrt: 0xe3, convert_i32x4_s: 0xfa }, SIMD)),
  ...binaries(ops(v128, { eq: 0x41, ne: 0x42, lt: 0x43, gt: 0x44, le: 0x45, ge: 0x46,
    add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, min: 0xe8, max: 0xe9 }, SIMD)),
  /** a * b + c, fused where the engine chooses (relaxed SIMD). */
  relaxed_madd: (a: Ref, b: Ref, c: Ref): Ref => op(v128, pre(SIMD, 0x105), a, b, c),
};

const I32X4 = {
  splat: (x: Ref): Ref => op(v128, pre(SIMD, 0x11), x),
  extract_lane: (x: Ref, lane: number): Ref => op(i32, [...pre(SIMD, 0x1b), lane], x),
  replace_lane: (x: Ref, lane: number, v: Ref): Ref => op(v128, [...pre(SIMD, 0x1c), lane], x, v),
  ...unaries(ops(v128, { abs: 0xa0, neg: 0xa1, extend_low_i16x8_u: 0xa9, trunc_sat_f32x4_s: 0xf8 }, SIMD)),
  ...binaries(ops(v128, { eq: 0x37, ne: 0x38, lt_s: 0x39, gt_s: 0x3b, le_s: 0x3d, ge_s: 0x3f,
    add: 0xae, sub: 0xb1, mul: 0xb5, min_s: 0xb6, max_s: 0xb8 }, SIMD)),
};

const I16X8 = {
  extend_low_i8x16_u: (x: Ref): Ref => op(v128, pre(SIMD, 0x89), x),
  narrow_i32x4_u: (a: Ref, b: Ref): Ref => op(v128, pre(SIMD, 0x86), a, b),
};

const I8X16 = {
  narrow_i16x8_u: (a: Ref, b: Ref): Ref => op(v128, pre(SIMD, 0x66), a, b),
};

const MEMORY = {
  atomic: {
    notify: (ptr: Ref, count: Ref): Ref => op(i32, memarg(pre(ATOMIC, 0x00), 4, 0), ptr, count),
    wait32: (ptr: Ref, expected: Ref, timeout: Ref): Ref => op(i32, memarg(pre(ATOMIC, 0x01), 4, 0), ptr, expected, timeout),
  },
};

// The commonest immediates, encoded once: local indices and small i32 constants.
const localCodes = (opcode: number) => {
  const memo: number[][] = [];
  return (index: number): number[] => (memo[index] ??= uleb(index, [opcode]));
};
const getCode = localCodes(0x20), setCode = localCodes(0x21);
const smallConsts = new Map<number, number[]>();
function i32Const(v: number): number[] {
  if (v < -64 || v >= 4096) return [0x41, ...sleb32(v)];
  let c = smallConsts.get(v);
  if (!c) smallConsts.set(v, (c = [0x41, ...sleb32(v)]));
  return c;
}

const LOCAL = {
  get: (index: number, type: ValType): Ref => op(type, getCode(index)),
  set: (index: number, value: Ref): Ref => op(T.none, setCode(index), value),
};

export class ExprBuilder {
  readonly i32 = I32;
  readonly i64 = I64;
  readonly f32 = F32;
  readonly v128 = V128;
  readonly f32x4 = F32X4;
  readonly i32x4 = I32X4;
  readonly i16x8 = I16X8;
  readonly i8x16 = I8X16;
  readonly memory = MEMORY;
  readonly local = LOCAL;

  /** `condition ? ifTrue : ifFalse`, both evaluated (wasm's select). */
  select(condition: Ref, ifTrue: Ref, ifFalse: Ref): Ref {
    return op(ifTrue.type, [0x1b], ifTrue, ifFalse, condition);
  }
  drop(x: Ref): Ref {
    return op(T.none, [0x1a], x);
  }
  unreachable(): Ref {
    return op(T.none, [0x00]);
  }
  /** A block; its type is the last child's unless given. */
  block(label: string | null, body: Ref[], type?: ValType): Ref {
    return { k: "block", type: type ?? (body.length ? body[body.length - 1]!.type : T.none), label, body };
  }
  loop(label: string, body: Ref): Ref {
    return { k: "loop", type: body.type, label, body };
  }
  if(cond: Ref, then: Ref, otherwise?: Ref): Ref {
    const type = otherwise && otherwise.type === then.type ? then.type : T.none;
    return { k: "if", type, cond, then, else: otherwise };
  }
  /** A branch to `label`, taken when `cond` (if given) is nonzero. */
  br(label: string, cond?: Ref): Ref {
    return { k: "br", type: T.none, label, cond };
  }
  call(target: string, args: Ref[], type: ValType): Ref {
    return { k: "call", type, target, args };
  }
}
