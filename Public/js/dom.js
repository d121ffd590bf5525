// What the dashboards build the page with: elements (text only, never markup), run colours, canvas
// sizing and number formatting.

/**
 * Creates an element. `props` sets properties (className, type, value, ...) and `attrs`
 * attributes; children are nodes or strings, strings become text nodes (never markup).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'attrs') {
      for (const [name, v] of Object.entries(value)) node.setAttribute(name, String(v));
    } else if (key === 'dataset') {
      for (const [name, v] of Object.entries(value)) node.dataset[name] = String(v);
    } else {
      node[key] = value;
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A colour swatch for a run. */
export function swatch(color) {
  const node = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
  node.style.background = color;
  return node;
}

// A palette of 20 distinct colours that read on both themes. A run keeps its colour for the life
// of the page: it gets the slot its name hashes to, or the next free one, so runs seen in the same
// order get the same colours on every load, and a new run never recolours the others.
export const PALETTE = [
  '#1f77d4', '#e8590c', '#2b9a3e', '#d6336c', '#7048e8', '#8d5524', '#c2255c', '#0c8599',
  '#a6a619', '#5c7cfa', '#f08c00', '#087f5b', '#ae3ec9', '#495057', '#e03131', '#66a80f',
  '#1864ab', '#d9480f', '#9c36b5', '#0b7285',
];
const assigned = new Map();
const taken = new Set();

/** 32-bit FNV-1a of a string. */
export function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Gives colours to the runs that have none yet (call with the runs in their listed order). */
export function assignRunColors(runs) {
  for (const run of runs) {
    if (assigned.has(run)) continue;
    const h = hash(run);
    let color = null;
    for (let k = 0; k < PALETTE.length; k++) {
      const slot = (h + k) % PALETTE.length;
      if (!taken.has(slot)) { taken.add(slot); color = PALETTE[slot]; break; }
    }
    assigned.set(run, color || `hsl(${h % 360} 60% 45%)`);
  }
}

/** The run's colour. */
export function runColor(run) {
  if (!assigned.has(run)) assignRunColors([run]);
  return assigned.get(run);
}

/** A colour for a category (op type, device), stable for its name. */
export function categoryColor(name) {
  const h = hash(name);
  const hue = (h % 360);
  const light = 58 + ((h >>> 9) % 12);
  return `hsl(${hue} 55% ${light}%)`;
}

/** A number for people: up to 6 significant digits, exponent for very large or small values. */
export function formatValue(value) {
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(4);
  return String(Number(value.toPrecision(6)));
}

/** A short axis label. */
export function formatTick(value) {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

/** Seconds as "1h 02m 03s". */
export function formatDuration(seconds) {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${Number(s.toPrecision(3))}s`;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const parts = [];
  if (h) parts.push(`${h}h`);
  parts.push(`${String(m).padStart(h ? 2 : 1, '0')}m`);
  parts.push(`${String(Math.round(s)).padStart(2, '0')}s`);
  return sign + parts.join(' ');
}

/** A wall time (seconds since the epoch) as local date and time. */
export function formatWallTime(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A RegExp from user text (case-insensitive), or null when empty; throws on a bad pattern. */
export function userRegExp(text) {
  if (!text) return null;
  return new RegExp(text, 'i');
}

/** Reads a CSS custom property of the document (theme colours for canvases). */
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Sizes a canvas's backing store to its CSS box × devicePixelRatio; returns its 2D context scaled to CSS pixels. */
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth));
  const height = Math.max(1, Math.round(canvas.clientHeight));
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

/** "Nice" tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const span = hi - lo;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

/** Index of the first element of the sorted array `xs` that is ≥ x. */
export function lowerBound(xs, x) {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Calls `fn` at most once per animation frame. */
export function frameThrottle(fn) {
  let pending = false;
  return (...args) => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fn(...args); });
  };
}
