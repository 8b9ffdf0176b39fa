// dot_general kernels: C[b, m, n] = sum_k A[b, m, k] * B[b, k, n] over strided views.
//  - "nvec": B and C contiguous along n. A register-blocked micro-kernel keeps a 3x12 tile
//    of C in nine v128 accumulators; each k step loads three vectors of B and broadcasts
//    three elements of A. k runs in blocks, and each block's panel of B is first packed
//    into contiguous scratch, so the tiles stream it from L1.
//  - "kvec": A and B contiguous along k: SIMD dot products with a horizontal sum.
//  - scalar: anything else (lowering copies operands to avoid it when it matters).

import type { DType } from "../dtypes.js";
import type { Kernel } from "../lower/ir.js";
import { T, type ValType } from "./builder.js";
import type { FnBuilder, Ref } from "./fn.js";
import { viewBase } from "./nest.js";

type Dot = Extract<Kernel, { kind: "dot" }>;
type BufPtr = (buf: number) => Ref;

export function dotStrategy(k: Dot, simd: boolean): "nvec" | "kvec" | "scalar" {
  if (simd && k.n >= 4 && k.b.strides[2] === 1 && k.c.strides[2] === 1) return "nvec";
  if (simd && k.k >= 4 && k.a.strides[2] === 1 && k.b.strides[1] === 1) return "kvec";
  return "scalar";
}

class DotEmitter {
  readonly i32: ValType;
  readonly v128: ValType;
  readonly s: ValType;
  constructor(
    readonly fb: FnBuilder,
    readonly dtype: DType,
    readonly relaxed: boolean,
  ) {
    this.i32 = T.i32;
    this.v128 = T.v128;
    this.s = dtype === "float32" ? T.f32 : T.i32;
  }
  get m() {
    return this.fb.m;
  }
  get(l: number, t = this.i32): Ref {
    return this.fb.get(l, t);
  }
  addr(base: number, ...terms: [number, number][]): Ref {
    // base + sum(local * bytes)
    let e = this.get(base);
    for (const [l, bytes] of terms) e = this.m.i32.add(e, this.m.i32.mul(this.get(l), this.fb.i32(bytes)));
    return e;
  }
  vzero(): Ref {
    return this.dtype === "float32" ? this.m.f32x4.splat(this.m.f32.const(0)) : this.m.i32x4.splat(this.m.i32.const(0));
  }
  vmadd(acc: Ref, a: Ref, b: Ref): Ref {
    const m = this.m;
    if (this.dtype === "float32" && this.relaxed) return m.f32x4.relaxed_madd(a, b, acc);
    return this.dtype === "float32" ? m.f32x4.add(acc, m.f32x4.mul(a, b)) : m.i32x4.add(acc, m.i32x4.mul(a, b));
  }
  smadd(acc: Ref, a: Ref, b: Ref): Ref {
    const m = this.m;
    return this.dtype === "float32" ? m.f32.add(acc, m.f32.mul(a, b)) : m.i32.add(acc, m.i32.mul(a, b));
  }
  sload(ptr: Ref): Ref {
    return this.dtype === "float32" ? this.m.f32.load(0, 4, ptr) : this.m.i32.load(0, 4, ptr);
  }
  sstore(ptr: Ref, v: Ref): Ref {
    return this.dtype === "float32" ? this.m.f32.store(0, 4, ptr, v) : this.m.i32.store(0, 4, ptr, v);
  }
  splat(s: Ref): Ref {
    return this.dtype === "float32" ? this.m.f32x4.splat(s) : this.m.i32x4.splat(s);
  }
  hsum(v: number): Ref {
    const m = this.m;
    const lane = (i: number) => (this.dtype === "float32" ? m.f32x4.extract_lane(this.get(v, this.v128), i as never) : m.i32x4.extract_lane(this.get(v, this.v128), i as never));
    const add = (a: Ref, b: Ref) => (this.dtype === "float32" ? m.f32.add(a, b) : m.i32.add(a, b));
    return add(add(lane(0), lane(1)), add(lane(2), lane(3)));
  }
  szero(): Ref {
    return this.dtype === "float32" ? this.m.f32.const(0) : this.m.i32.const(0);
  }
}

export function emitDotKernel(fb: FnBuilder, k: Dot, bufPtr: BufPtr, simd: boolean, relaxed = false): Ref[] {
  if (k.batch * k.m * k.n === 0) return [];
  const e = new DotEmitter(fb, k.dtype, relaxed && simd);
  const i32 = e.i32;
  const [sab, sam, sak] = k.a.strides.map((x) => x * 4) as [number, number, number];
  const [sbb, sbk, sbn] = k.b.strides.map((x) => x * 4) as [number, number, number];
  const [scb, scm, scn] = k.c.strides.map((x) => x * 4) as [number, number, number];
  const A = fb.local(i32), B = fb.local(i32), C = fb.local(i32);
  const setup = [
    fb.set(A, viewBase(fb, { ...k.a, strides: [] }, k.dtype, bufPtr)),
    fb.set(B, viewBase(fb, { ...k.b, strides: [] }, k.dtype, bufPtr)),
    fb.set(C, viewBase(fb, { ...k.c, strides: [] }, k.dtype, bufPtr)),
  ];
  const bi = fb.local(i32), pa = fb.local(i32), pb = fb.local(i32), pc = fb.local(i32);
  const perBatch: Ref[] = [
    fb.set(pa, e.addr(A, [bi, sab])),
    fb.set(pb, e.addr(B, [bi, sbb])),
    fb.set(pc, e.addr(C, [bi, scb])),
  ];
  const strategy = dotStrategy(k, simd);
  let body: Ref[];
  let packPtr: number | undefined;
  if (k.pack !== undefined) {
    packPtr = fb.local(i32);
    setup.push(fb.set(packPtr, bufPtr(k.pack)));
  }
  if (strategy === "nvec") body = nvec(e, k, pa, pb, pc, [sam, sak], [sbk], [scm], packPtr);
  else if (strategy === "kvec") body = kvec(e, k, pa, pb, pc, [sam], [sbn], [scm, scn]);
  else body = scalarDot(e, k, pa, pb, pc, [sam, sak], [sbk, sbn], [scm, scn]);
  return [...setup, fb.forRange(bi, fb.i32(0), fb.i32(k.batch), 1, [...perBatch, ...body])];
}

/** One tile of C: `rows` rows by `vecs` vectors of 4 columns, accumulated in registers over k. */
/**
 * One tile of C: `rows` rows by `vecs` vectors of 4 columns, accumulated in registers over
 * k in [k0, kEnd). The first k block starts from zero, later ones from what C holds.
 */
function microTile(e: DotEmitter, rows: number, vecs: number, pa: number, pb: number, pc: number, m0: number, n0: number, k0: number, kEnd: number, sam: number, sak: number, sbk: number, scm: number, packed?: number): Ref[] {
  const fb = e.fb, m = e.m, i32 = e.i32, v128 = e.v128;
  const acc = Array.from({ length: rows * vecs }, () => fb.local(v128));
  const pA = fb.local(i32), pB = fb.local(i32), kk = fb.local(i32);
  const bv = Array.from({ length: vecs }, () => fb.local(v128));
  const cPtr = (r: number, v: number) => m.i32.add(e.addr(pc, [m0, scm], [n0, 4]), fb.i32(r * scm + 16 * v));
  const init: Ref[] = [], resume: Ref[] = [];
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vecs; v++) {
      init.push(fb.set(acc[r * vecs + v]!, e.vzero()));
      resume.push(fb.set(acc[r * vecs + v]!, m.v128.load(0, 4, cPtr(r, v))));
    }
  }
  const stmts: Ref[] = [m.if(m.i32.eqz(e.get(k0)), m.block(null, init), m.block(null, resume))];
  // One pointer walks row m0 of A; the other rows are constant offsets from it (a load's
  // immediate), so a k step bumps two pointers whatever the tile's height.
  stmts.push(fb.set(pA, e.addr(pa, [m0, sam], [k0, sak])));
  // B comes from the packed panel (rows of 4·vecs contiguous elements) or from B itself.
  stmts.push(fb.set(pB, packed !== undefined ? e.get(packed) : e.addr(pb, [n0, 4], [k0, sbk])));
  const bStep = packed !== undefined ? 16 * vecs : sbk;
  const kBody: Ref[] = [];
  for (let v = 0; v < vecs; v++) kBody.push(fb.set(bv[v]!, m.v128.load(16 * v, 4, e.get(pB))));
  for (let r = 0; r < rows; r++) {
    const as = fb.local(v128);
    const aLoad = e.dtype === "float32" ? m.f32.load(r * sam, 4, e.get(pA)) : m.i32.load(r * sam, 4, e.get(pA));
    kBody.push(fb.set(as, e.splat(aLoad)));
    for (let v = 0; v < vecs; v++) {
      const a = acc[r * vecs + v]!;
      kBody.push(fb.set(a, e.vmadd(e.get(a, v128), e.get(as, v128), e.get(bv[v]!, v128))));
    }
  }
  kBody.push(fb.bump(pA, sak), fb.bump(pB, bStep));
  stmts.push(fb.forRange(kk, e.get(k0), e.get(kEnd), 1, kBody));
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vecs; v++) stmts.push(m.v128.store(0, 4, cPtr(r, v), e.get(acc[r * vecs + v]!, v128)));
  }
  return stmts;
}

/** The register tile: TILE_ROWS rows of C by TILE_VECS vectors (4 columns each). */
const [TILE_ROWS, TILE_VECS] = (globalThis.process?.env?.WAX_DOT_TILE ?? "3x3").split("x").map(Number) as [number, number];

/** k is split in blocks of DOT_KC so a block of A stays in cache while B's panels stream. */
const DOT_KC = Math.min(512, Number(globalThis.process?.env?.WAX_DOT_KC ?? 512)); // ≤ 512: the pack buffer holds 512 rows

function nvec(e: DotEmitter, k: Dot, pa: number, pb: number, pc: number, [sam, sak]: number[], [sbk]: number[], [scm]: number[], pack?: number): Ref[] {
  const fb = e.fb, m = e.m, i32 = e.i32;
  const m0 = fb.local(i32), n0 = fb.local(i32), k0 = fb.local(i32), kEnd = fb.local(i32);
  // Rows of A past the first are load immediates, which are unsigned: a reversed A (negative row stride) gets one-row tiles.
  const R = sam! < 0 ? 1 : TILE_ROWS, V = TILE_VECS;
  const mR = k.m - (k.m % R);
  const nW = k.n - (k.n % (4 * V));
  const n4 = k.n - (k.n % 4);
  const tile = (rows: number, vecs: number, packed?: number) => microTile(e, rows, vecs, pa, pb, pc, m0, n0, k0, kEnd, sam!, sak!, sbk!, scm!, packed);
  const rowsFor = (vecs: number, packed?: number): Ref[] => {
    const out: Ref[] = [];
    if (mR > 0) out.push(fb.forRange(m0, fb.i32(0), fb.i32(mR), R, tile(R, vecs, packed)));
    if (mR < k.m) out.push(fb.forRange(m0, fb.i32(mR), fb.i32(k.m), 1, tile(1, vecs, packed)));
    return out;
  };
  // Packing a panel of B (its k block × 4·V columns) into contiguous scratch: the tiles then
  // stream it linearly, from L1, instead of striding across B's rows.
  const packPanel = (): Ref[] => {
    const kk = fb.local(i32), src = fb.local(i32), dst = fb.local(i32);
    const copy: Ref[] = [];
    for (let v = 0; v < V; v++) copy.push(m.v128.store(16 * v, 4, e.get(dst), m.v128.load(16 * v, 4, e.get(src))));
    return [
      fb.set(src, e.addr(pb, [n0, 4], [k0, sbk!])),
      fb.set(dst, e.get(pack!)),
      fb.forRange(kk, e.get(k0), e.get(kEnd), 1, [...copy, fb.bump(src, sbk!), fb.bump(dst, 16 * V)]),
    ];
  };
  const perBlock: Ref[] = [
    fb.set(kEnd, m.select(m.i32.lt_s(m.i32.add(e.get(k0), fb.i32(DOT_KC)), fb.i32(k.k)), m.i32.add(e.get(k0), fb.i32(DOT_KC)), fb.i32(k.k))),
  ];
  if (nW > 0) {
    const body = pack !== undefined && 4 * V <= 16 ? [...packPanel(), ...rowsFor(V, pack)] : rowsFor(V);
    perBlock.push(fb.forRange(n0, fb.i32(0), fb.i32(nW), 4 * V, body));
  }
  if (n4 > nW) perBlock.push(fb.forRange(n0, fb.i32(nW), fb.i32(n4), 4, rowsFor(1)));
  const stmts: Ref[] = [fb.forRange(k0, fb.i32(0), fb.i32(Math.max(k.k, 1)), DOT_KC, perBlock)];
  if (k.n > n4) {
    // The last 1-3 columns: scalar dot products.
    stmts.push(...scalarDot(e, k, pa, pb, pc, [sam!, sak!], [sbk!, 4], [scm!, 4], n4));
  }
  return stmts;
}

function kvec(e: DotEmitter, k: Dot, pa: number, pb: number, pc: number, [sam]: number[], [sbn]: number[], [scm, scn]: number[]): Ref[] {
  const fb = e.fb, m = e.m, i32 = e.i32, v128 = e.v128;
  const mi = fb.local(i32), ni = fb.local(i32), kk = fb.local(i32);
  const pA = fb.local(i32), pB = fb.local(i32), acc = fb.local(v128), sacc = fb.local(e.s);
  const k4 = k.k - (k.k % 4);
  const inner: Ref[] = [
    fb.set(pA, e.addr(pa, [mi, sam!])),
    fb.set(pB, e.addr(pb, [ni, sbn!])),
    fb.set(acc, e.vzero()),
    fb.forRange(kk, fb.i32(0), fb.i32(k4), 4, [
      fb.set(acc, e.vmadd(e.get(acc, v128), m.v128.load(0, 4, e.get(pA)), m.v128.load(0, 4, e.get(pB)))),
      fb.bump(pA, 16),
      fb.bump(pB, 16),
    ]),
    fb.set(sacc, e.hsum(acc)),
    fb.forRange(kk, fb.i32(k4), fb.i32(k.k), 1, [
      fb.set(sacc, e.smadd(e.get(sacc, e.s), e.sload(e.get(pA)), e.sload(e.get(pB)))),
      fb.bump(pA, 4),
      fb.bump(pB, 4),
    ]),
    e.sstore(e.addr(pc, [mi, scm!], [ni, scn!]), e.get(sacc, e.s)),
  ];
  return [fb.forRange(mi, fb.i32(0), fb.i32(k.m), 1, [fb.forRange(ni, fb.i32(0), fb.i32(k.n), 1, inner)])];
}

function scalarDot(e: DotEmitter, k: Dot, pa: number, pb: number, pc: number, [sam, sak]: number[], [sbk, sbn]: number[], [scm, scn]: number[], nStart = 0): Ref[] {
  const fb = e.fb, i32 = e.i32;
  const mi = fb.local(i32), ni = fb.local(i32), kk = fb.local(i32);
  const pA = fb.local(i32), pB = fb.local(i32), acc = fb.local(e.s);
  const inner: Ref[] = [
    fb.set(pA, e.addr(pa, [mi, sam!])),
    fb.set(pB, e.addr(pb, [ni, sbn!])),
    fb.set(acc, e.szero()),
    fb.forRange(kk, fb.i32(0), fb.i32(k.k), 1, [
      fb.set(acc, e.smadd(e.get(acc, e.s), e.sload(e.get(pA)), e.sload(e.get(pB)))),
      fb.bump(pA, sak!),
      fb.bump(pB, sbk!),
    ]),
    e.sstore(e.addr(pc, [mi, scm!], [ni, scn!]), e.get(acc, e.s)),
  ];
  return [fb.forRange(mi, fb.i32(0), fb.i32(k.m), 1, [fb.forRange(ni, fb.i32(nStart), fb.i32(k.n), 1, inner)])];
}
