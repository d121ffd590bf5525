// The Graph tab's colourings by what a traced step recorded (RunMetadata step statistics, as
// TensorBoard's "Compute time" and "Memory" colourings): a node's compute time or memory on a
// sequential scale from light (least) to dark red (most); a node without statistics stays uncoloured.
import { el } from './dom.js';
import { jsonNumber } from './format.js';

/** The colourings that need the run's step statistics (`/api/graph?stats=TAG`). */
export const STATS_MODES = { compute: 'computeMicros', memory: 'memoryBytes' };

/** The node's statistic for a colouring, or null when it has none. */
export function statsValue(node, mode) {
  const raw = node.raw?.[STATS_MODES[mode]];
  if (raw === null || raw === undefined) return null;
  const value = jsonNumber(raw);
  return Number.isFinite(value) ? value : null;
}

/** The colour of a fraction in [0, 1] of the largest value: light yellow → orange → dark red. */
export function statsColor(fraction) {
  const f = Math.min(1, Math.max(0, fraction));
  const hue = 50 - 50 * f;
  const light = 85 - 50 * f;
  return `hsl(${hue.toFixed(1)} 90% ${light.toFixed(1)}%)`;
}

/** A duration in microseconds for people: "850 µs", "12.3 ms", "1.50 s". */
export function formatMicros(micros) {
  if (micros < 1000) return `${Math.round(micros)} µs`;
  if (micros < 1e6) return `${Number((micros / 1000).toPrecision(3))} ms`;
  return `${Number((micros / 1e6).toPrecision(3))} s`;
}

/** A size in bytes for people: "512 B", "4 KiB", "1.5 MiB". */
export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes; let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${unit === 0 ? value : Number(value.toPrecision(3))} ${units[unit]}`;
}

/** The text of a statistic for a colouring. */
export function formatStat(value, mode) {
  return mode === 'compute' ? formatMicros(value) : formatBytes(value);
}

/**
 * Colours for `nodes` by a statistic: `{colorOf(node), max, legend}` where colorOf gives null for
 * a node without it, and legend is the scale's swatches from 0 to the largest value.
 */
export function statsColoring(nodes, mode) {
  let max = 0; let count = 0;
  for (const node of nodes) { const v = statsValue(node, mode); if (v !== null) { count += 1; if (v > max) max = v; } }
  const colorOf = (node) => { const v = statsValue(node, mode); return v === null ? null : statsColor(max > 0 ? v / max : 0); };
  const title = mode === 'compute' ? 'Compute time' : 'Memory';
  const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const sw = el('span', { className: 'swatch' }); sw.style.background = statsColor(f);
    return el('span', { dataset: { fraction: f } }, sw, formatStat(f * max, mode));
  });
  const legend = [el('strong', {}, title), ...stops,
    el('span', { className: 'hint' }, count ? `${count} nodes with statistics; the others uncoloured` : 'No node has statistics in this step')];
  return { colorOf, max, count, legend };
}
