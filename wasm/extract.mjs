// Turns the compiled math library (dist/wasm/math.wasm) into templates the direct encoder
// inlines into kernels (compiler/backend/mathlib.ts): for each exported function, its
// parameter, result and local types, and its instructions with the places to patch when
// inlined: every local index (moved to the caller's locals) and every `return` (a branch
// out of the block the body becomes). A call to an inlined copy would cost a spill of the
// kernel's vector registers per four elements; inlined, the library runs as Binaryen's
// inlining made it run, from the same instructions.

/** Reads a LEB128 unsigned integer at `at`: [value, next position]. */
function uleb(bytes, at) {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, at];
  }
}

/** Skips a signed LEB128 at `at`. */
function skipLeb(bytes, at) {
  while (bytes[at++] & 0x80);
  return at;
}

const skipMemarg = (b, at) => uleb(b, uleb(b, at)[1])[1];

/**
 * Walks one function's instructions from `at` to its final `end`, calling `local(at, len,
 * index)` for each local index immediate and `ret(at, depth)` for each return, with the
 * number of enclosing blocks. Throws on a call or an instruction it does not know.
 */
function walk(b, at, local, ret) {
  let depth = 0;
  for (;;) {
    const op = b[at++];
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      if (b[at] !== 0x40 && (b[at] & 0xc0) !== 0x40) throw new Error("math.wasm: a block with a type index");
      at++;
      depth++;
    } else if (op === 0x0b) {
      if (depth === 0) return at;
      depth--;
    } else if (op === 0x05 || op === 0x00 || op === 0x01 || op === 0x1a || op === 0x1b) {
      // else, unreachable, nop, drop, select: no immediate
    } else if (op === 0x0c || op === 0x0d) at = uleb(b, at)[1];
    else if (op === 0x0e) {
      let [n, p] = uleb(b, at);
      for (let i = 0; i <= n; i++) p = uleb(b, p)[1];
      at = p;
    } else if (op === 0x0f) ret(at - 1, depth);
    else if (op === 0x10 || op === 0x11) throw new Error("math.wasm calls a function; mark its helpers @inline so each export is self-contained");
    else if (op >= 0x20 && op <= 0x22) {
      const [index, next] = uleb(b, at);
      local(at, next - at, index);
      at = next;
    } else if (op === 0x23 || op === 0x24) throw new Error("math.wasm uses a global");
    else if (op >= 0x28 && op <= 0x3e) at = skipMemarg(b, at);
    else if (op === 0x41 || op === 0x42) at = skipLeb(b, at);
    else if (op === 0x43) at += 4;
    else if (op === 0x44) at += 8;
    else if (op >= 0x45 && op <= 0xc4) {
      // numeric instructions: no immediate
    } else if (op === 0xfc) {
      const [sub, next] = uleb(b, at);
      if (sub > 7) throw new Error(`math.wasm: instruction 0xfc ${sub}`);
      at = next;
    } else if (op === 0xfd) {
      const [sub, next] = uleb(b, at);
      at = next;
      if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) at = skipMemarg(b, at);
      else if (sub === 0x0c || sub === 0x0d) at += 16;
      else if (sub >= 0x15 && sub <= 0x22) at += 1;
      else if (sub >= 0x54 && sub <= 0x5b) at = skipMemarg(b, at) + 1;
    } else throw new Error(`math.wasm: unknown opcode 0x${op.toString(16)}`);
  }
}

/** The exported functions of math.wasm: name -> { params, results, locals, code, patches }. */
export function extractFunctions(bytes) {
  const sections = new Map();
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const [size, start] = uleb(bytes, at + 1);
    if (id !== 0) sections.set(id, bytes.subarray(start, start + size));
    at = start + size;
  }
  for (const id of [2, 4, 5, 6, 8, 9, 11]) if (sections.has(id)) throw new Error(`math.wasm has section ${id}: it must be functions only`);
  const vec = (id, read) => {
    const s = sections.get(id);
    if (!s) return [];
    let [n, at] = uleb(s, 0);
    const out = [];
    for (let i = 0; i < n; i++) {
      const [item, next] = read(s, at);
      out.push(item);
      at = next;
    }
    return out;
  };
  const types = vec(1, (s, at) => {
    const [np, p] = uleb(s, at + 1); // after 0x60
    const params = [...s.subarray(p, p + np)];
    const [nr, r] = uleb(s, p + np);
    return [{ params, results: [...s.subarray(r, r + nr)] }, r + nr];
  });
  const funcTypes = vec(3, (s, at) => uleb(s, at));
  const bodies = vec(10, (s, at) => {
    const [size, start] = uleb(s, at);
    return [s.subarray(start, start + size), start + size];
  });
  const exports = vec(7, (s, at) => {
    const [len, p] = uleb(s, at);
    const name = new TextDecoder().decode(s.subarray(p, p + len));
    const [index, next] = uleb(s, p + len + 1);
    return [{ name, kind: s[p + len], index }, next];
  });
  const out = {};
  for (const e of exports) {
    if (e.kind !== 0) continue;
    const { params, results } = types[funcTypes[e.index]];
    const body = bodies[e.index];
    // Local declarations: runs of (count, type).
    let [runs, at] = uleb(body, 0);
    const locals = [];
    for (let i = 0; i < runs; i++) {
      const [count, p] = uleb(body, at);
      for (let j = 0; j < count; j++) locals.push(body[p]);
      at = p + 1;
    }
    const code = body.subarray(at);
    // Patches: [offset, length, 0, local index] or [offset, 1, 1, depth] (a return).
    const patches = [];
    const end = walk(code, 0, (p, len, index) => patches.push([p, len, 0, index]), (p, depth) => patches.push([p, 1, 1, depth]));
    if (end !== code.length) throw new Error(`math.wasm: ${e.name} has bytes after its end`);
    out[e.name] = { params, results, locals, code: Buffer.from(code).toString("base64"), patches };
  }
  return out;
}
