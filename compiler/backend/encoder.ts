// The direct wasm encoder: a module of builder.ts trees -> wasm bytes, synchronously, with
// no dependency, in Node and in browsers. The module imports one shared memory
// (env.memory); its functions are the kernels and entries. A call to a math library
// function (a name the module does not define) is inlined from the library's compiled
// instructions (mathlib.ts), as Binaryen's inlining did: no call per vector in the loop.

import { ExprBuilder, type Ref, T, type ValType, uleb } from "./builder.js";
import { type MathFunction, mathFunction } from "./mathlib.js";

export interface FunctionDef {
  name: string;
  params: ValType[];
  results: ValType[];
  vars: ValType[];
  body: Ref;
}

/** A module being built: the expression builder plus its functions and exports. */
export class ModuleBuilder extends ExprBuilder {
  readonly functions: FunctionDef[] = [];
  readonly exports: { name: string; func: string }[] = [];
  readonly customSections: { name: string; data: Uint8Array }[] = [];

  addFunction(name: string, params: ValType[], results: ValType[], vars: ValType[], body: Ref): void {
    this.functions.push({ name, params, results, vars, body });
  }
  addFunctionExport(func: string, name: string): void {
    this.exports.push({ name, func });
  }
  addCustomSection(name: string, data: Uint8Array): void {
    this.customSections.push({ name, data });
  }
}

/** A growable byte buffer. Sizes are written as 5-byte LEBs (valid wasm) and patched. */
class Writer {
  buf = new Uint8Array(4096);
  n = 0;
  grow(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + extra));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  byte(b: number): void {
    if (this.n === this.buf.length) this.grow(1);
    this.buf[this.n++] = b;
  }
  bytes(bs: ArrayLike<number>): void {
    this.grow(bs.length);
    if (bs instanceof Uint8Array) {
      this.buf.set(bs, this.n);
      this.n += bs.length;
    } else for (let i = 0; i < bs.length; i++) this.buf[this.n++] = bs[i]!;
  }
  uleb(v: number): void {
    this.grow(5);
    do {
      const b = v & 0x7f;
      v >>>= 7;
      this.buf[this.n++] = v !== 0 ? b | 0x80 : b;
    } while (v !== 0);
  }
  name(s: string): void {
    const b = new TextEncoder().encode(s);
    this.uleb(b.length);
    this.bytes(b);
  }
  /** Reserves a 5-byte size; `end` patches it with the bytes written since. */
  begin(): number {
    this.grow(5);
    this.n += 5;
    return this.n;
  }
  end(start: number): void {
    let v = this.n - start;
    for (let i = 0; i < 5; i++, v >>>= 7) this.buf[start - 5 + i] = (v & 0x7f) | (i < 4 ? 0x80 : 0);
  }
  section(id: number, body: () => void): void {
    this.byte(id);
    const s = this.begin();
    body();
    this.end(s);
  }
}

/** The zero of each value type, as a constant instruction. */
const ZERO: Record<number, number[]> = {
  [T.i32]: [0x41, 0], [T.i64]: [0x42, 0], [T.f32]: [0x43, 0, 0, 0, 0], [T.f64]: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  [T.v128]: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
};

class FunctionEncoder {
  private labels: (string | null)[] = [];
  constructor(
    private w: Writer,
    private index: (name: string) => number | undefined,
    /** The first of the locals that each inlined library function uses, by name. */
    private inlineBase: Map<string, number>,
  ) {}

  /** The library function's body in place of a call, its arguments already on the stack. */
  private inline(f: MathFunction, base: number): void {
    const w = this.w;
    // Locals start at zero in a function; so they do in each inlined copy.
    f.locals.forEach((t, i) => {
      w.bytes(ZERO[t]!);
      w.byte(0x21);
      w.uleb(base + f.params.length + i);
    });
    for (let p = f.params.length - 1; p >= 0; p--) {
      w.byte(0x21);
      w.uleb(base + p);
    }
    w.byte(0x02);
    w.byte(f.results[0] ?? T.none);
    let from = 0;
    for (const [at, len, kind, value] of f.patches) {
      w.bytes(f.code.subarray(from, at));
      if (kind === 0) w.uleb(base + value);
      else {
        w.byte(0x0c); // return -> a branch out of the block
        w.uleb(value);
      }
      from = at + len;
    }
    w.bytes(f.code.subarray(from)); // ends with the function's `end`: the block's
  }

  expr(n: Ref): void {
    const w = this.w;
    switch (n.k) {
      case "op": {
        const args = n.args, code = n.code;
        for (let i = 0; i < args.length; i++) this.expr(args[i]!);
        w.grow(code.length);
        for (let i = 0; i < code.length; i++) w.buf[w.n++] = code[i]!;
        return;
      }
      case "block":
        if (n.label === null) {
          for (const c of n.body) this.expr(c);
          return;
        }
        w.byte(0x02);
        w.byte(n.type);
        this.labels.push(n.label);
        for (const c of n.body) this.expr(c);
        this.labels.pop();
        w.byte(0x0b);
        return;
      case "loop":
        w.byte(0x03);
        w.byte(n.type);
        this.labels.push(n.label);
        this.expr(n.body);
        this.labels.pop();
        w.byte(0x0b);
        return;
      case "if":
        this.expr(n.cond);
        w.byte(0x04);
        w.byte(n.type);
        this.labels.push(null);
        this.expr(n.then);
        if (n.else) {
          w.byte(0x05);
          this.expr(n.else);
        }
        this.labels.pop();
        w.byte(0x0b);
        return;
      case "br": {
        const at = this.labels.lastIndexOf(n.label);
        if (at < 0) throw new Error(`wax encoder: branch to unknown label ${n.label}`);
        if (n.cond) this.expr(n.cond);
        w.byte(n.cond ? 0x0d : 0x0c);
        w.uleb(this.labels.length - 1 - at);
        return;
      }
      case "call": {
        for (const a of n.args) this.expr(a);
        const target = this.index(n.target);
        if (target !== undefined) {
          w.byte(0x10);
          w.uleb(target);
        } else this.inline(mathFunction(n.target)!, this.inlineBase.get(n.target)!);
        return;
      }
    }
  }
}

/** Calls in `body` to names no function defines: the math library functions to inline. */
function mathCallees(body: Ref, defined: Set<string>): Set<string> {
  const out = new Set<string>();
  const walk = (n: Ref): void => {
    switch (n.k) {
      case "op":
        n.args.forEach(walk);
        return;
      case "block":
        n.body.forEach(walk);
        return;
      case "loop":
        walk(n.body);
        return;
      case "if":
        walk(n.cond);
        walk(n.then);
        if (n.else) walk(n.else);
        return;
      case "br":
        if (n.cond) walk(n.cond);
        return;
      case "call":
        if (!defined.has(n.target)) out.add(n.target);
        n.args.forEach(walk);
    }
  };
  walk(body);
  return out;
}

export interface EncodeOptions {
  /** Add a name section (function names), for Binaryen's text output. */
  names?: boolean;
}

export function encodeModule(mod: ModuleBuilder, opts: EncodeOptions = {}): Uint8Array {
  const all = mod.functions;
  const indexOf = new Map(all.map((f, i) => [f.name, i]));
  const index = (name: string) => indexOf.get(name);
  const defined = new Set(indexOf.keys());
  const typeKeys = new Map<string, number>();
  const typeOf = all.map((f) => {
    const key = `${f.params.join(",")}:${f.results.join(",")}`;
    if (!typeKeys.has(key)) typeKeys.set(key, typeKeys.size);
    return typeKeys.get(key)!;
  });

  const w = new Writer();
  w.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  w.section(1, () => {
    w.uleb(typeKeys.size);
    for (const key of typeKeys.keys()) {
      const [ps, rs] = key.split(":").map((s) => (s ? s.split(",").map(Number) : []));
      w.byte(0x60);
      w.uleb(ps!.length);
      w.bytes(ps!);
      w.uleb(rs!.length);
      w.bytes(rs!);
    }
  });
  // env.memory: shared, 1 to 65536 pages.
  w.section(2, () => {
    w.uleb(1);
    w.name("env");
    w.name("memory");
    w.bytes([0x02, 0x03, 0x01, ...uleb(65536)]);
  });
  w.section(3, () => {
    w.uleb(all.length);
    typeOf.forEach((t) => w.uleb(t));
  });
  w.section(7, () => {
    w.uleb(mod.exports.length);
    for (const e of mod.exports) {
      w.name(e.name);
      w.byte(0x00);
      w.uleb(index(e.func)!);
    }
  });
  w.section(10, () => {
    w.uleb(all.length);
    for (const f of mod.functions) {
      const s = w.begin();
      // Each library function inlined here gets locals of its own (its copies never overlap).
      const vars = [...f.vars], inlineBase = new Map<string, number>();
      for (const name of mathCallees(f.body, defined)) {
        const m = mathFunction(name);
        if (!m) throw new Error(`wax encoder: call to ${name}, which is neither a function of the module nor of the math library`);
        inlineBase.set(name, f.params.length + vars.length);
        vars.push(...m.params, ...m.locals);
      }
      const runs: [number, ValType][] = [];
      for (const v of vars) {
        const last = runs[runs.length - 1];
        if (last && last[1] === v) last[0]++;
        else runs.push([1, v]);
      }
      w.uleb(runs.length);
      for (const [count, type] of runs) {
        w.uleb(count);
        w.byte(type);
      }
      new FunctionEncoder(w, index, inlineBase).expr(f.body);
      w.byte(0x0b);
      w.end(s);
    }
  });
  for (const { name, data } of mod.customSections) {
    w.section(0, () => {
      w.name(name);
      w.bytes(data);
    });
  }
  if (opts.names) {
    w.section(0, () => {
      w.name("name");
      w.byte(1); // function names
      const s = w.begin();
      w.uleb(all.length);
      all.forEach((f, i) => {
        w.uleb(i);
        w.name(f.name);
      });
      w.end(s);
    });
  }
  return w.buf.slice(0, w.n);
}

export { T };
