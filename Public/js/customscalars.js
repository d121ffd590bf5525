// The Custom Scalars dashboard: draws the layout of /api/customscalars. Each category is a
// collapsible section of charts; a multiline chart combines, for every selected run, the scalar tags
// matching its patterns (regular expressions matched at the start of the tag, as TensorBoard does);
// a margin chart draws each series' value line with a shaded band between its lower and upper tags.
// Lines have their run's colour (a dash pattern per tag); NaN and infinite points are marked on
// the edges, never drawn as 0.
import { getJSON } from './api.js';
import { runColor } from './colors.js';
import { el, fitCanvas, frameThrottle, swatch } from './dom.js';
import { formatMaybeFinite, jsonNumber, lowerBound } from './format.js';
import { drawAxes, drawMessage, drawNonFinite, finiteExtent, frame, hideTooltip, nonFiniteY, showTooltip, tooltipTable } from './plot.js';

const MARGIN = { left: 56, right: 12, top: 14, bottom: 26 };
const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3], [1, 2]];

/** A pattern of a multiline chart: matched at the start of a tag (Python's re.match), case-sensitive. */
export function tagPattern(text) {
  return new RegExp(text, 'y');
}

export function matchesPattern(pattern, tag) {
  pattern.lastIndex = 0;
  return pattern.test(tag);
}

/** One run's scalar series from /api/scalars as {steps, values, wall} (values may be NaN/±∞). */
async function loadSeries(run, tag, points) {
  const json = await getJSON('scalars', { run, tag, points });
  const n = json.points.length;
  const series = { steps: new Float64Array(n), values: new Float64Array(n), wall: new Float64Array(n) };
  json.points.forEach((p, i) => { series.wall[i] = jsonNumber(p[0]); series.steps[i] = jsonNumber(p[1]); series.values[i] = jsonNumber(p[2]); });
  return series;
}

class CustomChartCard {
  constructor(view, chart) {
    this.view = view; this.app = view.app; this.chart = chart;
    this.margin = !!chart.margin;
    this.series = new Map(); // "run\u0000tag" → series
    this.loaded = false; this.visible = false; this.error = null;
    this.canvas = el('canvas', { tabIndex: 0, attrs: { role: 'img', 'aria-label': `Chart ${chart.title || ''}` } });
    this.box = el('div', { className: 'chart' }, this.canvas);
    this.legend = el('div', { className: 'legend' });
    this.message = el('p', { className: 'error', hidden: true });
    const patterns = this.margin ? (chart.margin.series || []).map((s) => s.value) : (chart.multiline?.tags || []);
    this.element = el('section', { className: `card custom-scalar ${this.margin ? 'margin' : 'multiline'}`, dataset: { title: chart.title || '' } },
      el('h3', {}, chart.title || patterns.join(', ')), this.message, this.box, this.legend);
    this.element.card = this;
    const move = frameThrottle((e) => this.hover(e));
    this.canvas.addEventListener('mousemove', move);
    this.canvas.addEventListener('mouseleave', () => { this.pointer = null; hideTooltip(); this.draw(); });
  }

  /** What the chart draws for the selected runs: [{run, tag, lower, upper, dash}]. */
  specs() {
    const runs = this.app.visibleRuns();
    const specs = [];
    if (this.margin) {
      for (const run of runs) {
        const tags = this.app.tags[run]?.scalars || [];
        (this.chart.margin.series || []).forEach((s, k) => {
          if (tags.includes(s.value)) specs.push({ run, tag: s.value, lower: tags.includes(s.lower) ? s.lower : null, upper: tags.includes(s.upper) ? s.upper : null, dash: DASHES[k % DASHES.length] });
        });
      }
      return specs;
    }
    let patterns;
    try { patterns = (this.chart.multiline?.tags || []).map(tagPattern); this.error = null; } catch (error) { this.error = `Not a valid regex: ${error.message}`; return []; }
    const allTags = [...new Set(runs.flatMap((run) => this.app.tags[run]?.scalars || []))].sort();
    const matched = allTags.filter((tag) => patterns.some((p) => matchesPattern(p, tag)));
    for (const run of runs) {
      const tags = this.app.tags[run]?.scalars || [];
      matched.forEach((tag, k) => { if (tags.includes(tag)) specs.push({ run, tag, lower: null, upper: null, dash: DASHES[k % DASHES.length] }); });
    }
    return specs;
  }

  async load(force = false) {
    this.loaded = true;
    const points = Math.max(50, Math.round(this.box.clientWidth || 400));
    const wanted = [];
    for (const spec of this.specs()) for (const tag of [spec.tag, spec.lower, spec.upper]) {
      const key = `${spec.run}\u0000${tag}`;
      if (tag && (force || !this.series.has(key))) wanted.push([spec.run, tag, key]);
    }
    const results = await Promise.all(wanted.map(async ([run, tag, key]) => {
      try { return [key, await loadSeries(run, tag, points)]; } catch (_) { return [key, null]; }
    }));
    for (const [key, series] of results) if (series) this.series.set(key, series); else this.series.delete(key);
    if (this.visible) this.draw();
  }

  get(run, tag) { return tag ? this.series.get(`${run}\u0000${tag}`) : null; }

  draw() {
    if (!this.element.isConnected) return;
    const { ctx, width, height } = fitCanvas(this.canvas);
    ctx.clearRect(0, 0, width, height);
    const specs = this.specs().filter((s) => this.get(s.run, s.tag));
    this.message.hidden = !this.error; this.message.textContent = this.error || '';
    const multipleTags = new Set(specs.map((s) => s.tag)).size > 1;
    this.legend.replaceChildren(...specs.map((s) => el('span', { dataset: { run: s.run, tag: s.tag } }, swatch(runColor(s.run)),
      multipleTags || this.margin ? `${s.run} · ${s.tag}` : s.run)));
    this.element.dataset.series = String(specs.length);
    if (specs.length === 0) { this.frame = null; drawMessage(ctx, width, height, this.loaded ? 'No data for the selected runs' : 'Loading…'); this.element.dataset.drawn = '0'; return; }
    const all = specs.flatMap((s) => [s.tag, s.lower, s.upper].map((t) => this.get(s.run, t)).filter(Boolean));
    const [x0, x1] = finiteExtent(all.map((s) => s.steps), 0);
    const [y0, y1] = finiteExtent(all.map((s) => s.values));
    const F = frame(width, height, MARGIN, x0, x1 === x0 ? x0 + 1 : x1, y0, y1);
    this.frame = F;
    drawAxes(ctx, F, { xTicks: Math.max(2, Math.floor((F.right - F.left) / 90)) });
    ctx.save();
    ctx.beginPath(); ctx.rect(F.left, F.top, F.right - F.left, F.bottom - F.top); ctx.clip();
    let bands = 0;
    for (const s of specs) {
      const lower = this.get(s.run, s.lower); const upper = this.get(s.run, s.upper);
      if (lower && upper && this.band(ctx, F, lower, upper, runColor(s.run))) bands += 1;
    }
    ctx.lineWidth = 1.5;
    for (const s of specs) {
      const series = this.get(s.run, s.tag);
      ctx.strokeStyle = runColor(s.run); ctx.setLineDash(s.dash);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < series.values.length; i++) {
        const v = series.values[i];
        if (!Number.isFinite(v)) { pen = false; continue; }
        if (pen) ctx.lineTo(F.px(series.steps[i]), F.py(v)); else { ctx.moveTo(F.px(series.steps[i]), F.py(v)); pen = true; }
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.restore();
    for (const s of specs) { const series = this.get(s.run, s.tag); drawNonFinite(ctx, F, series.steps, series.values, runColor(s.run)); }
    if (this.pointer) {
      for (const row of this.pointer.rows) { ctx.fillStyle = runColor(row.run); ctx.beginPath(); ctx.arc(row.X, row.Y, 4, 0, Math.PI * 2); ctx.fill(); }
    }
    this.element.dataset.bands = String(bands);
    this.element.dataset.drawn = '1';
  }

  /** Fills the area between `lower` and `upper` at the steps both have; true when something was filled. */
  band(ctx, F, lower, upper, color) {
    const top = []; const bottom = [];
    for (let i = 0; i < lower.steps.length; i++) {
      const j = lowerBound(upper.steps, lower.steps[i]);
      if (j >= upper.steps.length || upper.steps[j] !== lower.steps[i]) continue;
      const lo = lower.values[i]; const hi = upper.values[j];
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
      top.push([F.px(lower.steps[i]), F.py(hi)]); bottom.push([F.px(lower.steps[i]), F.py(lo)]);
    }
    if (top.length < 2) return false;
    ctx.save();
    ctx.globalAlpha = 0.2; ctx.fillStyle = color;
    ctx.beginPath();
    top.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    for (let i = bottom.length - 1; i >= 0; i--) ctx.lineTo(bottom[i][0], bottom[i][1]);
    ctx.closePath(); ctx.fill();
    ctx.restore();
    return true;
  }

  /** Each series' point nearest to the pointer's step. */
  nearest(mx) {
    const F = this.frame;
    if (!F) return [];
    const step = F.dx(mx);
    const rows = [];
    for (const s of this.specs()) {
      const series = this.get(s.run, s.tag);
      if (!series || series.steps.length === 0) continue;
      let i = Math.min(series.steps.length - 1, lowerBound(series.steps, step));
      if (i > 0 && Math.abs(series.steps[i - 1] - step) <= Math.abs(series.steps[i] - step)) i -= 1;
      const v = series.values[i];
      const at = (t) => { const other = this.get(s.run, t); if (!other) return null; const j = lowerBound(other.steps, series.steps[i]); return other.steps[j] === series.steps[i] ? other.values[j] : null; };
      rows.push({ ...s, step: series.steps[i], value: v, low: at(s.lower), high: at(s.upper), X: F.px(series.steps[i]), Y: Number.isFinite(v) ? F.py(v) : nonFiniteY(v, F) });
    }
    return rows;
  }

  hover(e) {
    const box = this.canvas.getBoundingClientRect();
    const rows = this.nearest(e.clientX - box.left);
    this.pointer = { rows };
    this.draw();
    if (!rows.length) { hideTooltip(); return; }
    const head = this.margin ? ['Run', 'Tag', 'Value', 'Lower', 'Upper', 'Step'] : ['Run', 'Tag', 'Value', 'Step'];
    showTooltip(tooltipTable(head, rows.map((r) => ({
      dataset: { run: r.run, tag: r.tag, step: r.step, value: r.value },
      cells: [{ className: 'run', content: [swatch(runColor(r.run)), r.run] }, r.tag, { className: 'value', content: formatMaybeFinite(r.value) },
        ...(this.margin ? [r.low === null ? '' : formatMaybeFinite(r.low), r.high === null ? '' : formatMaybeFinite(r.high)] : []), String(r.step)],
    }))), e.clientX, e.clientY, { chart: this.chart.title || '' });
  }
}

export class CustomScalarsView {
  constructor(app, root) {
    this.app = app; this.root = root;
    this.cards = []; this.layoutKey = null;
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = entry.target.card;
        card.visible = entry.isIntersecting;
        if (!card.visible) continue;
        if (!card.loaded) card.load(); else card.draw();
      }
    }, { rootMargin: '200px' });
  }

  async render() {
    let layout;
    try { layout = await getJSON('customscalars'); } catch (error) {
      this.root.replaceChildren(el('p', { className: 'error' }, `Could not load the custom scalars layout: ${error.message}`));
      return;
    }
    const key = JSON.stringify(layout);
    if (key === this.layoutKey && this.root.firstChild) { this.refreshCards(); return; }
    this.layoutKey = key;
    this.observer.disconnect();
    this.cards = [];
    const sections = (layout.categories || []).map((category) => {
      const cards = (category.charts || []).map((chart) => new CustomChartCard(this, chart));
      this.cards.push(...cards);
      const details = el('details', { className: 'group category', open: !category.closed, dataset: { title: category.title || '' } },
        el('summary', {}, el('h2', {}, category.title || 'Untitled')),
        el('div', { className: 'cards' }, cards.map((c) => c.element)));
      details.addEventListener('toggle', () => { if (details.open) for (const c of cards) if (c.visible) c.draw(); });
      return details;
    });
    if (sections.length === 0) sections.push(el('p', { className: 'empty' }, 'No custom scalars layout in the selected runs.'));
    this.root.replaceChildren(...sections);
    for (const card of this.cards) this.observer.observe(card.element);
  }

  /** After a change of runs or tags: loads what the loaded charts now lack and redraws them. */
  refreshCards() {
    for (const card of this.cards) if (card.loaded) card.load();
  }

  update(changes) {
    this.render().then(() => {
      const changed = new Set(Object.values(changes?.tags || {}).flat());
      for (const card of this.cards) {
        if (card.loaded && card.specs().some((s) => [s.tag, s.lower, s.upper].some((t) => changed.has(t)))) card.load(true);
      }
    });
  }

  settingsChanged(what) {
    if (['runs', 'runFilter'].includes(what)) this.refreshCards();
    else if (what === 'theme') for (const card of this.cards) if (card.visible && card.loaded) card.draw();
  }

  destroy() { this.observer.disconnect(); hideTooltip(); }
}
