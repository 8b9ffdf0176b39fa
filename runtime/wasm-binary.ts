// Just enough of the WebAssembly binary format to check a module against its manifest
// before running it: function signatures of the exports, the imports, whether it has a
// start function or active data segments (both would run or write at instantiation),
// and the bytes of the code section, which the manifest's digest covers.

export interface WasmLayout {
  /** Each exported function's parameter and result value types (0x7f is i32). */
  exports: Map<string, { params: number[]; results: number[] }>;
  /** Imported memories' limits: `shared` and the maximum in pages (undefined when unbounded). */
  memories: { module: string; name: string; shared: boolean; maximum: number | undefined }[];
  hasStart: boolean;
  activeDataSegments: number;
  /** The code section's payload (empty when there is none). */
  code: Uint8Array;
  /** The custom sections' names, in order. */
  customSections: string[];
}

export class WasmFormatError extends Error {}

export function readLayout(bytes: Uint8Array): WasmLayout {
  let at = 8;
  const fail = (what: string): never => {
    throw new WasmFormatError(`malformed module at byte ${at}: ${what}`);
  };
  const byte = () => (at < bytes.length ? bytes[at++]! : fail("unexpected end"));
  const uleb = (): number => {
    let result = 0, mult = 1;
    for (;;) {
      const b = byte();
      result += (b & 0x7f) * mult;
      if (!(b & 0x80)) return result;
      mult *= 128;
      if (mult > 2 ** 35) fail("LEB128 too long");
    }
  };
  const skipConstExpr = (): void => {
    for (;;) {
      const op = byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23) while (byte() & 0x80);
      else fail(`unexpected opcode 0x${op.toString(16)} in a constant expression`);
    }
  };
  const name = () => {
    const n = uleb();
    at += n;
    return new TextDecoder().decode(bytes.subarray(at - n, at));
  };
  const limits = () => {
    const flags = byte();
    uleb();
    const maximum = flags & 1 ? uleb() : undefined;
    return { shared: (flags & 2) !== 0, maximum };
  };
  const types: { params: number[]; results: number[] }[] = [];
  const funcTypes: number[] = []; // imported functions first, then defined ones
  const exportsRaw: [string, number][] = [];
  const layout: WasmLayout = { exports: new Map(), memories: [], hasStart: false, activeDataSegments: 0, code: new Uint8Array(0), customSections: [] };
  while (at < bytes.length) {
    const id = byte(), size = uleb(), end = at + size;
    if (end > bytes.length) fail("section past the end");
    switch (id) {
      case 0:
        layout.customSections.push(name());
        break;
      case 1:
        for (let i = uleb(); i > 0; i--) {
          if (byte() !== 0x60) fail("expected a function type");
          const params = Array.from({ length: uleb() }, byte);
          const results = Array.from({ length: uleb() }, byte);
          types.push({ params, results });
        }
        break;
      case 2:
        for (let i = uleb(); i > 0; i--) {
          const module = name(), field = name(), kind = byte();
          if (kind === 0) funcTypes.push(uleb());
          else if (kind === 1) (byte(), limits());
          else if (kind === 2) layout.memories.push({ module, name: field, ...limits() });
          else if (kind === 3) (byte(), byte());
          else fail(`unknown import kind ${kind}`);
        }
        break;
      case 3:
        for (let i = uleb(); i > 0; i--) funcTypes.push(uleb());
        break;
      case 7:
        for (let i = uleb(); i > 0; i--) {
          const n = name(), kind = byte(), index = uleb();
          if (kind === 0) exportsRaw.push([n, index]);
        }
        break;
      case 8:
        layout.hasStart = true;
        break;
      case 10:
        layout.code = bytes.subarray(at, end);
        break;
      case 11:
        for (let i = uleb(); i > 0; i--) {
          const flags = uleb();
          if (flags === 0 || flags === 2) {
            layout.activeDataSegments++;
            if (flags === 2) uleb();
            skipConstExpr();
          }
          at += uleb();
        }
        break;
    }
    at = end;
  }
  for (const [n, index] of exportsRaw) {
    const t = types[funcTypes[index] ?? -1];
    if (t) layout.exports.set(n, t);
  }
  return layout;
}
