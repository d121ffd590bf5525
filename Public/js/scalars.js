// The Scalars dashboard: one card per tag with every visible run overlaid on a canvas, smoothing,
// axis modes, hover tooltip, drag-to-zoom and downloads. Cards load when they scroll into view and
// ask the server for about one point per pixel of their width.
import { apiURL, getJSON } from './api.js';
import { runColor } from './colors.js';
import { cssVar, el, fitCanvas, frameThrottle, swatch } from './dom.js';
import { formatDuration, formatMaybeFinite, formatTick, formatWallTime, jsonNumber, lowerBound, niceTicks } from './format.js';
import { drawNonFinite, nonFiniteY, placeTooltip } from './plot.js';
import { smooth } from './smoothing.js';

const MARGIN = { left: 56, right: 12, top: 10, bottom: 26 };

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

class Series {
  constructor(run, json) {
    this.run = run;
    this.total = json.total;
    const n = json.points.length;
    this.wall = new Float64Array(n);
    this.step = new Float64Array(n);
    this.value = new Float64Array(n);
    // NaN and ±∞ come as strings; they stay NaN/±∞ (marked on the chart's edges), never 0
    json.points.forEach((p, i) => { this.wall[i] = p[0]; this.step[i] = p[1]; this.value[i] = jsonNumber(p[2]); });
    this.smoothed = null;
    this.weight = null;
  }

  smoothedFor(weight) {
    if (this.weight !== weight) { this.smoothed = smooth(this.value, weight); this.weight = weight; }
    return this.smoothed;
  }

  /** X values for an axis mode. */
  xs(mode) {
    if (mode === 'step') return this.step;
    if (mode === 'wall') return this.wall;
    if (!this.relative) {
      this.relative = new Float64Array(this.wall.length);
      const start = this.wall.length ? this.wall[0] : 0;
      for (let i = 0; i < this.wall.length; i++) this.relative[i] = this.wall[i] - start;
    }
    return this.relative;
  }
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
    this.element = el('section', { className: 'card scalar', dataset: { tag } },
      el('h3', {}, tag), this.chart, this.legend,
      el('div', { className: 'toolbar' },
        el('details', {}, el('summary', {}, 'Download series'), this.downloads)));
    this.element.card = this;
    this.bindPointer();
  }

  runs() {
    return this.app.visibleRuns().filter((run) => (this.app.tags[run]?.scalars || []).includes(this.tag));
  }

  renderRunsUI() {
    const runs = this.runs();
    this.legend.replaceChildren(...runs.map((run) => el('span', { dataset: { run } }, swatch(runColor(run)), run)));
    this.downloads.replaceChildren(...runs.map((run) => el('li', {},
      el('span', {}, `${run}: `),
      el('a', { href: apiURL('scalars', { run, tag: this.tag, format: 'csv' }), download: fileName(run, this.tag, 'csv') }, 'CSV'),
      ' ',
      el('a', { href: apiURL('scalars', { run, tag: this.tag }), download: fileName(run, this.tag, 'json') }, 'JSON'))));
  }

  pointsWanted() {
    return Math.max(50, Math.round(this.chart.clientWidth || 400));
  }

  /** Fetches the series of `runs` (default: every shown run not loaded yet). */
  async load(runs = null, force = false) {
    const wanted = runs || this.runs().filter((r) => force || !this.series.has(r));
    this.loaded = true;
    if (wanted.length === 0) { this.draw(); return; }
    const points = this.pointsWanted();
    const results = await Promise.all(wanted.map(async (run) => {
      try { return [run, await getJSON('scalars', { run, tag: this.tag, points })]; } catch (_) { return [run, null]; }
    }));
    for (const [run, json] of results) {
      if (json) this.series.set(run, new Series(run, json)); else this.series.delete(run);
    }
    this.dataVersion += 1;
    this.element.dataset.loaded = String(this.series.size);
    if (this.visible) this.draw(); else this.dirty = true;
  }

  shownSeries() {
    return this.runs().map((r) => this.series.get(r)).filter((s) => s && s.value.length > 0);
  }

  /** The data → pixel mapping for the current settings, or null when there is nothing to draw. */
  layout(width, height) {
    const s = this.app.state;
    const list = this.shownSeries();
    if (list.length === 0) return null;
    const log = s.yScale === 'log';
    const tx = (v) => (log ? (v > 0 ? Math.log10(v) : NaN) : v);
    let x0 = Infinity; let x1 = -Infinity;
    for (const series of list) {
      const xs = series.xs(s.xAxis);
      x0 = Math.min(x0, xs[0]); x1 = Math.max(x1, xs[xs.length - 1]);
    }
    if (this.zoom) { x0 = this.zoom.x0; x1 = this.zoom.x1; }
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    let y0; let y1;
    if (this.zoom && this.zoom.y0 !== undefined) { y0 = this.zoom.y0; y1 = this.zoom.y1; } else {
      const values = [];
      for (const series of list) {
        const xs = series.xs(s.xAxis);
        const a = lowerBound(xs, x0); const b = Math.min(xs.length, lowerBound(xs, x1 + 1e-12 * Math.abs(x1) + 1e-12) + 1);
        for (let i = Math.max(0, a - 1); i < b; i++) {
          const v = tx(series.value[i]); if (Number.isFinite(v)) values.push(v);
        }
      }
      if (values.length === 0) { y0 = 0; y1 = 1; } else {
        values.sort((a, b) => a - b);
        if (s.ignoreOutliers && values.length > 10) {
          y0 = values[Math.floor(0.05 * (values.length - 1))];
          y1 = values[Math.ceil(0.95 * (values.length - 1))];
        } else { y0 = values[0]; y1 = values[values.length - 1]; }
      }
      if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 -= d; y1 += d; }
      const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    }
    const left = MARGIN.left; const right = width - MARGIN.right;
    const top = MARGIN.top; const bottom = height - MARGIN.bottom;
    return {
      list, log, tx, x0, x1, y0, y1, left, right, top, bottom,
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
    const key = L ? [width, height, window.devicePixelRatio, L.x0, L.x1, L.y0, L.y1, s.xAxis, s.yScale,
      this.app.themeVersion, this.dataVersion, L.list.map((x) => x.run).join('\u0000')].join('|') : 'empty';
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
    for (const series of L.list) {
      const xs = series.xs(s.xAxis); const ys = series.smoothedFor(s.smoothing); const color = runColor(series.run);
      this.polyline(ctx, L, xs, ys, color);
      ctx.translate(0, 0.6);
      this.polyline(ctx, L, xs, ys, color);
      ctx.translate(0, -0.6);
    }
    ctx.restore();
    const marked = L.list.map((series) => drawNonFinite(ctx, L, series.xs(s.xAxis), series.value, runColor(series.run)));
    this.element.dataset.nonFinite = String(marked.reduce((n, c) => n + c.nan + c.posInf + c.negInf, 0));
    this.element.dataset.drawn = '1';
    if (this.hoverIndex !== null) this.drawHover();
    if (this.app.perf.firstChart === null) {
      this.app.perf.firstChart = performance.now();
      performance.mark('lumen-first-chart');
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
      const label = s.xAxis === 'step' ? formatTick(v) : s.xAxis === 'relative' ? formatDuration(v) : formatWallTime(v).slice(11, 16);
      ctx.fillText(label, x, L.bottom + 5);
    }
    ctx.strokeStyle = axis;
    ctx.strokeRect(L.left + 0.5, L.top + 0.5, L.right - L.left, L.bottom - L.top);
    // the raw values, faint (hidden under the smoothed line when the smoothing is 0)
    ctx.save();
    ctx.beginPath(); ctx.rect(L.left, L.top, L.right - L.left, L.bottom - L.top); ctx.clip();
    ctx.globalAlpha = 0.25; ctx.lineWidth = 1;
    for (const series of L.list) this.polyline(ctx, L, series.xs(s.xAxis), series.value, runColor(series.run));
    ctx.restore();
  }

  polyline(ctx, L, xs, ys, color) {
    const width = ctx.lineWidth;
    ctx.strokeStyle = color;
    ctx.beginPath();
    let pen = false;
    const n = xs.length;
    // only the points in view (plus one on each side)
    const a = Math.max(0, lowerBound(xs, L.x0) - 1);
    const b = Math.min(n, lowerBound(xs, L.x1) + 1);
    for (let i = a; i < b; i++) {
      const y = L.tx(ys[i]);
      if (!Number.isFinite(y)) { pen = false; continue; }
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
      const xs = series.xs(s.xAxis);
      let i = lowerBound(xs, x);
      if (i >= xs.length) i = xs.length - 1;
      if (i > 0 && Math.abs(xs[i - 1] - x) <= Math.abs(xs[i] - x)) i -= 1;
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
        el('td', { className: 'run' }, swatch(runColor(series.run)), series.run),
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
      ctx.fillStyle = runColor(row.series.run);
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
    });
    const move = frameThrottle((e) => {
      const [x, y] = pos(e);
      if (this.drag) { this.drag.x2 = x; this.drag.y2 = y; this.drawHover(); return; }
      this.showTooltip(x, y, e.clientX, e.clientY);
    });
    c.addEventListener('mousemove', move);
    c.addEventListener('mouseleave', () => { if (!this.drag) this.hideTooltip(); });
    window.addEventListener('mouseup', (e) => {
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
      }
      this.drawHover();
    });
    c.addEventListener('dblclick', () => { this.zoom = null; delete this.element.dataset.zoomed; this.draw(); });
    c.addEventListener('keydown', (e) => this.key(e));
    c.addEventListener('blur', () => this.hideTooltip());
  }

  /** Keyboard: ←/→ move along the points, Home/End jump, Escape hides, 0 resets the zoom. */
  key(e) {
    const L = this.lastLayout;
    if (!L) return;
    const first = L.list[0];
    const xs = first.xs(this.app.state.xAxis);
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
      this.zoom = null; delete this.element.dataset.zoomed; this.draw();
    }
  }
}

export class ScalarsView {
  constructor(app, root) {
    this.app = app;
    this.root = root;
    this.cards = new Map(); // tag → ScalarCard
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = entry.target.card;
        card.visible = entry.isIntersecting;
        if (!card.visible) continue;
        if (!card.loaded) card.load(); else if (card.dirty) card.draw();
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
    const groups = groupTags(tags);
    const layoutKey = JSON.stringify(tags);
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
    if (['runs', 'runFilter', 'tagFilter'].includes(what)) this.render();
    else if (['smoothing', 'xAxis', 'yScale', 'ignoreOutliers', 'theme'].includes(what)) {
      if (what === 'xAxis' || what === 'yScale') for (const card of this.cards.values()) card.zoom = null;
      this.redrawVisible();
    }
  }

  destroy() {
    this.observer.disconnect();
    this.screen.disconnect();
    this.resize.disconnect();
    document.getElementById('tooltip').hidden = true;
  }
}
