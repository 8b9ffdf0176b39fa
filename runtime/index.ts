// wax/runtime: the small, dependency-free part of wax that runs compiled modules.
// It holds no compiler and no Binaryen.

export { WaxMemory, waxMemory, memoryStats, MAX_PAGES, MAX_ARRAY_BYTES, type MemoryStats } from "./memory.js";
export { track, release } from "./lifetime.js";
export {
  ABI_VERSION, MANIFEST_SECTION, ManifestError, readManifest, decodeManifest, encodeManifest, elementBytes, manifestDigest,
  appendCustomSection,
  type Manifest, type EntrySpec, type TensorSpec, type ConstSpec, type ManifestDType,
} from "./manifest.js";
export {
  loadModule, allocArray, SharedArray, WaxModule,
  type LoadOptions, type WaxResult, type ArgumentLike, type TypedArray, type EntryFunction,
} from "./loader.js";
export { fromBase64 } from "./manifest.js";
