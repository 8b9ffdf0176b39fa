// The manifest a compiled wax module carries in its "wax.manifest" custom section: what
// each exported entry takes and returns, so a runtime (or a person with the plain
// WebAssembly API) can call it without the compiler.

/** Version of the calling convention and of this manifest's format. */
export const ABI_VERSION = 1;
export const MANIFEST_SECTION = "wax.manifest";

export type ManifestDType = "float32" | "int32" | "bool";

export interface TensorSpec {
  shape: number[];
  dtype: ManifestDType;
}

export interface ConstSpec extends TensorSpec {
  /** Row-major little-endian element bytes, base64. */
  data: string;
}

export interface EntrySpec {
  /** The exported function's name. */
  name: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Bytes of scratch memory the entry needs (16-byte aligned block). */
  scratchBytes: number;
  /** Arrays the entry closes over, passed after the scratch pointer. */
  consts: ConstSpec[];
}

export interface Manifest {
  abi: number;
  generator: string;
  /** WebAssembly features the module needs: "simd128", "threads" (shared memory), "relaxed-simd". */
  features: string[];
  entries: EntrySpec[];
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

export function elementBytes(dtype: ManifestDType): number {
  return dtype === "bool" ? 1 : 4;
}

export function encodeManifest(m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m));
}

const DTYPES = new Set(["float32", "int32", "bool"]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function checkTensor(t: unknown, where: string): TensorSpec {
  const x = t as TensorSpec;
  if (!x || !Array.isArray(x.shape) || !x.shape.every((d) => Number.isInteger(d) && d >= 0) || !DTYPES.has(x.dtype)) {
    throw new ManifestError(`${where}: expected {shape: non-negative integers, dtype: float32|int32|bool}, got ${JSON.stringify(t)}`);
  }
  return x;
}

/** Parses and checks a manifest; `where` names the module in errors. */
export function decodeManifest(bytes: ArrayBuffer | Uint8Array, where = "module"): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
  } catch (e) {
    throw new ManifestError(`${where}: the ${MANIFEST_SECTION} section is not valid JSON (${(e as Error).message})`);
  }
  if (typeof m !== "object" || m === null) throw new ManifestError(`${where}: the manifest is not an object`);
  if (m.abi !== ABI_VERSION) {
    throw new ManifestError(`${where}: manifest ABI version ${String(m.abi)} is not supported (this runtime reads version ${ABI_VERSION})`);
  }
  if (!Array.isArray(m.entries)) throw new ManifestError(`${where}: the manifest has no entries list`);
  m.entries.forEach((e: EntrySpec | null, k) => {
    if (typeof e !== "object" || e === null || typeof e.name !== "string" || !Array.isArray(e.inputs) || !Array.isArray(e.outputs)) {
      throw new ManifestError(`${where}: malformed entry ${k}: expected {name, inputs, outputs, scratchBytes, consts}, got ${String(JSON.stringify(e)).slice(0, 200)}`);
    }
    e.inputs.forEach((t, i) => checkTensor(t, `${where}: entry ${e.name} input ${i}`));
    e.outputs.forEach((t, i) => checkTensor(t, `${where}: entry ${e.name} output ${i}`));
    if (e.consts !== undefined && !Array.isArray(e.consts)) throw new ManifestError(`${where}: entry ${e.name} has a consts field that is not a list`);
    (e.consts ?? []).forEach((t, i) => {
      checkTensor(t, `${where}: entry ${e.name} const ${i}`);
      if (typeof t.data !== "string" || !BASE64.test(t.data)) {
        throw new ManifestError(`${where}: entry ${e.name} const ${i}: data must be a base64 string, got ${String(JSON.stringify(t.data)).slice(0, 60)}`);
      }
    });
    e.consts ??= [];
    if (!Number.isInteger(e.scratchBytes) || e.scratchBytes < 0) throw new ManifestError(`${where}: entry ${e.name} has a bad scratchBytes`);
  });
  m.features ??= [];
  return m;
}

/** The manifest of a compiled module, or a ManifestError saying why there is none. */
export function readManifest(module: WebAssembly.Module, where = "module"): Manifest {
  const sections = WebAssembly.Module.customSections(module, MANIFEST_SECTION);
  if (sections.length === 0) throw new ManifestError(`${where}: not a wax module (it has no ${MANIFEST_SECTION} custom section)`);
  const m = decodeManifest(sections[0]!, where);
  const exported = new Set(WebAssembly.Module.exports(module).filter((x) => x.kind === "function").map((x) => x.name));
  for (const e of m.entries) {
    if (!exported.has(e.name)) throw new ManifestError(`${where}: the manifest names entry ${e.name}, which the module does not export`);
  }
  return m;
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
