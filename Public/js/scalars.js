// The Scalars dashboard: one card per tag with every visible run overlaid on a canvas, smoothing,
// axis modes, hover tooltip, drag-to-zoom and downloads. Cards load when they scroll into view and
// ask the server for about one point per pixel of their width, smoothed on the server over the
// full series (so the line is the same at every width); zooming asks again for the window, so at
// enough zoom every raw point is drawn. Runs can be grouped (a mean line and a band per group from
// /api/aggregate), the x axis can be another scalar of the run, restarts show as dashed markers,
// and cards can be pinned to the top.
import { apiURL, getJSON, getScalarColumns } from './api.js';
import { runColor } from './colors.js';
import { exactPattern, groupColor, groupOf, togglePin } from './compare.js';
import { cssVar, el, fitCanvas, frameThrottle, swatch } from './dom.js';
import { formatDuration, formatMaybeFinite, formatTick, formatWallTime, jsonNumber, lowerBound, niceTicks } from './format.js';
import { drawNonFinite, nonFiniteY, placeTooltip } from './plot.js';
import { PixelLines, pixelColor } from './raster.js';
import { smooth } from './smoothing.js';

const MARGIN = { left: 56, right: 12, top: 10, bottom: 26 };
// Points one card asks for at most, over all its runs: one a pixel of its width until so many runs
// are shown that it would fetch, parse and stroke more (1,000 runs: 250 points each, which still
// keep each run's first, last and extreme points; zooming in fetches finer ones).
const POINT_BUDGET = 250000;

/** Groups tags by the part before their first "/". */
export function groupTags(tags) {
  const groups = new Map();
  for (const tag of tags) {
    const slash = tag.indexOf('/');
    const name = slash > 0 ? tag.slice(0, slash) : tag;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(tag);
  }
  return groups;
}

function fileName(run, tag, ext) {
  return `${run}_${tag}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) + `.${ext}`;
}

/** Linear interpolation of (xs → ys) at `x` (xs ascending); NaN outside. */
function interpolate(xs, ys, x) {
  const i = lowerBound(xs, x);
  if (i < xs.length && xs[i] === x) return ys[i];
  if (i === 0 || i >= xs.length) return NaN;
  return ys[i - 1] + ((ys[i] - ys[i - 1]) * (x - xs[i - 1])) / (xs[i] - xs[i - 1]);
}

class Series {
  /** `json`: one series of getScalarColumns (its points as columns; NaN and ±∞ stay themselves). */
  constructor(run, json, weight) {
    this.run = run;
    this.total = json.total;
    this.wall = json.points.wallTime;
    this.step = json.points.step;
    this.value = json.points.value;
    // The server's smoothing, over the full series, for `weight`:
    this.served = json.points.smoothed || null;
    this.servedWeight = this.served ? weight : null;
    this.restarts = json.restarts || [];
    this.smoothed = null;
    this.weight = null;
    this.xCache = new Map();
  }

  /** The smoothed values: the server's; while a new weight is being fetched, a preview of the sample. */
  smoothedFor(weight) {
    if (this.served && this.servedWeight === weight) return this.served;
    if (this.weight !== weight) { this.smoothed = smooth(this.value, weight, this.smoothed); this.weight = weight; }
    return this.smoothed;
  }

  /** Sets the values of another scalar of the run (steps, values) used as the x axis `scalar:TAG`. */
  setOther(tag, steps, values) {
    const xs = new Float64Array(this.step.length);
    for (let i = 0; i < xs.length; i++) xs[i] = interpolate(steps, values, this.step[i]);
    this.xCache.set(`scalar:${tag}`, xs);
    for (const key of [...this.xCache.keys()]) if (key.startsWith('log|')) this.xCache.delete(key);
  }

  /** X values for an axis mode, in log10 when `log` (≤ 0 → NaN). */
  xs(mode, log = false) {
    if (log) {
      const key = `log|${mode}`;
      if (!this.xCache.has(key)) this.xCache.set(key, this.xs(mode).map((v) => (v > 0 ? Math.log10(v) : NaN)));
      return this.xCache.get(key);
    }
    if (mode === 'step') return this.step;
    if (mode === 'wall') return this.wall;
    if (mode.startsWith('scalar:')) return this.xCache.get(mode) || new Float64Array(this.step.length).fill(NaN);
    if (!this.relative) {
      this.relative = new Float64Array(this.wall.length);
      const start = this.wall.length ? this.wall[0] : 0;
      for (let i = 0; i < this.wall.length; i++) this.relative[i] = this.wall[i] - start;
    }
    return this.relative;
  }

  /** The x of a step's restart marker, or of a purged point (step, wall time), for an axis mode. */
  xOf(mode, step, wall) {
    if (mode === 'step') return step;
    if (mode === 'wall') return wall;
    if (mode === 'relative') return wall - (this.wall.length ? this.wall[0] : 0);
    return interpolate(this.step, this.xs(mode), step);
  }
}

/** Past this many runs on a card, its lines are drawn into pixels by raster.js. */
const DENSE_RUNS = 100;

/** The indices a..b of the points of `xs` in L's x range (plus one on each side), when x only goes up; else all. */
function visibleRange(L, xs) {
  const n = xs.length;
  if (!isAscending(xs)) return [0, n];
  return [Math.max(0, lowerBound(xs, L.x0) - 1), Math.min(n, lowerBound(xs, L.x1) + 1)];
}

/**
 * The k-th smallest of values[lo..hi] (inclusive), rearranging them (Hoare's selection with a
 * median-of-three pivot); the values below index k end up before it, so a later call for a
 * larger k may start at this k.
 */
function select(values, k, lo, hi) {
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const a = values[lo]; const b = values[mid]; const c = values[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    let i = lo; let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) { const t = values[i]; values[i] = values[j]; values[j] = t; i++; j--; }
    }
    if (k <= j) hi = j; else if (k >= i) lo = i; else return values[k];
  }
  return values[k];
}

/** The longest `runs=` pattern one request carries; more runs go in several requests at once. */
const RUNS_PATTERN_LENGTH = 4000;

/**
 * Fetches /api/scalars of `params` for each of `runs`: one run alone, or several runs named in
 * `runs=` patterns (in parallel, of equal run counts, about RUNS_PATTERN_LENGTH characters of names
 * each), since a card of 1,000 runs waited on 1,000 requests. Returns run → answer; a run whose
 * request failed or that lacks the tag is missing.
 */
async function fetchSeries(runs, params) {
  const answers = new Map();
  if (runs.length === 1) {
    try { answers.set(runs[0], await getScalarColumns({ run: runs[0], ...params })); } catch (_) { /* missing */ }
    return answers;
  }
  // Batches of equal counts (the server answers them at once, so the largest sets the time).
  const length = runs.reduce((n, run) => n + run.length + 1, 0);
  const size = Math.ceil(runs.length / Math.ceil(length / RUNS_PATTERN_LENGTH));
  const batches = [];
  for (let i = 0; i < runs.length; i += size) batches.push(runs.slice(i, i + size));
  await Promise.all(batches.map(async (names) => {
    try {
      for (const json of await getScalarColumns({ runs: exactPattern(names), ...params })) answers.set(json.run, json);
    } catch (_) { /* missing */ }
  }));
  return answers;
}

/** One group of /api/aggregate drawn like a series: its mean as the line, with a band. */
class GroupSeries {
  constructor(json, color) {
    this.run = json.group;
    this.group = json.group;
    this.runs = json.runs;
    this.color = color;
    const n = json.points.length;
    this.step = new Float64Array(n);
    this.value = new Float64Array(n);
    this.low = new Float64Array(n);
    this.high = new Float64Array(n);
    json.points.forEach((p, i) => { this.step[i] = p[0]; this.value[i] = jsonNumber(p[1]); this.low[i] = jsonNumber(p[2]); this.high[i] = jsonNumber(p[3]); });
    this.wall = this.step;
    this.restarts = [];
  }

  smoothedFor() { return this.value; }

  xs(mode, log = false) {
    if (!log) return this.step;
    if (!this.logStep) this.logStep = this.step.map((v) => (v > 0 ? Math.log10(v) : NaN));
    return this.logStep;
  }
}

const ascendingCache = new WeakMap();

/** Whether `xs` never goes down and holds no NaN: then only the points in view need drawing. */
function isAscending(xs) {
  if (ascendingCache.has(xs)) return ascendingCache.get(xs);
  let sorted = true;
  let last = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (Number.isNaN(v) || v < last) { sorted = false; break; }
    last = v;
  }
  ascendingCache.set(xs, sorted);
  return sorted;
}

class ScalarCard {
  constructor(view, tag) {
    this.view = view;
    this.app = view.app;
    this.tag = tag;
    this.series = new Map(); // run → Series
    this.loaded = false;
    this.visible = false;
    this.dirty = true;
    this.zoom = null; // {x0, x1, y0, y1} in data units (y in scale units)
    this.hoverIndex = null;

    this.base = el('canvas', { attrs: { 'aria-hidden': 'true' } });
    this.lines = el('canvas', { className: 'layer', attrs: { 'aria-hidden': 'true' } });
    this.dataVersion = 0;
    this.overlay = el('canvas', { tabIndex: 0, attrs: { role: 'img', 'aria-label': `Chart of ${tag}` } });
    this.overlay.classList.add('overlay');
    this.chart = el('div', { className: 'chart' }, this.base, this.lines, this.overlay);
    this.legend = el('div', { className: 'legend' });
    this.downloads = el('ul');
    this.pin = el('button', { type: 'button', className: 'pin', attrs: { 'aria-pressed': 'false', 'aria-label': `Pin ${tag} to the top` } }, 'Pin');
    this.pin.addEventListener('click', () => togglePin(this.app, tag));
    this.groups = null; // GroupSeries when the runs are grouped
    this.stepWindow = null; // {start, end}: the steps fetched for the zoom
    this.loadSeq = 0;
    this.element = el('section', { className: 'card scalar', dataset: { tag } },
      el('div', { className: 'card-head' }, el('h3', {}, tag), this.pin), this.chart, this.legend,
      el('div', { className: 'toolbar' },
        el('details', {}, el('summary', {}, 'Download series'), this.downloads)));
    // The links are made when the list is opened: a card of 1,000 runs would make 2,000 up front.
    this.downloads.parentElement.addEventListener('toggle', () => this.renderDownloads());
    this.element.card = this;
    this.bindPointer();
  }

  runs() {
    return this.app.visibleRuns().filter((run) => (this.app.tags[run]?.scalars || []).includes(this.tag));
  }

  renderRunsUI() {
    const pinned = this.app.pins.includes(this.tag);
    this.pin.setAttribute('aria-pressed', String(pinned));
    this.pin.textContent = pinned ? 'Unpin' : 'Pin';
    if (this.groups) {
      this.legend.replaceChildren(...this.groups.map((g) => el('span', { dataset: { group: g.group } },
        swatch(g.color), `${g.group} (${g.runs.length} run${g.runs.length === 1 ? '' : 's'})`)));
    } else if (!this.legendWaiting) {
      // Of many runs, on a first load, after the first chart (as the run list), its room kept
      // meanwhile so the cards in view are the ones that will stay in view.
      this.legendWaiting = true;
      this.legend.classList.add('waiting');
      this.app.afterFirstChart(() => {
        this.legendWaiting = false;
        this.legend.classList.remove('waiting');
        if (this.groups) return;
        this.legend.replaceChildren(...this.runs().map((run) => el('span', { dataset: { run } }, swatch(runColor(run)), run)));
        if (this.app.perf.legends === null) this.app.perf.legends = performance.now();
      });
    }
    this.renderDownloads();
  }

  /** The download links of the shown runs, while the list is open. */
  renderDownloads() {
    if (!this.downloads.parentElement.open) { this.downloads.replaceChildren(); return; }
    this.downloads.replaceChildren(...this.runs().map((run) => el('li', {},
      el('span', {}, `${run}: `),
      el('a', { href: apiURL('scalars', { run, tag: this.tag, format: 'csv' }), download: fileName(run, this.tag, 'csv') }, 'CSV'),
      ' ',
      el('a', { href: apiURL('scalars', { run, tag: this.tag }), download: fileName(run, this.tag, 'json') }, 'JSON'))));
  }

  pointsWanted() {
    const width = Math.round(this.chart.clientWidth || 400);
    return Math.max(50, Math.min(width, Math.floor(POINT_BUDGET / Math.max(1, this.runs().length))));
  }

  /** Fetches the series of `runs` (default: every shown run not loaded yet; with `force`, every shown run). */
  async load(runs = null, force = false) {
    this.loaded = true;
    this.stale = false;
    const s = this.app.state;
    if (s.groupBy) { await this.loadGroups(); return; }
    if (this.groups) { this.groups = null; this.renderRunsUI(); }
    const wanted = runs || this.runs().filter((r) => force || !this.series.has(r));
    if (wanted.length === 0) { this.draw(); return; }
    const seq = ++this.loadSeq;
    const points = this.pointsWanted();
    const weight = s.smoothing;
    const xTag = s.xAxis.startsWith('scalar:') ? s.xAxis.slice(7) : null;
    const window = this.stepWindow || {};
    const answers = await fetchSeries(wanted, {
      tag: this.tag, points, smoothing: weight, restarts: true, start: window.start, end: window.end,
    });
    const results = await Promise.all(wanted.map(async (run) => {
      const json = answers.get(run) || null;
      let other = null;
      if (json && xTag && (this.app.tags[run]?.scalars || []).includes(xTag)) {
        try {
          other = await getJSON('scalars', { run, tag: xTag, points: points * 4, start: window.start, end: window.end });
        } catch (_) { other = null; }
      }
      return [run, json, other];
    }));
    if (seq !== this.loadSeq && !runs) return; // a newer load of every run is on its way
    for (const [run, json, other] of results) {
      if (!json) { this.series.delete(run); continue; }
      const series = new Series(run, json, weight);
      if (other) series.setOther(xTag, other.points.map((p) => p[1]), other.points.map((p) => jsonNumber(p[2])));
      this.series.set(run, series);
    }
    this.dataVersion += 1;
    this.element.dataset.loaded = String(this.series.size);
    this.element.dataset.restarts = String([...this.series.values()].reduce((n, x) => n + x.restarts.length, 0));
    if (this.visible) this.draw(); else this.dirty = true;
  }

  /** Fetches the groups of the shown runs (mean and band per group) from /api/aggregate. */
  async loadGroups() {
    const s = this.app.state;
    const runs = this.runs();
    const seq = ++this.loadSeq;
    const window = this.stepWindow || {};
    let json = [];
    if (runs.length) {
      try {
        json = await getJSON('aggregate', {
          runs: exactPattern(runs), group: s.groupBy, tag: this.tag, stat: s.band === 'minmax' ? 'min_max' : 'mean_std',
          points: this.pointsWanted(), smoothing: s.smoothing, start: window.start, end: window.end,
        });
      } catch (_) { json = []; }
    }
    if (seq !== this.loadSeq) return;
    const names = [...new Set(this.app.runs.map((r) => groupOf(this.app, s.groupBy, r)).filter((g) => g !== null))];
    this.groups = json.map((g) => new GroupSeries(g, groupColor(names, g.group)));
    this.dataVersion += 1;
    this.element.dataset.groups = String(this.groups.length);
    this.renderRunsUI();
    if (this.visible) this.draw(); else this.dirty = true;
  }

  /** Fetches everything again (a new zoom window, smoothing, grouping or x axis). */
  reload() {
    if (this.visible) this.load(null, true); else { this.stale = true; this.dirty = true; }
  }

  shownSeries() {
    if (this.groups) return this.groups.filter((g) => g.value.length > 0);
    return this.runs().map((r) => this.series.get(r)).filter((s) => s && s.value.length > 0);
  }

  /** The x-axis mode the card draws with (groups are by step). */
  xMode() { return this.groups ? 'step' : this.app.state.xAxis; }

  colorOf(series) { return series.color || runColor(series.run); }

  /** The step window holding the points drawn between x0 and x1 (and one more on each side). */
  stepsBetween(x0, x1) {
    let start = Infinity; let end = -Infinity;
    for (const series of this.lastLayout?.list || []) {
      const xs = series.xs(this.xMode(), this.app.state.xLog);
      for (let i = 0; i < xs.length; i++) {
        if (!(xs[i] >= x0 && xs[i] <= x1)) continue;
        start = Math.min(start, series.step[Math.max(0, i - 1)]);
        end = Math.max(end, series.step[Math.min(xs.length - 1, i + 1)]);
      }
    }
    return Number.isFinite(start) ? { start, end } : null;
  }

  /** The y range (padded) of the values of `list` between x0 and x1, after `tx`. */
  valueRange(list, mode, tx, x0, x1) {
    const s = this.app.state;
    let count = 0;
    for (const series of list) count += series.low ? 3 * series.value.length : series.value.length;
    const values = new Float64Array(count);
    let n = 0;
    for (const series of list) {
      const xs = series.xs(mode, s.xLog);
      const sorted = isAscending(xs);
      const a = sorted ? lowerBound(xs, x0) : 0;
      const b = sorted ? Math.min(xs.length, lowerBound(xs, x1 + 1e-12 * Math.abs(x1) + 1e-12) + 1) : xs.length;
      for (let i = Math.max(0, a - 1); i < b; i++) {
        if (!sorted && !(xs[i] >= x0 && xs[i] <= x1)) continue;
        for (const column of series.low ? [series.value, series.low, series.high] : [series.value]) {
          const v = tx(column[i]); if (Number.isFinite(v)) values[n++] = v;
        }
      }
    }
    let y0; let y1;
    if (n === 0) { y0 = 0; y1 = 1; } else {
      const found = values.subarray(0, n);
      if (s.ignoreOutliers && n > 10) {
        // The 5th and 95th percentiles as a sort would place them, found in linear time.
        const low = Math.floor(0.05 * (n - 1)); const high = Math.ceil(0.95 * (n - 1));
        y0 = select(found, low, 0, n - 1);
        y1 = select(found, high, low, n - 1);
      } else {
        y0 = Infinity; y1 = -Infinity;
        for (let i = 0; i < n; i++) { const v = found[i]; if (v < y0) y0 = v; if (v > y1) y1 = v; }
      }
    }
    if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
    const pad = (y1 - y0) * 0.05;
    return [y0 - pad, y1 + pad];
  }

  /** The data → pixel mapping for the current settings, or null when there is nothing to draw. */
  layout(width, height) {
    const s = this.app.state;
    const list = this.shownSeries();
    if (list.length === 0) return null;
    const log = s.yScale === 'log';
    const tx = (v) => (log ? (v > 0 ? Math.log10(v) : NaN) : v);
    const mode = this.xMode();
    // The x extent, kept while only the smoothing moves.
    const xKey = [this.dataVersion, mode, s.xLog, list.map((x) => x.run).join('\u0000')].join('|');
    if (this.xRangeKey !== xKey) {
      let low = Infinity; let high = -Infinity;
      for (const series of list) {
        for (const x of series.xs(mode, s.xLog)) if (Number.isFinite(x)) { if (x < low) low = x; if (x > high) high = x; }
      }
      this.xRangeKey = xKey; this.xRange = [low, high];
    }
    let [x0, x1] = this.xRange;
    if (!Number.isFinite(x0)) { x0 = 0; x1 = 1; }
    if (this.zoom) { x0 = this.zoom.x0; x1 = this.zoom.x1; }
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    let y0; let y1;
    if (this.zoom && this.zoom.y0 !== undefined) { y0 = this.zoom.y0; y1 = this.zoom.y1; } else {
      // The range follows the raw values in view, not the smoothing: kept while only that moves.
      const key = [this.dataVersion, mode, s.xLog, log, s.ignoreOutliers, x0, x1, list.map((x) => x.run).join('\u0000')].join('|');
      if (this.yRangeKey !== key) { this.yRangeKey = key; this.yRange = this.valueRange(list, mode, tx, x0, x1); }
      [y0, y1] = this.yRange;
    }
    const left = MARGIN.left; const right = width - MARGIN.right;
    const top = MARGIN.top; const bottom = height - MARGIN.bottom;
    return {
      list, log, tx, mode, x0, x1, y0, y1, left, right, top, bottom,
      px: (x) => left + ((x - x0) / (x1 - x0)) * (right - left),
      py: (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top),
      dx: (p) => x0 + ((p - left) / (right - left)) * (x1 - x0),
      dy: (p) => y0 + ((bottom - p) / (bottom - top)) * (y1 - y0),
    };
  }

  /**
   * Draws the chart on three stacked canvases: the grid, axes and faint raw lines (redrawn only when
   * the data, size, axes or theme change), the smoothed lines (redrawn when the smoothing moves),
   * and the hover layer.
   */
  draw() {
    if (!this.element.isConnected) return;
    const t0 = performance.now();
    this.dirty = false;
    const { ctx: grid, width, height } = fitCanvas(this.base);
    const { ctx } = fitCanvas(this.lines);
    fitCanvas(this.overlay);
    const L = this.layout(width, height);
    this.lastLayout = L;
    const s = this.app.state;
    const key = L ? [width, height, window.devicePixelRatio, L.x0, L.x1, L.y0, L.y1, L.mode, s.xLog, s.yScale, s.showPurged,
      s.focus, this.app.themeVersion, this.dataVersion, L.list.map((x) => `${x.run}\u0001${this.colorOf(x)}`).join('\u0000')].join('|') : 'empty';
    if (key !== this.staticKey) {
      this.staticKey = key;
      this.drawStatic(grid, L, width, height);
    }
    ctx.clearRect(0, 0, width, height);
    if (!L) { this.element.dataset.drawn = '0'; return; }
    ctx.save();
    ctx.beginPath(); ctx.rect(L.left, L.top, L.right - L.left, L.bottom - L.top); ctx.clip();
    // Two 1-pixel strokes half a pixel apart instead of one wider stroke: browsers rasterize
    // 1-pixel lines on a fast path (in headless chromium, 4 cards × 20 runs took 4 ms instead of 50).
    ctx.lineWidth = 1;
    const focused = L.list.some((x) => x.run === s.focus) ? s.focus : null;
    // While the smoothing slider moves, every card's lines go into pixels too: the browser's
    // antialiased strokes of jagged lines (a low smoothing) took more than a frame to rasterize
    // for 4 cards of 20 runs in headless chromium, which the JS time doesn't show.
    const dense = L.list.length > DENSE_RUNS || this.view.sliding;
    this.lines.dataset.lines = dense ? 'pixels' : 'strokes';
    if (dense) this.drawPixelLines(ctx, L, width, height, (series) => series.smoothedFor(s.smoothing), focused);
    for (const series of dense ? [] : L.list) {
      const xs = series.xs(L.mode, s.xLog); const ys = series.smoothedFor(s.smoothing); const color = this.colorOf(series);
      ctx.globalAlpha = focused && series.run !== focused ? 0.3 : 1;
      this.polyline(ctx, L, xs, ys, color);
      ctx.translate(0, 0.6);
      this.polyline(ctx, L, xs, ys, color);
      ctx.translate(0, -0.6);
      if (series.run === focused) { ctx.translate(0, -0.6); this.polyline(ctx, L, xs, ys, color); ctx.translate(0, 1.2); this.polyline(ctx, L, xs, ys, color); ctx.translate(0, -0.6); }
    }
    ctx.globalAlpha = 1;
    ctx.restore();
    const marked = L.list.map((series) => drawNonFinite(ctx, L, series.xs(s.xAxis), series.value, runColor(series.run)));
    this.element.dataset.nonFinite = String(marked.reduce((n, c) => n + c.nan + c.posInf + c.negInf, 0));
    this.element.dataset.drawn = '1';
    if (this.hoverIndex !== null) this.drawHover();
    if (this.app.perf.firstChart === null) {
      this.app.perf.firstChart = performance.now();
      performance.mark('lumen-first-chart');
      this.app.perf.onFirstChart?.();
    }
    this.lastDrawMs = performance.now() - t0;
  }

  drawStatic(ctx, L, width, height) {
    ctx.clearRect(0, 0, width, height);
    const s = this.app.state;
    const axis = cssVar('--axis');
    ctx.font = '11px system-ui, sans-serif';
    if (!L) {
      ctx.fillStyle = axis; ctx.textAlign = 'center';
      ctx.fillText(this.loaded ? 'No data for the selected runs' : 'Loading…', width / 2, height / 2);
      return;
    }
    ctx.strokeStyle = cssVar('--grid'); ctx.fillStyle = axis; ctx.lineWidth = 1;
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (const v of niceTicks(L.y0, L.y1, 5)) {
      const y = Math.round(L.py(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(L.left, y); ctx.lineTo(L.right, y); ctx.stroke();
      ctx.fillText(L.log ? formatTick(10 ** v) : formatTick(v), L.left - 4, y);
    }
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    const xticks = niceTicks(L.x0, L.x1, Math.max(2, Math.floor((L.right - L.left) / 90)));
    for (const v of xticks) {
      const x = Math.round(L.px(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, L.top); ctx.lineTo(x, L.bottom); ctx.stroke();
      const plain = s.xLog ? 10 ** v : v;
      const label = L.mode === 'relative' ? formatDuration(plain) : L.mode === 'wall' ? formatWallTime(plain).slice(11, 16) : formatTick(plain);
      ctx.fillText(label, x, L.bottom + 5);
    }
    ctx.strokeStyle = axis;
    ctx.strokeRect(L.left + 0.5, L.top + 0.5, L.right - L.left, L.bottom - L.top);
    // the raw values, faint (hidden under the smoothed line when the smoothing is 0)
    ctx.save();
    ctx.beginPath(); ctx.rect(L.left, L.top, L.right - L.left, L.bottom - L.top); ctx.clip();
    ctx.globalAlpha = 0.25; ctx.lineWidth = 1;
    const dense = L.list.length > DENSE_RUNS;
    for (const series of L.list) {
      if (series.low) { this.band(ctx, L, series); continue; }
      if (!dense) this.polyline(ctx, L, series.xs(L.mode, s.xLog), series.value, this.colorOf(series));
    }
    if (dense) this.drawPixelLines(ctx, L, width, height, (series) => (series.low ? null : series.value), null);
    ctx.globalAlpha = 1;
    this.drawRestarts(ctx, L);
    ctx.restore();
  }

  /**
   * The lines of a card of more than DENSE_RUNS runs, drawn into pixels (see raster.js) onto `ctx`
   * with its alpha: `values(series)` gives each line's y values (null: no line); the `focused`
   * run's line is drawn last, three pixels wide, and the others faded.
   */
  drawPixelLines(ctx, L, width, height, values, focused) {
    const s = this.app.state;
    const lines = this.pixelLines || (this.pixelLines = new PixelLines());
    lines.begin(width, height, window.devicePixelRatio || 1, L);
    let last = null;
    for (const series of L.list) {
      if (series.run === focused) { last = series; continue; }
      const ys = values(series);
      if (!ys) continue;
      const xs = series.xs(L.mode, s.xLog);
      const [a, b] = visibleRange(L, xs);
      lines.polyline(L, xs, ys, a, b, pixelColor(this.colorOf(series), focused ? 0.3 : 1));
    }
    if (last) {
      const xs = last.xs(L.mode, s.xLog); const ys = values(last); const [a, b] = visibleRange(L, xs);
      const pixel = pixelColor(this.colorOf(last));
      if (ys) for (const offset of [-1, 0, 1]) lines.polyline(L, xs, ys, a, b, pixel, offset);
    }
    lines.end(ctx);
  }

  /** A group's band: the area between its low and high lines. */
  band(ctx, L, group) {
    const xs = group.xs(L.mode, this.app.state.xLog);
    ctx.fillStyle = group.color;
    ctx.globalAlpha = 0.2;
    let open = false;
    const close = (i) => {
      for (let j = i; j >= 0; j--) {
        const y = L.tx(group.low[j]);
        if (!Number.isFinite(y) || !Number.isFinite(xs[j])) break;
        ctx.lineTo(L.px(xs[j]), L.py(y));
      }
      ctx.closePath(); ctx.fill(); open = false;
    };
    ctx.beginPath();
    for (let i = 0; i < xs.length; i++) {
      const y = L.tx(group.high[i]); const lo = L.tx(group.low[i]);
      if (!Number.isFinite(y) || !Number.isFinite(lo) || !Number.isFinite(xs[i])) { if (open) close(i - 1); continue; }
      if (!open) { ctx.beginPath(); ctx.moveTo(L.px(xs[i]), L.py(y)); open = true; } else ctx.lineTo(L.px(xs[i]), L.py(y));
    }
    if (open) close(xs.length - 1);
    ctx.globalAlpha = 0.25;
  }

  /** Restarts as dashed vertical lines in the run's colour; with "show purged", the dropped points as dots. */
  drawRestarts(ctx, L) {
    const s = this.app.state;
    const tfx = (x) => (s.xLog ? (x > 0 ? Math.log10(x) : NaN) : x);
    ctx.setLineDash([4, 3]);
    for (const series of L.list) {
      if (!series.restarts.length) continue;
      const color = this.colorOf(series);
      ctx.strokeStyle = color; ctx.fillStyle = color;
      for (const restart of series.restarts) {
        const x = tfx(series.xOf(L.mode, restart.step, jsonNumber(restart.wallTime)));
        if (Number.isFinite(x)) {
          const X = Math.round(L.px(x)) + 0.5;
          ctx.globalAlpha = 0.8;
          ctx.beginPath(); ctx.moveTo(X, L.top); ctx.lineTo(X, L.bottom); ctx.stroke();
        }
        if (!s.showPurged) continue;
        ctx.globalAlpha = 0.45;
        for (const [wall, step, value] of restart.purged) {
          const px = tfx(series.xOf(L.mode, step, wall)); const py = L.tx(jsonNumber(value));
          if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
          ctx.beginPath(); ctx.arc(L.px(px), L.py(py), 1.6, 0, Math.PI * 2); ctx.fill();
        }
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  polyline(ctx, L, xs, ys, color) {
    const width = ctx.lineWidth;
    ctx.strokeStyle = color;
    ctx.beginPath();
    let pen = false;
    const [a, b] = visibleRange(L, xs);
    for (let i = a; i < b; i++) {
      const y = L.tx(ys[i]);
      if (!Number.isFinite(y) || !Number.isFinite(xs[i])) { pen = false; continue; }
      const X = L.px(xs[i]); const Y = L.py(y);
      if (pen) ctx.lineTo(X, Y); else { ctx.moveTo(X, Y); pen = true; }
    }
    if (b - a === 1 && pen) { ctx.lineTo(L.px(xs[a]) + 0.01, L.py(L.tx(ys[a]))); ctx.lineWidth = 4; ctx.lineCap = 'round'; }
    ctx.stroke();
    ctx.lineCap = 'butt';
    ctx.lineWidth = width;
  }

  // ---- hover, zoom ----
  /** Each shown run's point nearest to pixel (mx, my), nearest first. */
  nearest(mx, my) {
    const L = this.lastLayout;
    if (!L) return [];
    const s = this.app.state;
    const x = L.dx(mx);
    const rows = [];
    for (const series of L.list) {
      const xs = series.xs(L.mode, s.xLog);
      let i;
      if (isAscending(xs)) {
        i = lowerBound(xs, x);
        if (i >= xs.length) i = xs.length - 1;
        if (i > 0 && Math.abs(xs[i - 1] - x) <= Math.abs(xs[i] - x)) i -= 1;
      } else {
        i = 0;
        for (let j = 1; j < xs.length; j++) if (Math.abs(xs[j] - x) < Math.abs(xs[i] - x) || !Number.isFinite(xs[i])) i = j;
      }
      if (!Number.isFinite(xs[i])) continue;
      const sm = series.smoothedFor(s.smoothing);
      const ty = L.tx(sm[i]);
      const X = L.px(xs[i]); const Y = Number.isFinite(ty) ? L.py(ty) : Number.isFinite(sm[i]) ? my : nonFiniteY(sm[i], L);
      rows.push({ series, i, X, Y, distance: Math.hypot(X - mx, Y - my) });
    }
    rows.sort((a, b) => a.distance - b.distance);
    return rows;
  }

  showTooltip(mx, my, clientX, clientY) {
    const rows = this.nearest(mx, my);
    this.hover = { mx, my, rows };
    const tip = document.getElementById('tooltip');
    if (rows.length === 0) { tip.hidden = true; return; }
    const s = this.app.state;
    const timeHeader = s.xAxis === 'wall' ? 'Time' : 'Relative';
    const body = rows.map(({ series, i }) => {
      const sm = series.smoothedFor(s.smoothing)[i];
      const time = s.xAxis === 'wall' ? formatWallTime(series.wall[i]) : formatDuration(series.wall[i] - series.wall[0]);
      return el('tr', { dataset: { run: series.run, step: series.step[i], value: series.value[i], smoothed: sm, wallTime: series.wall[i] } },
        el('td', { className: 'run' }, swatch(this.colorOf(series)), series.run),
        el('td', { className: 'smoothed' }, formatMaybeFinite(sm)),
        el('td', { className: 'value' }, formatMaybeFinite(series.value[i])),
        el('td', { className: 'step' }, String(series.step[i])),
        el('td', { className: 'time' }, time));
    });
    tip.replaceChildren(el('table', {},
      el('thead', {}, el('tr', {}, el('th', {}, 'Run'), el('th', {}, 'Smoothed'), el('th', {}, 'Value'), el('th', {}, 'Step'), el('th', {}, timeHeader))),
      el('tbody', {}, body)));
    tip.dataset.tag = this.tag;
    placeTooltip(clientX, clientY);
    this.drawHover();
  }

  hideTooltip() {
    this.hover = null;
    document.getElementById('tooltip').hidden = true;
    const { ctx, width, height } = fitCanvas(this.overlay);
    ctx.clearRect(0, 0, width, height);
  }

  drawHover() {
    const { ctx, width, height } = fitCanvas(this.overlay);
    ctx.clearRect(0, 0, width, height);
    const L = this.lastLayout;
    if (this.drag && L) {
      ctx.fillStyle = 'rgba(80,140,230,0.15)'; ctx.strokeStyle = 'rgba(80,140,230,0.8)';
      const x = Math.min(this.drag.x, this.drag.x2); const y = Math.min(this.drag.y, this.drag.y2);
      const w = Math.abs(this.drag.x2 - this.drag.x); const h = Math.abs(this.drag.y2 - this.drag.y);
      ctx.fillRect(x, y, w, h); ctx.strokeRect(x + 0.5, y + 0.5, w, h);
      return;
    }
    if (!this.hover || !L) return;
    ctx.strokeStyle = cssVar('--axis'); ctx.globalAlpha = 0.5;
    ctx.beginPath(); ctx.moveTo(Math.round(this.hover.mx) + 0.5, L.top); ctx.lineTo(Math.round(this.hover.mx) + 0.5, L.bottom); ctx.stroke();
    ctx.globalAlpha = 1;
    for (const row of this.hover.rows) {
      ctx.fillStyle = this.colorOf(row.series);
      ctx.beginPath(); ctx.arc(row.X, row.Y, 4, 0, Math.PI * 2); ctx.fill();
    }
  }

  bindPointer() {
    const c = this.overlay;
    const pos = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      const [x, y] = pos(e);
      this.drag = { x, y, x2: x, y2: y };
      // the drag ends wherever the button comes up: listened for only while one is under way
      window.addEventListener('mouseup', endDrag, { once: true });
    });
    const move = frameThrottle((e) => {
      const [x, y] = pos(e);
      if (this.drag) { this.drag.x2 = x; this.drag.y2 = y; this.drawHover(); return; }
      this.showTooltip(x, y, e.clientX, e.clientY);
    });
    c.addEventListener('mousemove', move);
    c.addEventListener('mouseleave', () => { if (!this.drag) this.hideTooltip(); });
    const endDrag = (e) => {
      if (!this.drag) return;
      const d = this.drag; this.drag = null;
      const L = this.lastLayout;
      if (L && Math.abs(d.x2 - d.x) > 5) {
        const xa = L.dx(Math.min(d.x, d.x2)); const xb = L.dx(Math.max(d.x, d.x2));
        const zoom = { x0: xa, x1: xb };
        if (Math.abs(d.y2 - d.y) > 5) { zoom.y0 = L.dy(Math.max(d.y, d.y2)); zoom.y1 = L.dy(Math.min(d.y, d.y2)); }
        this.zoom = zoom;
        this.element.dataset.zoomed = '1';
        this.draw();
        // ask for the window's points: finer than the card-wide sample, every point at enough zoom
        const window = this.stepsBetween(xa, xb);
        if (window) { this.stepWindow = window; this.load(null, true); }
      }
      this.drawHover();
    };
    c.addEventListener('dblclick', () => this.resetZoom());
    c.addEventListener('keydown', (e) => this.key(e));
    c.addEventListener('blur', () => this.hideTooltip());
  }

  /** Keyboard: ←/→ move along the points, Home/End jump, Escape hides, 0 resets the zoom. */
  key(e) {
    const L = this.lastLayout;
    if (!L) return;
    const first = L.list[0];
    const xs = first.xs(L.mode, this.app.state.xLog);
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      let i = this.hoverIndex ?? (e.key === 'ArrowLeft' ? xs.length : -1);
      const stride = e.shiftKey ? 10 : 1;
      if (e.key === 'ArrowLeft') i = Math.max(0, i - stride);
      else if (e.key === 'ArrowRight') i = Math.min(xs.length - 1, i + stride);
      else if (e.key === 'Home') i = 0; else i = xs.length - 1;
      this.hoverIndex = i;
      const ty = L.tx(first.smoothedFor(this.app.state.smoothing)[i]);
      const mx = L.px(xs[i]); const my = Number.isFinite(ty) ? L.py(ty) : (L.top + L.bottom) / 2;
      const r = this.overlay.getBoundingClientRect();
      this.showTooltip(mx, my, r.left + mx, r.top + my);
    } else if (e.key === 'Escape') {
      this.hoverIndex = null; this.hideTooltip();
    } else if (e.key === '0') {
      this.resetZoom();
    }
  }

  resetZoom() {
    this.zoom = null;
    delete this.element.dataset.zoomed;
    if (this.stepWindow) { this.stepWindow = null; this.load(null, true); } else this.draw();
  }
}

export class ScalarsView {
  constructor(app, root) {
    this.app = app;
    this.root = root;
    this.cards = new Map(); // tag → ScalarCard
    this.sliding = false; // the smoothing slider moved in the last 200 ms
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = entry.target.card;
        card.visible = entry.isIntersecting;
        if (!card.visible) continue;
        if (!card.loaded || card.stale) card.load(null, card.stale); else if (card.dirty) card.draw();
      }
    }, { rootMargin: '200px' });
    // cards actually on screen: a setting change redraws only these, the rest when they scroll in
    this.screen = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = entry.target.card;
        card.onScreen = entry.isIntersecting;
        if (card.onScreen && card.loaded && card.dirty) card.draw();
      }
    });
    this.redrawVisible = frameThrottle(() => {
      const t0 = performance.now();
      for (const card of this.cards.values()) { if (card.onScreen && card.loaded) card.draw(); else card.dirty = true; }
      const perf = this.app.perf.redraws;
      perf.push(performance.now() - t0);
      if (perf.length > 2000) perf.splice(0, perf.length - 2000);
    });
    this.resize = new ResizeObserver(frameThrottle(() => this.redrawVisible()));
    this.resize.observe(root);
  }

  render() {
    const tags = this.app.tagsOf('scalars');
    const keep = new Set(tags);
    for (const [tag, card] of this.cards) {
      if (!keep.has(tag)) { this.observer.unobserve(card.element); this.screen.unobserve(card.element); this.cards.delete(tag); }
    }
    const pinned = this.app.pins.filter((t) => keep.has(t));
    const groups = groupTags(tags.filter((t) => !pinned.includes(t)));
    const layoutKey = JSON.stringify([tags, pinned]);
    const cardFor = (tag) => {
      let card = this.cards.get(tag);
      if (!card) { card = new ScalarCard(this, tag); this.cards.set(tag, card); this.observer.observe(card.element); this.screen.observe(card.element); }
      card.renderRunsUI();
      return card.element;
    };
    if (layoutKey === this.layoutKey && this.root.firstChild) {
      // the same cards in the same order: leave the page alone (keeps focus and open menus)
      tags.forEach(cardFor);
    } else {
      const sections = [];
      if (pinned.length) {
        sections.push(el('section', { className: 'group pinned', dataset: { pinned: '1' } }, el('h2', {}, 'Pinned'),
          el('div', { className: 'cards' }, pinned.map(cardFor))));
      }
      for (const [name, list] of groups) {
        sections.push(el('section', { className: 'group' }, list.length === 1 && list[0] === name ? null : el('h2', {}, name),
          el('div', { className: 'cards' }, list.map(cardFor))));
      }
      if (sections.length === 0) sections.push(el('p', { className: 'empty' }, 'No scalar tags match the filter for the selected runs.'));
      this.root.replaceChildren(...sections);
    }
    this.layoutKey = layoutKey;
    // cards already loaded may now show runs they have no data for
    for (const card of this.cards.values()) {
      if (!card.loaded) continue;
      if (card.runs().some((r) => !card.series.has(r))) card.load(); else if (card.visible) card.draw(); else card.dirty = true;
    }
    // The cards already in view start loading now, not when the observer first reports after the
    // next layout and paint of the whole page (a run list of 1,000 runs put 0.2 s before that).
    // Cards come in page order, so the first one below the screen ends the search (with
    // thousands of cards, measuring each took longer than the first chart).
    for (const element of this.root.querySelectorAll('.card.scalar')) {
      const box = element.getBoundingClientRect();
      if (box.height === 0 || box.bottom <= -200) continue;
      if (box.top >= innerHeight + 200) break;
      const card = element.card;
      if (card && !card.loaded) { card.visible = true; card.load(); }
    }
  }

  update(changes) {
    this.render();
    for (const card of this.cards.values()) {
      if (!card.loaded) continue;
      const runs = card.runs().filter((run) => (changes.tags?.[run] || []).includes(card.tag));
      if (runs.length) card.load(runs, true);
    }
  }

  settingsChanged(what) {
    const cards = [...this.cards.values()];
    if (['runs', 'runFilter', 'tagFilter', 'pins'].includes(what)) {
      this.render();
      if (what !== 'pins' && this.app.state.groupBy) for (const card of cards) if (card.loaded) card.reload();
    } else if (['colors', 'colorBy'].includes(what)) {
      for (const card of cards) card.renderRunsUI();
      this.redrawVisible();
    } else if (['groupBy', 'band'].includes(what)) {
      for (const card of cards) { card.zoom = null; card.stepWindow = null; delete card.element.dataset.zoomed; if (card.loaded) card.reload(); }
    } else if (what === 'smoothing') {
      // a preview from the points at hand now, the server's smoothing of the full series shortly after
      this.redrawVisible();
      this.sliding = true;
      clearTimeout(this.smoothingTimer);
      this.smoothingTimer = setTimeout(() => {
        this.sliding = false;
        this.redrawVisible(); // the strokes again, then the server's smoothing
        for (const card of cards) if (card.loaded) card.reload();
      }, 200);
    } else if (['xAxis', 'xLog', 'yScale'].includes(what)) {
      for (const card of cards) {
        card.zoom = null; delete card.element.dataset.zoomed;
        if (what !== 'yScale' && card.stepWindow) { card.stepWindow = null; card.stale = true; }
      }
      if (what === 'xAxis' && this.app.state.xAxis.startsWith('scalar:')) { for (const card of cards) if (card.loaded) card.reload(); }
      for (const card of cards) if (card.stale && card.loaded) card.reload();
      this.redrawVisible();
    } else if (['ignoreOutliers', 'theme', 'focus', 'showPurged'].includes(what)) {
      this.redrawVisible();
    }
  }

  destroy() {
    clearTimeout(this.smoothingTimer);
    this.observer.disconnect();
    this.screen.disconnect();
    this.resize.disconnect();
    document.getElementById('tooltip').hidden = true;
  }
}
