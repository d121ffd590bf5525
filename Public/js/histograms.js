// The Histograms dashboard (ridge lines offset in depth, newest in front, or overlaid) and the
// Distributions dashboard (nine percentile bands over steps). One card per tag and run.
import { getJSON } from './api.js';
import { runColor } from './colors.js';
import { cssVar, el, fitCanvas, frameThrottle, swatch } from './dom.js';
import { formatTick, formatValue, niceTicks } from './format.js';
import { TagRunCardsView } from './cards.js';

const BINS = 40;

/**
 * Re-bins a histogram's buckets [[left, right, count], ...] into `bins` equal bins over [lo, hi],
 * spreading each bucket's count over the bins it overlaps (a point bucket goes to its bin).
 */
export function rebin(buckets, lo, hi, bins = BINS) {
  const out = new Float64Array(bins);
  const width = (hi - lo) / bins;
  if (!(width > 0)) { out[0] = buckets.reduce((a, b) => a + b[2], 0); return out; }
  for (const [left, right, count] of buckets) {
    if (!count) continue;
    const l = Math.max(lo, Math.min(hi, left)); const r = Math.max(lo, Math.min(hi, right));
    if (!(r > l)) {
      const i = Math.min(bins - 1, Math.max(0, Math.floor((l - lo) / width)));
      out[i] += count; continue;
    }
    const first = Math.max(0, Math.floor((l - lo) / width));
    const last = Math.min(bins - 1, Math.floor((r - lo) / width));
    for (let i = first; i <= last; i++) {
      const a = Math.max(l, lo + i * width); const b = Math.min(r, lo + (i + 1) * width);
      if (b > a) out[i] += (count * (b - a)) / (r - l);
    }
  }
  return out;
}

class PlotCard {
  constructor(view, tag, run, kind) {
    this.view = view; this.app = view.app; this.tag = tag; this.run = run; this.kind = kind;
    this.data = null; this.loaded = false; this.visible = false;
    this.canvas = el('canvas', { attrs: { role: 'img', 'aria-label': `${kind === 'histograms' ? 'Histograms' : 'Distribution'} of ${tag} for run ${run}` } });
    this.chart = el('div', { className: 'chart' }, this.canvas);
    this.caption = el('div', { className: 'legend' });
    this.element = el('section', { className: `card ${kind}`, dataset: { tag, run } },
      el('h3', {}, tag), el('div', { className: 'run-name' }, swatch(runColor(run)), run), this.chart, this.caption);
  }

  async load() {
    this.loaded = true;
    try { this.data = await getJSON(this.kind, { run: this.run, tag: this.tag }); } catch (_) { this.data = []; }
    this.element.dataset.steps = String(this.data.length);
    if (this.visible) this.draw();
  }

  draw() {
    const { ctx, width, height } = fitCanvas(this.canvas);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    const axis = cssVar('--axis');
    if (!this.data || this.data.length === 0) {
      ctx.fillStyle = axis; ctx.textAlign = 'center';
      ctx.fillText(this.data ? 'No data' : 'Loading…', width / 2, height / 2);
      return;
    }
    if (this.kind === 'histograms') this.drawHistograms(ctx, width, height); else this.drawDistributions(ctx, width, height);
    this.element.dataset.drawn = '1';
  }

  drawHistograms(ctx, width, height) {
    const data = [...this.data].sort((a, b) => a.step - b.step);
    const overlay = this.app.state.histogramMode === 'overlay';
    let lo = Infinity; let hi = -Infinity;
    for (const h of data) {
      for (const [l, r, c] of h.buckets) if (c) { lo = Math.min(lo, l); hi = Math.max(hi, r); }
      if (Number.isFinite(h.min)) lo = Math.min(lo, h.min);
      if (Number.isFinite(h.max)) hi = Math.max(hi, h.max);
    }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    if (hi === lo) { lo -= 0.5; hi += 0.5; }
    const bins = data.map((h) => rebin(h.buckets, lo, hi));
    let peak = 0;
    for (const b of bins) for (const v of b) peak = Math.max(peak, v);
    peak = peak || 1;
    const left = 44; const right = width - 44; const bottom = height - 22; const top = 8;
    const n = data.length;
    const depth = overlay ? 0 : Math.min((bottom - top) * 0.6, n * 8);
    const ridge = (bottom - top) - depth;
    const px = (x) => left + ((x - lo) / (hi - lo)) * (right - left);
    const color = runColor(this.run);
    const bg = cssVar('--card');
    const axis = cssVar('--axis');
    ctx.strokeStyle = cssVar('--grid'); ctx.fillStyle = axis; ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    for (const v of niceTicks(lo, hi, 5)) {
      const x = Math.round(px(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
      ctx.fillText(formatTick(v), x, bottom + 5);
    }
    // oldest first (at the back, top), newest last (in front, bottom)
    for (let k = 0; k < n; k++) {
      const base = overlay ? bottom : bottom - depth + (n > 1 ? (k / (n - 1)) * depth : depth);
      const b = bins[k];
      const age = n > 1 ? k / (n - 1) : 1;
      ctx.beginPath();
      ctx.moveTo(px(lo), base);
      for (let i = 0; i < b.length; i++) {
        const xm = lo + ((i + 0.5) / b.length) * (hi - lo);
        ctx.lineTo(px(xm), base - (b[i] / peak) * ridge);
      }
      ctx.lineTo(px(hi), base);
      if (!overlay) {
        ctx.globalAlpha = 1; ctx.fillStyle = bg; ctx.fill();
        ctx.globalAlpha = 0.15 + 0.35 * age; ctx.fillStyle = color; ctx.fill();
      }
      ctx.globalAlpha = overlay ? 0.15 + 0.85 * age : 0.4 + 0.6 * age;
      ctx.strokeStyle = color; ctx.lineWidth = k === n - 1 ? 1.75 : 1; ctx.stroke();
      if (!overlay && (k === 0 || k === n - 1)) {
        ctx.globalAlpha = 1; ctx.fillStyle = axis; ctx.textAlign = 'left'; ctx.textBaseline = 'middle';
        ctx.fillText(`step ${data[k].step}`, right + 4, base);
      }
    }
    ctx.globalAlpha = 1;
    const last = data[n - 1];
    this.caption.replaceChildren(`${n} steps, ${data[0].step}–${last.step}; newest: min ${formatValue(last.min)}, max ${formatValue(last.max)}, count ${formatValue(last.num)}`);
  }

  drawDistributions(ctx, width, height) {
    const data = [...this.data].sort((a, b) => a.step - b.step);
    const left = 56; const right = width - 12; const top = 8; const bottom = height - 22;
    let y0 = Infinity; let y1 = -Infinity;
    for (const d of data) for (const v of d.percentiles) if (Number.isFinite(v)) { y0 = Math.min(y0, v); y1 = Math.max(y1, v); }
    if (!Number.isFinite(y0)) { y0 = 0; y1 = 1; }
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    const x0 = data[0].step; const x1 = data[data.length - 1].step === x0 ? x0 + 1 : data[data.length - 1].step;
    const px = (x) => left + ((x - x0) / (x1 - x0)) * (right - left);
    const py = (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
    const axis = cssVar('--axis');
    ctx.strokeStyle = cssVar('--grid'); ctx.fillStyle = axis; ctx.lineWidth = 1;
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (const v of niceTicks(y0, y1, 5)) {
      const y = Math.round(py(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(right, y); ctx.stroke();
      ctx.fillText(formatTick(v), left - 4, y);
    }
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    for (const v of niceTicks(x0, x1, 5)) ctx.fillText(formatTick(v), px(v), bottom + 5);
    const color = runColor(this.run);
    const single = data.length === 1;
    const xAt = (i) => (single ? (i === 0 ? left : right) : px(data[i].step));
    const rows = single ? [data[0], data[0]] : data;
    // bands: [0,8], [1,7], [2,6], [3,5], darker towards the median
    for (let band = 0; band < 4; band++) {
      ctx.beginPath();
      rows.forEach((d, i) => { const x = xAt(i); const y = py(d.percentiles[band]); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
      for (let i = rows.length - 1; i >= 0; i--) ctx.lineTo(xAt(i), py(rows[i].percentiles[8 - band]));
      ctx.closePath();
      ctx.globalAlpha = 0.12 + band * 0.1; ctx.fillStyle = color; ctx.fill();
    }
    ctx.globalAlpha = 1; ctx.strokeStyle = color; ctx.lineWidth = 1.75; ctx.beginPath();
    rows.forEach((d, i) => { const x = xAt(i); const y = py(d.percentiles[4]); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
    ctx.stroke();
    const last = data[data.length - 1];
    this.caption.replaceChildren(`${data.length} steps; at step ${last.step}: median ${formatValue(last.percentiles[4])}, range ${formatValue(last.percentiles[0])} to ${formatValue(last.percentiles[8])}`);
  }
}

class PlotsView extends TagRunCardsView {
  constructor(app, root, kind) {
    super(app, root, 'histograms', (tag, run) => new PlotCard(this, tag, run, kind),
      'No histogram tags match the filter for the selected runs.');
    this.resize = new ResizeObserver(frameThrottle(() => this.redraw()));
    this.resize.observe(root);
  }

  settingsChanged(what) {
    if (what === 'histogramMode') this.redraw(); else super.settingsChanged(what);
  }

  destroy() { super.destroy(); this.resize.disconnect(); }
}

export class HistogramsView extends PlotsView { constructor(app, root) { super(app, root, 'histograms'); } }
export class DistributionsView extends PlotsView { constructor(app, root) { super(app, root, 'distributions'); } }
