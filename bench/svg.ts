// An SVG chart of wax's speed-ups, written by hand: one group of bars per row, one bar per
// baseline, on a log scale that diverges from 1× (right: wax is faster; left: slower).

import { BASELINES, type Baseline, type Row } from "./case.js";
import { formatRatio } from "./harness.js";
import type { Results } from "./report.js";

const COLORS: Record<Baseline, string> = { "plain JS": "#7f7f7f", "jax-js": "#e8710a", tfjs: "#1a73e8" };
const WIDTH = 980, LABEL = 360, RIGHT = 60, BAR = 9, GAP = 10, TOP = 74, BOTTOM = 46;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function ratioChart(res: Results): string {
  const rows = res.rows.filter((r) => BASELINES.some((b) => r.ratios[b] !== undefined) || r.outcomes.length > 0);
  const values = rows.flatMap((r) => BASELINES.map((b) => r.ratios[b]).filter((v): v is number => v !== undefined && v > 0));
  const lo = Math.min(-1, Math.floor(Math.log10(Math.min(...values, 1))));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(...values, 1))));
  const plotW = WIDTH - LABEL - RIGHT;
  const x = (ratio: number) => LABEL + ((Math.log10(ratio) - lo) / (hi - lo)) * plotW;
  const groupH = BASELINES.length * BAR + GAP;
  const height = TOP + rows.length * groupH + BOTTOM;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="600">wax speed-up over each baseline (log scale; right of 1× = wax faster)</text>`,
    `<text x="16" y="44" fill="#555">${esc(`${res.date.slice(0, 10)} · node ${res.machine.node} · ${res.machine.cpus} cores · --threads ${res.threads}${res.quick ? " · --quick" : ""} · ratio = baseline median ÷ wax median`)}</text>`,
  );
  // Legend.
  BASELINES.forEach((b, i) => {
    const lx = LABEL + i * 140;
    out.push(`<rect x="${lx}" y="54" width="12" height="10" fill="${COLORS[b]}"/>`, `<text x="${lx + 18}" y="63">${esc(b)}</text>`);
  });
  // Grid: powers of ten, 1× emphasised.
  for (let p = lo; p <= hi; p++) {
    const gx = x(10 ** p).toFixed(1);
    out.push(
      `<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${height - BOTTOM + 4}" stroke="${p === 0 ? "#222" : "#ddd"}" stroke-width="${p === 0 ? 1.5 : 1}"/>`,
      `<text x="${gx}" y="${height - BOTTOM + 20}" text-anchor="middle" fill="#333">${p < 0 ? `0.${"0".repeat(-p - 1)}1×` : `${10 ** p}×`}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const gy = TOP + i * groupH;
    out.push(`<text x="${LABEL - 10}" y="${gy + (BASELINES.length * BAR) / 2 + 4}" text-anchor="end">${esc(`${row.id} ${row.name}`)}</text>`);
    BASELINES.forEach((b, j) => out.push(bar(row, b, gy + j * BAR, x)));
  });
  out.push(`<text x="16" y="${height - 10}" fill="#777">${esc("npm run bench — bench/run.ts; missing bars: the baseline cannot run it (n/a) or its result differed (see the table)")}</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function bar(row: Row, b: Baseline, y: number, x: (r: number) => number): string {
  const r = row.ratios[b];
  if (r === undefined) return "";
  const x0 = x(1), x1 = x(r);
  const left = Math.min(x0, x1), w = Math.max(1, Math.abs(x1 - x0));
  const label = `<text x="${(r >= 1 ? x1 + 4 : x1 - 4).toFixed(1)}" y="${y + BAR - 1}" font-size="9" text-anchor="${r >= 1 ? "start" : "end"}" fill="#333">${esc(formatRatio(r))}</text>`;
  return `<rect x="${left.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR - 1}" fill="${COLORS[b]}"><title>${esc(`${row.id} ${row.name}: ${formatRatio(r)} vs ${b}`)}</title></rect>${label}`;
}
