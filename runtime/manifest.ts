// The manifest a compiled wax module carries in its "wax.manifest" custom section: what
// each exported entry takes and returns, so a runtime (or a person with the plain
// WebAssembly API) can call it without the compiler.

import { MAX_ARRAY_BYTES } from "./memory.js";
import { sha256Hex } from "./sha256.js";

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
  /**
   * "sha256:" and the SHA-256 of the code section's bytes followed by this manifest's JSON
   * without this field: binds the manifest to the code it was compiled with.
   */
  codeDigest?: string;
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
const FIELDS = {
  manifest: ["abi", "generator", "features", "entries", "codeDigest"],
  entry: ["name", "inputs", "outputs", "scratchBytes", "consts"],
  tensor: ["shape", "dtype"],
  const: ["shape", "dtype", "data"],
};

function checkFields(x: object, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(x).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ManifestError(`${where} has unknown field${unknown.length === 1 ? "" : "s"} ${unknown.map((k) => JSON.stringify(k)).join(", ")} (this runtime reads ${allowed.join(", ")})`);
  }
}

function checkTensor(t: unknown, where: string, isConst = false): TensorSpec {
  const x = t as TensorSpec;
  if (!x || typeof x !== "object" || !Array.isArray(x.shape) || !x.shape.every((d) => Number.isInteger(d) && d >= 0) || !DTYPES.has(x.dtype)) {
    throw new ManifestError(`${where}: expected {shape: non-negative integers, dtype: float32|int32|bool}, got ${JSON.stringify(t)}`);
  }
  checkFields(x, isConst ? FIELDS.const : FIELDS.tensor, where);
  const bytes = x.shape.reduce((a, b) => a * b, 1) * elementBytes(x.dtype);
  if (bytes > MAX_ARRAY_BYTES) throw new ManifestError(`${where}: ${x.dtype}[${x.shape.join(",")}] is ${bytes} bytes, past the ${MAX_ARRAY_BYTES}-byte maximum array size`);
  if (isConst) {
    const data = (x as ConstSpec).data;
    const notBase64 = () => new ManifestError(`${where}: data must be a base64 string, got ${String(JSON.stringify(data)).slice(0, 60)}`);
    if (typeof data !== "string" || !BASE64.test(data)) throw notBase64();
    let n: number;
    try {
      n = fromBase64(data).length;
    } catch {
      throw notBase64();
    }
    if (n !== bytes) throw new ManifestError(`${where} (${x.dtype}[${x.shape.join(",")}]) has ${n} bytes of data, not ${bytes}`);
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
  checkFields(m, FIELDS.manifest, `${where}: the manifest`);
  if (!Array.isArray(m.entries)) throw new ManifestError(`${where}: the manifest has no entries list`);
  if (m.features !== undefined && !(Array.isArray(m.features) && m.features.every((f) => typeof f === "string"))) {
    throw new ManifestError(`${where}: the manifest's features must be a list of strings`);
  }
  if (m.codeDigest !== undefined && !(typeof m.codeDigest === "string" && /^sha256:[0-9a-f]{64}$/.test(m.codeDigest))) {
    throw new ManifestError(`${where}: the manifest's codeDigest must be "sha256:" and 64 hex digits, got ${JSON.stringify(m.codeDigest)}`);
  }
  const names = new Set<string>();
  m.entries.forEach((e: EntrySpec | null, k) => {
    if (typeof e !== "object" || e === null || typeof e.name !== "string" || !Array.isArray(e.inputs) || !Array.isArray(e.outputs)) {
      throw new ManifestError(`${where}: malformed entry ${k}: expected {name, inputs, outputs, scratchBytes, consts}, got ${String(JSON.stringify(e)).slice(0, 200)}`);
    }
    if (names.has(e.name)) throw new ManifestError(`${where}: two entries are named ${e.name}`);
    names.add(e.name);
    checkFields(e, FIELDS.entry, `${where}: entry ${e.name}`);
    e.inputs.forEach((t, i) => checkTensor(t, `${where}: entry ${e.name} input ${i}`));
    e.outputs.forEach((t, i) => checkTensor(t, `${where}: entry ${e.name} output ${i}`));
    if (e.consts !== undefined && !Array.isArray(e.consts)) throw new ManifestError(`${where}: entry ${e.name} has a consts field that is not a list`);
    (e.consts ?? []).forEach((t, i) => checkTensor(t, `${where}: entry ${e.name} const ${i}`, true));
    e.consts ??= [];
    if (!Number.isInteger(e.scratchBytes) || e.scratchBytes < 0 || e.scratchBytes > MAX_ARRAY_BYTES) {
      throw new ManifestError(`${where}: entry ${e.name} has a bad scratchBytes (${JSON.stringify(e.scratchBytes)}: an integer from 0 to ${MAX_ARRAY_BYTES})`);
    }
  });
  m.features ??= [];
  return m;
}

/** The digest that binds `manifest` (its codeDigest field aside) to the code section `code`. */
export function manifestDigest(code: Uint8Array, manifest: Manifest): string {
  const { codeDigest: _, ...rest } = manifest;
  const json = new TextEncoder().encode(JSON.stringify(rest));
  const both = new Uint8Array(code.length + json.length);
  both.set(code);
  both.set(json, code.length);
  return `sha256:${sha256Hex(both)}`;
}

/** `wasm` with a custom section appended (custom sections may come last). */
export function appendCustomSection(wasm: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  };
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb(nameBytes.length), ...nameBytes];
  const header = [0, ...leb(body.length + payload.length), ...body];
  const out = new Uint8Array(wasm.length + header.length + payload.length);
  out.set(wasm);
  out.set(header, wasm.length);
  out.set(payload, wasm.length + header.length);
  return out;
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
