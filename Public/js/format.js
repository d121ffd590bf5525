// Numbers for people and axes: values, ticks, durations, wall times, nice tick steps, sorted lookups.

/**
 * A count for people, its thousands grouped with commas ("50,101,000"). Not `toLocaleString`: the
 * first call in a page loads the locale's data, about 18 ms of a first load in headless chromium.
 */
export function formatCount(n) {
  if (!Number.isInteger(n)) return String(n);
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
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

/**
 * A number from a JSON answer: the API writes NaN and ±infinity as the strings "NaN", "Infinity"
 * and "-Infinity"; a missing value (null) is NaN too, never 0.
 */
export function jsonNumber(value) {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === null || value === undefined) return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  const n = Number(value);
  return typeof value === 'string' && value.trim() !== '' ? n : NaN;
}

/** The name a tooltip gives a non-finite value ("NaN", "+∞", "−∞"), or the formatted number. */
export function formatMaybeFinite(value) {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+∞';
  if (value === -Infinity) return '−∞';
  return formatValue(value);
}
