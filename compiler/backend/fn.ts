// Helpers for writing one wasm function with the builder: typed locals and counted loops.

import { type Ref, T, type ValType } from "./builder.js";
import type { ModuleBuilder } from "./encoder.js";

export type { Ref };

/** The module the emitters build into. */
export type Mod = ModuleBuilder;

export class FnBuilder {
  readonly vars: ValType[] = [];
  #labels = 0;

  constructor(
    readonly m: Mod,
    readonly params: ValType[],
  ) {}

  local(type: ValType): number {
    this.vars.push(type);
    return this.params.length + this.vars.length - 1;
  }
  get(index: number, type: ValType): Ref {
    return this.m.local.get(index, type);
  }
  set(index: number, value: Ref): Ref {
    return this.m.local.set(index, value);
  }
  i32(v: number): Ref {
    return this.m.i32.const(v | 0);
  }
  label(prefix: string): string {
    return `${prefix}${this.#labels++}`;
  }

  /** `for (i = start; i < end; i += step) body`, checking before the first iteration. */
  forRange(i: number, start: Ref, end: Ref, step: number, body: Ref[]): Ref {
    const m = this.m, i32 = T.i32;
    const brk = this.label("b"), cont = this.label("l");
    return m.block(null, [
      this.set(i, start),
      m.block(brk, [
        m.loop(
          cont,
          m.block(null, [
            m.br(brk, m.i32.ge_s(this.get(i, i32), end)),
            ...body,
            this.set(i, m.i32.add(this.get(i, i32), this.i32(step))),
            m.br(cont),
          ]),
        ),
      ]),
    ]);
  }

  /** Adds `delta` to an i32 local. */
  bump(i: number, delta: number): Ref {
    return this.set(i, this.m.i32.add(this.get(i, T.i32), this.i32(delta)));
  }
}
