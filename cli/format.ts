// Small text helpers for the CLI's output: tensor types, byte counts, aligned tables.

export interface TensorType {
  shape: readonly number[];
  dtype: string;
}

/** `float32[4,3]`, `int32[]`: the notation of wax's error messages. */
export function tensorType(t: TensorType): string {
  return `${t.dtype}[${t.shape.join(",")}]`;
}

export function tensorBytes(t: TensorType): number {
  return t.shape.reduce((a, b) => a * b, 1) * (t.dtype === "bool" ? 1 : 4);
}

/** `812 B`, `12.3 KiB`, `4.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Rows as aligned columns; columns listed in `right` are right-aligned (numbers). */
export function table(rows: string[][], right: number[] = [], indent = "  "): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) => indent + r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd())
    .join("\n");
}
