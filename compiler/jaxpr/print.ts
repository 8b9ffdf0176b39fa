// Prints jaxprs in JAX 0.4.1's text format (see shared/jaxpr-format.md): the same
// document structure as jax.core's pp_jaxpr, laid out at width 80 by ./doc.ts.

import { type Doc, brk, concat, format, group, join, nest, nil, text } from "./doc.js";
import { type Atom, DropVar, Jaxpr, type JaxprEqn, Literal, type Var } from "./jaxpr.js";

/** Python's repr() of a float: shortest round-trip digits, fixed notation for exponents in [-4, 16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = Math.abs(x).toExponential().split("e") as [string, string];
  const exp = Number(expStr);
  const digits = mant.replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exp >= -4 && exp < 16) {
    let s: string;
    if (exp < 0) s = "0." + "0".repeat(-exp - 1) + digits;
    else if (digits.length <= exp + 1) s = digits + "0".repeat(exp + 1 - digits.length) + ".0";
    else s = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
    return sign + s;
  }
  const m = digits.length === 1 ? digits : digits[0] + "." + digits.slice(1);
  const e = Math.abs(exp) < 10 ? "0" + Math.abs(exp) : String(Math.abs(exp));
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
}

export function literalText(val: number, dtype: string): string {
  if (dtype === "bool") return val ? "True" : "False";
  if (dtype === "int32") return String(val);
  return pyFloatRepr(Math.fround(val));
}

function encodeName(n: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

/** Names variables in the order they are first printed; nested jaxprs share the counter. */
class NameContext {
  #names = new Map<Var, string>();
  name(v: Var): string {
    let s = this.#names.get(v);
    if (s === undefined) {
      s = encodeName(this.#names.size);
      this.#names.set(v, s);
    }
    return s;
  }
}

function atomText(a: Atom | DropVar, ctx: NameContext): string {
  if (a instanceof Literal) return literalText(a.val, a.aval.dtype);
  if (a instanceof DropVar) return "_";
  return ctx.name(a);
}

function ppVars(vs: (Atom | DropVar)[], ctx: NameContext, opts: { separator?: string; shapes?: boolean } = {}): Doc {
  const items = vs.map((v) => text(opts.shapes ? `${atomText(v, ctx)}:${v.aval.strShort()}` : atomText(v, ctx)));
  return nest(2, group(join(concat(text(opts.separator ?? ""), group(brk())), items)));
}

/** Python's str() of a parameter value. Strings are bare at top level, quoted inside tuples. */
export function paramText(v: unknown, nested = false): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (typeof v === "string") return nested ? `'${v}'` : v;
  if (typeof v === "function") return `<function ${v.name || "<lambda>"}>`;
  if (Array.isArray(v)) {
    const items = v.map((x) => paramText(x, true));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  return String(v);
}

function ppParam(k: string, v: unknown, ctx: NameContext): Doc {
  if (v instanceof Jaxpr) return concat(text(`${k}=`), ppJaxpr(v, ctx));
  if (typeof v === "object" && v !== null && "jaxpr" in v && v.jaxpr instanceof Jaxpr) {
    return concat(text(`${k}=`), ppJaxpr(v.jaxpr, ctx));
  }
  return text(`${k}=${paramText(v)}`);
}

function ppParams(params: object, ctx: NameContext): Doc {
  const entries = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return nil;
  return group(
    concat(nest(2, concat(text("["), brk(""), join(brk(), entries.map(([k, v]) => ppParam(k, v, ctx))))), brk(""), text("]")),
  );
}

/** Per-primitive printing rules, for primitives that print only some of their params. */
export const printedParams: Partial<Record<string, (params: Record<string, unknown>) => Record<string, unknown>>> = {
  // JAX 0.4.1's _pp_xla_call: donated_invars only when one is donated.
  xla_call: ({ call_jaxpr, name, donated_invars }) => ({
    call_jaxpr,
    name,
    ...((donated_invars as boolean[]).some(Boolean) ? { donated_invars } : {}),
  }),
};

function ppEqn(eqn: JaxprEqn, ctx: NameContext): Doc {
  const lhs = ppVars(eqn.outBinders, ctx, { shapes: true });
  const select = printedParams[eqn.primitive];
  const params = ppParams(select ? select(eqn.params as Record<string, unknown>) : eqn.params, ctx);
  const rhs = concat(text(" "), ppVars(eqn.inputs, ctx));
  return concat(lhs, text(" = "), text(eqn.primitive), params, rhs);
}

function ppJaxpr(jaxpr: Jaxpr, ctx: NameContext): Doc {
  const constvars = ppVars(jaxpr.constvars, ctx, { shapes: true });
  const invars = ppVars(jaxpr.invars, ctx, { shapes: true });
  const eqns = join(brk("; "), jaxpr.eqns.map((e) => ppEqn(e, ctx)));
  const outs = concat(
    text("("),
    ppVars(jaxpr.outs, ctx, { separator: "," }),
    text(jaxpr.outs.length === 1 ? ",)" : ")"),
  );
  return group(
    concat(
      nest(
        2,
        concat(text("{ lambda "), constvars, text("; "), invars, text(". let"), nest(2, concat(brk(), eqns)), brk(), text("in "), outs),
      ),
      text(" }"),
    ),
  );
}

export function printJaxpr(jaxpr: Jaxpr, width = 80): string {
  return format(ppJaxpr(jaxpr, new NameContext()), width);
}
