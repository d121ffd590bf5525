// The PR Curves dashboard: one card per tag with precision (y) against recall (x) for each selected
// run, a step slider per card (each run shows its curve at the last step at or before the slider's),
// and a tooltip with each run's nearest threshold: threshold, precision, recall and the four counts.
import { getJSON } from './api.js';
import { runColor } from './colors.js';
import { el, fitCanvas, frameThrottle, swatch } from './dom.js';
import { formatValue, jsonNumber } from './format.js';
import { TagRunCardsView } from './cards.js';
import { drawAxes, drawMessage, frame, hideTooltip, showTooltip, tooltipTable } from './plot.js';

const MARGIN = { left: 52, right: 12, top: 10, bottom: 36 };
const FIELDS = ['thresholds', 'precision', 'recall', 'truePositives', 'falsePositives', 'trueNegatives', 'falseNegatives'];

/** One entry of /api/prcurves with its arrays as numbers (non-finite strings read as NaN/±∞). */
function readEntry(raw) {
  const entry = { step: jsonNumber(raw.step), wallTime: jsonNumber(raw.wallTime) };
  for (const field of FIELDS) entry[field] = Array.isArray(raw[field]) ? raw[field].map(jsonNumber) : [];
  return entry;
}

/** The last entry at or before `step` (the first entry when all are later). */
export function entryAtStep(entries, step) {
  let found = entries[0];
  for (const entry of entries) if (entry.step <= step) found = entry;
  return found;
}

class PRCurveCard {
  constructor(view, tag) {
    this.view = view; this.app = view.app; this.tag = tag; this.run = null;
    this.data = new Map(); // run → entries sorted by step
    this.loaded = false; this.visible = false; this.step = null; this.atEnd = true;
    this.canvas = el('canvas', { tabIndex: 0, attrs: { role: 'img', 'aria-label': `Precision-recall curves of ${tag}: left and right arrows move along the thresholds` } });
    this.chart = el('div', { className: 'chart' }, this.canvas);
    this.slider = el('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, attrs: { 'aria-label': `Step of ${tag}` } });
    this.slider.addEventListener('input', () => {
      this.atEnd = Number(this.slider.value) >= Number(this.slider.max);
      this.step = this.steps[Number(this.slider.value)];
      this.draw();
    });
    this.stepLabel = el('span', { className: 'step' });
    this.legend = el('div', { className: 'legend' });
    this.element = el('section', { className: 'card prcurve', dataset: { tag } },
      el('h3', {}, tag), this.chart, el('div', { className: 'toolbar' }, this.stepLabel, this.slider), this.legend);
    this.steps = [];
    const move = frameThrottle((e) => this.hover(e));
    this.canvas.addEventListener('mousemove', move);
    this.canvas.addEventListener('mouseleave', () => { this.pointer = null; hideTooltip(); this.draw(); });
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.canvas.addEventListener('blur', () => { this.pointer = null; this.keyIndex = null; hideTooltip(); this.draw(); });
  }

  /** Keyboard: ←/→ move along the first run's thresholds (the tooltip follows), Escape hides. */
  key(e) {
    const first = this.curves()[0];
    if (!first || !this.frame) return;
    const n = first.entry.thresholds.length;
    if (e.key === 'Escape') { this.pointer = null; this.keyIndex = null; hideTooltip(); this.draw(); return; }
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const i = this.keyIndex ?? (e.key === 'ArrowRight' ? -1 : n);
    this.keyIndex = Math.max(0, Math.min(n - 1, i + (e.key === 'ArrowRight' ? 1 : -1)));
    const r = first.entry.recall[this.keyIndex]; const p = first.entry.precision[this.keyIndex];
    if (!Number.isFinite(r) || !Number.isFinite(p)) return;
    const box = this.canvas.getBoundingClientRect();
    this.hover({ clientX: box.left + this.frame.px(r), clientY: box.top + this.frame.py(p) });
  }

  runs() { return this.app.visibleRuns().filter((run) => (this.app.tags[run]?.prCurves || []).includes(this.tag)); }

  async load() {
    this.loaded = true;
    const runs = this.runs();
    const results = await Promise.all(runs.map(async (run) => {
      try { return [run, (await getJSON('prcurves', { run, tag: this.tag })).map(readEntry)]; } catch (_) { return [run, null]; }
    }));
    for (const [run, entries] of results) {
      if (entries && entries.length) this.data.set(run, entries.sort((a, b) => a.step - b.step)); else this.data.delete(run);
    }
    this.element.dataset.loaded = String(this.data.size);
    this.updateSteps();
    if (this.visible) this.draw();
  }

  runsChanged() {
    if (!this.loaded) return;
    if (this.runs().some((run) => !this.data.has(run))) this.load(); else { this.updateSteps(); if (this.visible) this.draw(); }
  }

  shown() { return this.runs().filter((run) => this.data.has(run)); }

  /** The slider covers the union of the shown runs' steps; it stays at the end while it was there. */
  updateSteps() {
    const steps = new Set();
    for (const run of this.shown()) for (const entry of this.data.get(run)) steps.add(entry.step);
    this.steps = [...steps].sort((a, b) => a - b);
    const n = this.steps.length;
    this.slider.max = String(Math.max(0, n - 1));
    this.slider.disabled = n <= 1;
    if (this.atEnd || this.step === null || !steps.has(this.step)) this.step = n ? this.steps[n - 1] : null;
    this.slider.value = String(Math.max(0, this.steps.indexOf(this.step)));
  }

  /** Each shown run with the entry it draws at the slider's step. */
  curves() {
    if (this.step === null) return [];
    return this.shown().map((run) => ({ run, entry: entryAtStep(this.data.get(run), this.step) }));
  }

  draw() {
    if (!this.element.isConnected) return;
    const { ctx, width, height } = fitCanvas(this.canvas);
    ctx.clearRect(0, 0, width, height);
    const curves = this.curves();
    this.stepLabel.textContent = this.step === null ? 'no data' : `step ${this.step}`;
    this.element.dataset.step = this.step === null ? '' : String(this.step);
    this.legend.replaceChildren(...curves.map(({ run, entry }) => el('span', { dataset: { run, step: entry.step } },
      swatch(runColor(run)), run, entry.step !== this.step ? ` (step ${entry.step})` : '')));
    if (curves.length === 0) { drawMessage(ctx, width, height, this.loaded ? 'No data for the selected runs' : 'Loading…'); this.element.dataset.drawn = '0'; return; }
    const F = frame(width, height, MARGIN, 0, 1, 0, 1.02);
    this.frame = F;
    drawAxes(ctx, F, { xLabel: 'Recall', yLabel: 'Precision', xTicks: 5, yTicks: 5 });
    ctx.save();
    ctx.beginPath(); ctx.rect(F.left, F.top, F.right - F.left, F.bottom - F.top); ctx.clip();
    ctx.lineWidth = 2;
    for (const { run, entry } of curves) {
      ctx.strokeStyle = runColor(run);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < entry.recall.length; i++) {
        const r = entry.recall[i]; const p = entry.precision[i];
        if (!Number.isFinite(r) || !Number.isFinite(p)) { pen = false; continue; }
        if (pen) ctx.lineTo(F.px(r), F.py(p)); else { ctx.moveTo(F.px(r), F.py(p)); pen = true; }
      }
      ctx.stroke();
    }
    ctx.restore();
    if (this.pointer) {
      for (const row of this.pointer.rows) {
        ctx.fillStyle = runColor(row.run);
        ctx.beginPath(); ctx.arc(row.X, row.Y, 4, 0, Math.PI * 2); ctx.fill();
      }
    }
    this.element.dataset.drawn = '1';
  }

  /** Each run's threshold nearest to pixel (mx, my), nearest first. */
  nearest(mx, my) {
    const F = this.frame;
    if (!F) return [];
    const rows = [];
    for (const { run, entry } of this.curves()) {
      let best = null;
      for (let i = 0; i < entry.recall.length; i++) {
        const r = entry.recall[i]; const p = entry.precision[i];
        if (!Number.isFinite(r) || !Number.isFinite(p)) continue;
        const X = F.px(r); const Y = F.py(p); const d = Math.hypot(X - mx, Y - my);
        if (!best || d < best.distance) best = { run, entry, i, X, Y, distance: d };
      }
      if (best) rows.push(best);
    }
    return rows.sort((a, b) => a.distance - b.distance);
  }

  hover(e) {
    const box = this.canvas.getBoundingClientRect();
    const rows = this.nearest(e.clientX - box.left, e.clientY - box.top);
    this.pointer = { rows };
    this.draw();
    if (!rows.length) { hideTooltip(); return; }
    const at = (entry, field, i) => formatValue(entry[field][i]);
    showTooltip(tooltipTable(['Run', 'Threshold', 'Precision', 'Recall', 'TP', 'FP', 'TN', 'FN', 'Step'], rows.map(({ run, entry, i }) => ({
      dataset: { run, index: i, threshold: entry.thresholds[i], precision: entry.precision[i], recall: entry.recall[i] },
      cells: [{ className: 'run', content: [swatch(runColor(run)), run] }, at(entry, 'thresholds', i), at(entry, 'precision', i), at(entry, 'recall', i),
        at(entry, 'truePositives', i), at(entry, 'falsePositives', i), at(entry, 'trueNegatives', i), at(entry, 'falseNegatives', i), String(entry.step)],
    }))), e.clientX, e.clientY, { tag: this.tag });
  }
}

export class PRCurvesView extends TagRunCardsView {
  constructor(app, root) {
    super(app, root, 'prCurves', (tag) => new PRCurveCard(this, tag), 'No PR curve tags match the filter for the selected runs.', { perTag: true });
  }

  destroy() { super.destroy(); hideTooltip(); }
}
