// The HParams dashboard's two plots beside its table: parallel coordinates (one vertical axis per
// hyperparameter and metric, a line per run; drag along an axis to brush an interval, and only the
// runs inside every brushed interval stay coloured and in the table; click an axis to clear its
// brush) and a scatter-plot matrix of every metric (rows) against every hyperparameter (columns).
// Runs have the colour they have everywhere else.
import { runColor } from './colors.js';
import { cssVar, el, fitCanvas, frameThrottle, swatch } from './dom.js';
import { formatTick, formatValue, jsonNumber, niceTicks } from './format.js';
import { finiteExtent, hideTooltip, showTooltip, tooltipTable } from './plot.js';

/**
 * An axis for one column over `rows`: numeric when every present value is a number (metrics always
 * are), else categorical (the sorted distinct texts). `at(row)` is the value's position in [0, 1]
 * (0 at the bottom), or null when the run has no finite value there.
 */
export function makeAxis(column, rows) {
  const raw = rows.map((row) => column.get(row)).filter((v) => v !== null && v !== undefined);
  const numeric = column.kind === 'metric' || raw.every((v) => typeof v === 'number');
  if (numeric) {
    const value = (row) => { const v = column.get(row); return v === null || v === undefined ? NaN : jsonNumber(v); };
    const [lo, hi] = finiteExtent([rows.map(value)], 0.04);
    const at = (row) => { const v = value(row); return Number.isFinite(v) ? (v - lo) / (hi - lo) : null; };
    const ticks = niceTicks(lo, hi, 5).map((v) => ({ at: (v - lo) / (hi - lo), label: formatTick(v) }));
    return { column, numeric, value, at, ticks, text: (row) => formatValue(value(row)) };
  }
  const text = (row) => { const v = column.get(row); return v === null || v === undefined ? '' : String(v); };
  const categories = [...new Set(raw.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const slot = (i) => (categories.length === 1 ? 0.5 : 0.08 + (0.84 * i) / (categories.length - 1));
  const at = (row) => { const i = categories.indexOf(text(row)); return i < 0 ? null : slot(i); };
  return { column, numeric, value: text, at, ticks: categories.map((c, i) => ({ at: slot(i), label: c })), text };
}

const PAD = { left: 70, right: 70, top: 34, bottom: 22 };

class ParallelCoordinates {
  constructor(plots) {
    this.plots = plots;
    this.canvas = el('canvas', { tabIndex: 0, attrs: { role: 'img', 'aria-label': 'Parallel coordinates of hyperparameters and metrics: drag along an axis to filter runs' } });
    this.element = el('div', { className: 'chart parallel' }, this.canvas);
    this.drag = null;
    this.canvas.addEventListener('mousedown', (e) => this.down(e));
    this.onMove = (e) => this.move(e);
    this.onUp = (e) => this.up(e);
    window.addEventListener('mousemove', this.onMove);
    window.addEventListener('mouseup', this.onUp);
    this.hover = frameThrottle((e) => this.tooltip(e));
    this.canvas.addEventListener('mousemove', (e) => { if (!this.drag) this.hover(e); });
    this.canvas.addEventListener('mouseleave', () => hideTooltip());
  }

  destroy() {
    window.removeEventListener('mousemove', this.onMove);
    window.removeEventListener('mouseup', this.onUp);
  }

  geometry() {
    const { width, height } = { width: this.canvas.clientWidth, height: this.canvas.clientHeight };
    const axes = this.plots.axes;
    const span = width - PAD.left - PAD.right;
    const x = (i) => PAD.left + (axes.length === 1 ? span / 2 : (span * i) / (axes.length - 1));
    const y = (at) => height - PAD.bottom - at * (height - PAD.top - PAD.bottom);
    const at = (py) => (height - PAD.bottom - py) / (height - PAD.top - PAD.bottom);
    return { width, height, x, y, at };
  }

  /** The clientX/clientY of a position on axis `id` at fraction `at` (for tests and the keyboard). */
  axisPoint(id, at) {
    const i = this.plots.axes.findIndex((a) => a.column.id === id);
    const G = this.geometry(); const box = this.canvas.getBoundingClientRect();
    return { x: box.left + G.x(i), y: box.top + G.y(at) };
  }

  draw() {
    const { ctx, width, height } = fitCanvas(this.canvas);
    ctx.clearRect(0, 0, width, height);
    const { axes, rows } = this.plots;
    if (!axes.length || !rows.length) return;
    const G = this.geometry();
    const fg = cssVar('--fg'); const muted = cssVar('--axis'); const faint = cssVar('--grid');
    // lines: filtered-out runs faint and underneath, the kept ones in their colours
    const line = (row) => {
      ctx.beginPath();
      let pen = false;
      axes.forEach((axis, i) => {
        const at = axis.at(row);
        if (at === null) { pen = false; return; }
        if (pen) ctx.lineTo(G.x(i), G.y(at)); else { ctx.moveTo(G.x(i), G.y(at)); pen = true; }
      });
      ctx.stroke();
    };
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = faint;
    for (const row of rows) if (!this.plots.keeps(row)) line(row);
    ctx.lineWidth = 2;
    for (const row of rows) if (this.plots.keeps(row)) { ctx.strokeStyle = runColor(row.run); line(row); }
    // axes, ticks, titles, brushes
    ctx.font = '11px system-ui, sans-serif';
    axes.forEach((axis, i) => {
      const x = Math.round(G.x(i)) + 0.5;
      ctx.strokeStyle = muted; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, G.y(0)); ctx.lineTo(x, G.y(1)); ctx.stroke();
      ctx.fillStyle = muted; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
      for (const t of axis.ticks) {
        if (t.at < -1e-9 || t.at > 1 + 1e-9) continue;
        ctx.beginPath(); ctx.moveTo(x - 3, G.y(t.at)); ctx.lineTo(x, G.y(t.at)); ctx.stroke();
        ctx.fillText(t.label.length > 12 ? `${t.label.slice(0, 11)}…` : t.label, x - 5, G.y(t.at));
      }
      ctx.fillStyle = axis.column.kind === 'metric' ? cssVar('--accent') : fg;
      ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
      ctx.fillText(axis.column.label, x, PAD.top - 12);
      const brush = this.plots.brushes.get(axis.column.id) || (this.drag && this.drag.axis === i ? this.drag.range : null);
      if (brush) {
        const y0 = G.y(brush[1]); const y1 = G.y(brush[0]);
        ctx.fillStyle = 'rgba(80,140,230,0.25)'; ctx.strokeStyle = 'rgba(80,140,230,0.9)';
        ctx.fillRect(x - 7, y0, 14, y1 - y0); ctx.strokeRect(x - 7, y0, 14, y1 - y0);
      }
    });
    this.canvas.dataset.shown = rows.filter((r) => this.plots.keeps(r)).map((r) => r.run).join('\n');
    this.canvas.dataset.drawn = '1';
  }

  axisAt(mx) {
    const G = this.geometry();
    const i = this.plots.axes.findIndex((_, k) => Math.abs(G.x(k) - mx) <= 12);
    return i;
  }

  down(e) {
    if (e.button !== 0) return;
    const box = this.canvas.getBoundingClientRect();
    const i = this.axisAt(e.clientX - box.left);
    if (i < 0) return;
    e.preventDefault();
    const at = this.geometry().at(e.clientY - box.top);
    this.drag = { axis: i, start: at, range: [at, at] };
    hideTooltip();
  }

  move(e) {
    if (!this.drag) return;
    const box = this.canvas.getBoundingClientRect();
    const at = this.geometry().at(e.clientY - box.top);
    this.drag.range = [Math.max(0, Math.min(this.drag.start, at)), Math.min(1, Math.max(this.drag.start, at))];
    this.draw();
  }

  up() {
    if (!this.drag) return;
    const { axis, range } = this.drag;
    this.drag = null;
    const id = this.plots.axes[axis].column.id;
    const height = this.canvas.clientHeight - PAD.top - PAD.bottom;
    // a click (no drag) clears the axis's brush
    if ((range[1] - range[0]) * height < 3) this.plots.brushes.delete(id); else this.plots.brushes.set(id, range);
    this.plots.changed();
  }

  tooltip(e) {
    const box = this.canvas.getBoundingClientRect();
    const mx = e.clientX - box.left; const my = e.clientY - box.top;
    const G = this.geometry();
    let best = null;
    for (const row of this.plots.rows) {
      this.plots.axes.forEach((axis, i) => {
        const at = axis.at(row);
        if (at === null) return;
        const d = Math.hypot(G.x(i) - mx, G.y(at) - my);
        if (d < 10 && (!best || d < best.d)) best = { row, d };
      });
    }
    if (!best) { hideTooltip(); return; }
    this.plots.showRun(best.row, e);
  }
}

const CELL = { width: 190, height: 150, pad: 26, left: 90, top: 26 };

class ScatterMatrix {
  constructor(plots) {
    this.plots = plots;
    this.canvas = el('canvas', { attrs: { role: 'img', 'aria-label': 'Scatter-plot matrix: each metric against each hyperparameter' } });
    this.element = el('div', { className: 'scatter-matrix' }, this.canvas);
    this.hover = frameThrottle((e) => this.tooltip(e));
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => hideTooltip());
  }

  split() {
    const axes = this.plots.axes;
    return { hps: axes.filter((a) => a.column.kind === 'hparam'), metrics: axes.filter((a) => a.column.kind === 'metric') };
  }

  /** The pixel position of `row` in the cell (column c, row m), or null. */
  point(hp, metric, c, m, row) {
    const a = hp.at(row); const b = metric.at(row);
    if (a === null || b === null) return null;
    const x0 = CELL.left + c * CELL.width + CELL.pad / 2; const y0 = CELL.top + m * CELL.height + CELL.pad / 2;
    const w = CELL.width - CELL.pad; const h = CELL.height - CELL.pad;
    return { x: x0 + a * w, y: y0 + (1 - b) * h };
  }

  draw() {
    const { hps, metrics } = this.split();
    this.canvas.style.width = `${CELL.left + Math.max(1, hps.length) * CELL.width + 10}px`;
    this.canvas.style.height = `${CELL.top + Math.max(1, metrics.length) * CELL.height + 10}px`;
    const { ctx, width, height } = fitCanvas(this.canvas);
    ctx.clearRect(0, 0, width, height);
    if (!hps.length || !metrics.length) return;
    const fg = cssVar('--fg'); const muted = cssVar('--axis'); const grid = cssVar('--grid');
    ctx.font = '11px system-ui, sans-serif';
    hps.forEach((hp, c) => {
      ctx.fillStyle = fg; ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
      ctx.fillText(hp.column.label, CELL.left + (c + 0.5) * CELL.width, CELL.top - 6);
    });
    metrics.forEach((metric, m) => {
      ctx.save();
      ctx.translate(CELL.left - 40, CELL.top + (m + 0.5) * CELL.height); ctx.rotate(-Math.PI / 2);
      ctx.fillStyle = cssVar('--accent'); ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
      ctx.fillText(metric.column.label, 0, 0);
      ctx.restore();
      const ticks = metric.ticks.filter((t) => t.at >= 0 && t.at <= 1);
      ctx.fillStyle = muted; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
      for (const t of [ticks[0], ticks[ticks.length - 1]].filter(Boolean)) {
        ctx.fillText(t.label, CELL.left - 4, CELL.top + m * CELL.height + CELL.pad / 2 + (1 - t.at) * (CELL.height - CELL.pad));
      }
      hps.forEach((hp, c) => {
        const x = CELL.left + c * CELL.width; const y = CELL.top + m * CELL.height;
        ctx.strokeStyle = grid; ctx.strokeRect(x + 3.5, y + 3.5, CELL.width - 7, CELL.height - 7);
        if (m === metrics.length - 1) {
          ctx.fillStyle = muted; ctx.textAlign = 'center'; ctx.textBaseline = 'top';
          const ticks = hp.numeric ? [hp.ticks[0], hp.ticks[hp.ticks.length - 1]].filter(Boolean) : hp.ticks;
          for (const t of ticks) if (t.at >= 0 && t.at <= 1) ctx.fillText(t.label.length > 10 ? `${t.label.slice(0, 9)}…` : t.label, x + CELL.pad / 2 + t.at * (CELL.width - CELL.pad), y + CELL.height - 2);
        }
        for (const kept of [false, true]) {
          for (const row of this.plots.rows) {
            if (this.plots.keeps(row) !== kept) continue;
            const p = this.point(hp, metric, c, m, row);
            if (!p) continue;
            ctx.fillStyle = kept ? runColor(row.run) : grid;
            ctx.beginPath(); ctx.arc(p.x, p.y, 4, 0, Math.PI * 2); ctx.fill();
          }
        }
      });
    });
    this.canvas.dataset.cells = String(hps.length * metrics.length);
    this.canvas.dataset.drawn = '1';
  }

  tooltip(e) {
    const box = this.canvas.getBoundingClientRect();
    const mx = e.clientX - box.left; const my = e.clientY - box.top;
    const { hps, metrics } = this.split();
    const c = Math.floor((mx - CELL.left) / CELL.width); const m = Math.floor((my - CELL.top) / CELL.height);
    if (c < 0 || m < 0 || c >= hps.length || m >= metrics.length) { hideTooltip(); return; }
    let best = null;
    for (const row of this.plots.rows) {
      const p = this.point(hps[c], metrics[m], c, m, row);
      if (!p) continue;
      const d = Math.hypot(p.x - mx, p.y - my);
      if (d < 10 && (!best || d < best.d)) best = { row, d };
    }
    if (!best) { hideTooltip(); return; }
    this.plots.showRun(best.row, e);
  }
}

export class HParamsPlots {
  /** `onFilter()` is called when a brush changes which runs are kept. */
  constructor(onFilter) {
    this.onFilter = onFilter;
    this.rows = []; this.axes = []; this.brushes = new Map(); // column id → [from, to] in axis fractions
    this.parallel = new ParallelCoordinates(this);
    this.scatter = new ScatterMatrix(this);
    this.clear = el('button', { type: 'button', className: 'clear-brushes', hidden: true }, 'Clear brushes');
    this.clear.addEventListener('click', () => { this.brushes.clear(); this.changed(); });
    this.element = el('div', { className: 'hparams-plots' },
      el('section', { className: 'group' }, el('h2', {}, 'Parallel coordinates'),
        el('p', { className: 'hint' }, 'Drag along an axis to keep only the runs in that interval; click the axis to clear it.', ' ', this.clear),
        this.parallel.element),
      el('section', { className: 'group' }, el('h2', {}, 'Scatter-plot matrix'), this.scatter.element));
    this.resize = new ResizeObserver(frameThrottle(() => this.draw()));
    this.resize.observe(this.parallel.element);
  }

  /** Shows `rows` (the runs the table's filters leave) over `columns` (the table's, minus the run). */
  update(rows, columns) {
    this.rows = rows;
    this.axes = columns.filter((c) => c.kind === 'hparam' || c.kind === 'metric').map((c) => makeAxis(c, rows));
    for (const id of [...this.brushes.keys()]) if (!this.axes.some((a) => a.column.id === id)) this.brushes.delete(id);
    this.draw();
  }

  /** Whether `row` lies inside every brushed interval. */
  keeps(row) {
    for (const [id, [from, to]] of this.brushes) {
      const axis = this.axes.find((a) => a.column.id === id);
      if (!axis) continue;
      const at = axis.at(row);
      if (at === null || at < from - 1e-9 || at > to + 1e-9) return false;
    }
    return true;
  }

  changed() {
    this.clear.hidden = this.brushes.size === 0;
    this.draw();
    this.onFilter();
  }

  draw() {
    if (!this.element.isConnected) return;
    this.parallel.draw();
    this.scatter.draw();
  }

  showRun(row, e) {
    showTooltip(tooltipTable(['Run', ...this.axes.map((a) => a.column.label)], [{
      dataset: { run: row.run },
      cells: [{ className: 'run', content: [swatch(runColor(row.run)), row.run] }, ...this.axes.map((a) => a.text(row))],
    }]), e.clientX, e.clientY, { run: row.run });
  }

  destroy() { this.parallel.destroy(); this.resize.disconnect(); hideTooltip(); }
}
