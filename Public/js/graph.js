// The Graph dashboard: the op graph by name scope from /api/graph (laid out by the server), drawn
// on a canvas. Pan, zoom and fit; click a collapsed scope to expand it (and the frame of an expanded
// scope to collapse it); edges labelled with tensor shapes, control edges dashed; a details panel;
// search by name; colour by op type or device, or by compute time or memory from the run's
// RunMetadata (graphstats.js). A run's Keras model (the conceptual graph) shows the same way. Only
// what is in view is drawn, labels only when legible, so thousands of ops stay responsive.
import { getJSON } from './api.js';
import { PALETTE, categoryColor } from './colors.js';
import { cssVar, el, fitCanvas, frameThrottle } from './dom.js';
import { STATS_MODES, formatStat, statsColoring, statsValue } from './graphstats.js';

const num = (v, d = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const SCOPE_HEADER = 24;

/** Normalizes one node of /api/graph, tolerating missing optional fields. */
function readNode(raw) {
  const node = {
    name: String(raw.name ?? ''),
    op: String(raw.op ?? ''),
    inputs: Array.isArray(raw.inputs) ? raw.inputs.map(String) : [],
    attrs: raw.attrs && typeof raw.attrs === 'object' ? raw.attrs : {},
    outputShapes: Array.isArray(raw.outputShapes) ? raw.outputShapes : [],
    device: typeof raw.device === 'string' ? raw.device : '',
    x: num(raw.x), y: num(raw.y), width: Math.max(1, num(raw.width, 80)), height: Math.max(1, num(raw.height, 24)),
    raw,
  };
  node.isScope = node.op === 'scope';
  const count = raw.children ?? raw.childCount;
  node.childCount = typeof count === 'number' ? count : Array.isArray(count) ? count.length : null;
  node.opCount = typeof raw.ops === 'number' ? raw.ops : null;
  node.parent = typeof raw.parent === 'string' ? raw.parent : null;
  node.label = node.name.slice(node.name.lastIndexOf('/') + 1) || node.name;
  return node;
}

function readEdge(raw) {
  return {
    source: String(raw.source ?? ''), target: String(raw.target ?? ''),
    shape: raw.shape, control: raw.control === true, count: num(raw.count, 1),
  };
}

/** "[?,64]" for a shape given as an array (−1 or null is unknown) or a string. */
export function shapeText(shape) {
  if (shape === undefined || shape === null) return '';
  if (typeof shape === 'string') return shape;
  if (Array.isArray(shape)) return `[${shape.map((d) => (d === null || d < 0 ? '?' : String(d))).join(',')}]`;
  return JSON.stringify(shape);
}

function valueText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export class GraphView {
  constructor(app, root) {
    this.app = app; this.root = root;
    this.expanded = new Set();
    this.graph = null; this.selected = null; this.run = null;
    this.k = 1; this.tx = 0; this.ty = 0;
    this.canvas = el('canvas', { tabIndex: 0, attrs: { role: 'application', 'aria-label': 'Op graph: arrows pan, plus and minus zoom, 0 fits, Enter expands or collapses the selected scope' } });
    this.box = el('div', { className: 'graph-canvas' }, this.canvas);
    this.details = el('aside', { className: 'graph-details', attrs: { 'aria-live': 'polite' } });
    this.legend = el('div', { className: 'graph-legend' });
    this.view = el('div', { className: 'graph-view' }, this.box, this.details);
    this.requestDraw = frameThrottle(() => this.draw());
    this.resize = new ResizeObserver(() => this.requestDraw());
    this.resize.observe(this.box);
    this.bind();
    this.controls();
  }

  controls() {
    const runSelect = document.getElementById('graph-run');
    this.onRun = () => this.app.setState({ graphRun: runSelect.value });
    runSelect.addEventListener('change', this.onRun);
    const search = document.getElementById('graph-search');
    this.onSearch = (e) => { if (e.type === 'change' || e.key === 'Enter') this.find(search.value); };
    search.addEventListener('change', this.onSearch);
    search.addEventListener('keydown', this.onSearch);
    this.onFit = () => { this.fit(); this.requestDraw(); };
    document.getElementById('graph-fit').addEventListener('click', this.onFit);
    const kind = document.getElementById('graph-kind');
    this.onKind = () => this.app.setState({ graphKind: kind.value });
    kind.addEventListener('change', this.onKind);
    const stats = document.getElementById('graph-stats');
    this.onStats = () => this.app.setState({ graphStats: stats.value });
    stats.addEventListener('change', this.onStats);
  }

  graphRuns() {
    return this.app.visibleRuns().filter((r) => this.app.tags[r]?.graph === true || (this.app.tags[r]?.conceptualGraphs || []).length > 0);
  }

  /**
   * What to load for `run`: {kind, conceptual, stats, params}. `kind` is '' for the op graph or the
   * tag of a Keras model (the op graph when the run has one and the URL asks for nothing else);
   * `stats` the RunMetadata tag when colouring by compute time or memory.
   */
  source(run) {
    const tags = this.app.tags[run] || {};
    const models = tags.conceptualGraphs || [];
    let kind = this.app.state.graphKind;
    if (kind && !models.includes(kind)) kind = '';
    if (!kind && tags.graph !== true) kind = models[0] || '';
    const metadata = kind ? [] : tags.runMetadata || [];
    const stats = STATS_MODES[this.app.state.graphColor] && metadata.length ? (metadata.includes(this.app.state.graphStats) ? this.app.state.graphStats : metadata[0]) : '';
    const params = kind ? { conceptual: 'true', tag: kind } : stats ? { stats } : {};
    return { kind, models, metadata, stats, params, hasOpGraph: tags.graph === true };
  }

  /** The Graph and RunMetadata selects for `run`. */
  renderSourceControls(run) {
    const src = this.source(run);
    const kind = document.getElementById('graph-kind');
    const options = [...(src.hasOpGraph ? [el('option', { value: '' }, 'Op graph')] : []),
      ...src.models.map((tag) => el('option', { value: tag }, `Keras model: ${tag}`))];
    kind.replaceChildren(...options);
    kind.value = src.kind;
    kind.disabled = options.length <= 1;
    const stats = document.getElementById('graph-stats');
    stats.replaceChildren(...src.metadata.map((tag) => el('option', { value: tag }, tag)));
    stats.value = src.stats || src.metadata[0] || '';
    document.getElementById('graph-stats-row').hidden = src.metadata.length === 0;
    for (const option of document.querySelectorAll('#graph-color option')) {
      if (STATS_MODES[option.value]) option.disabled = src.metadata.length === 0;
    }
    return src;
  }

  render() {
    if (!this.view.isConnected) this.root.replaceChildren(this.view);
    const runs = this.graphRuns();
    const select = document.getElementById('graph-run');
    const current = runs.includes(this.app.state.graphRun) ? this.app.state.graphRun : runs[0] || '';
    select.replaceChildren(...runs.map((r) => el('option', { value: r, selected: r === current }, r)));
    if (!current) { this.graph = null; this.run = null; this.details.replaceChildren(el('p', { className: 'empty' }, 'No selected run has a graph.')); this.requestDraw(); return; }
    const key = JSON.stringify(this.renderSourceControls(current).params);
    if (current !== this.run || key !== this.sourceKey) { this.expanded.clear(); this.selected = null; this.load(true, current); }
  }

  async load(refit = false, run = document.getElementById('graph-run').value) {
    this.run = run;
    const token = (this.token = (this.token || 0) + 1);
    const source = this.source(run);
    this.sourceKey = JSON.stringify(source.params);
    let json;
    try {
      json = await getJSON('graph', { run, ...source.params, expand: this.expanded.size ? [...this.expanded].sort().join(',') : undefined });
    } catch (error) {
      if (token !== this.token) return;
      this.graph = null;
      this.details.replaceChildren(el('p', { className: 'error' }, `Could not load the graph: ${error.message}`));
      this.requestDraw();
      return;
    }
    if (token !== this.token) return;
    const nodes = (Array.isArray(json.nodes) ? json.nodes : []).map(readNode);
    const edges = (Array.isArray(json.edges) ? json.edges : []).map(readEdge);
    const byName = new Map(nodes.map((n) => [n.name, n]));
    let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
    for (const n of nodes) {
      minX = Math.min(minX, n.x); minY = Math.min(minY, n.y);
      maxX = Math.max(maxX, n.x + n.width); maxY = Math.max(maxY, n.y + n.height);
    }
    if (!nodes.length) { minX = 0; minY = 0; maxX = num(json.width, 100); maxY = num(json.height, 100); }
    // frames of expanded scopes: the server's boxes (`scopes`), else the bounds of their members
    if (Array.isArray(json.expanded)) this.expanded = new Set(json.expanded.map(String));
    const frames = [];
    if (Array.isArray(json.scopes)) {
      for (const raw of json.scopes) {
        const scope = String(raw.name ?? '');
        frames.push({ scope, depth: scope.split('/').length, x: num(raw.x), y: num(raw.y), width: num(raw.width), height: num(raw.height), count: num(raw.ops, null) });
      }
    } else {
      for (const scope of this.expanded) {
        const inside = nodes.filter((n) => n.name.startsWith(`${scope}/`));
        if (!inside.length) continue;
        let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
        for (const n of inside) { x0 = Math.min(x0, n.x); y0 = Math.min(y0, n.y); x1 = Math.max(x1, n.x + n.width); y1 = Math.max(y1, n.y + n.height); }
        const pad = 8;
        frames.push({ scope, depth: scope.split('/').length, x: x0 - pad, y: y0 - pad - SCOPE_HEADER, width: x1 - x0 + 2 * pad, height: y1 - y0 + 2 * pad + SCOPE_HEADER, count: inside.length });
      }
    }
    frames.sort((a, b) => a.depth - b.depth);
    for (const f of frames) { minX = Math.min(minX, f.x); minY = Math.min(minY, f.y); maxX = Math.max(maxX, f.x + f.width); maxY = Math.max(maxY, f.y + f.height); }
    const outgoing = new Map(); const incoming = new Map();
    for (const e of edges) {
      if (!byName.has(e.source) || !byName.has(e.target)) continue;
      if (!outgoing.has(e.source)) outgoing.set(e.source, []);
      outgoing.get(e.source).push(e);
      if (!incoming.has(e.target)) incoming.set(e.target, []);
      incoming.get(e.target).push(e);
    }
    // ports: a node's edges leave its bottom and enter its top spread across its width, ordered
    // by the other end's position, so they don't all meet in one point
    const centre = (n) => n.x + n.width / 2;
    for (const [name, list] of outgoing) {
      const n = byName.get(name);
      list.sort((a, b) => centre(byName.get(a.target)) - centre(byName.get(b.target)));
      list.forEach((e, i) => { e.sx = n.x + (n.width * (i + 1)) / (list.length + 1); });
    }
    for (const [name, list] of incoming) {
      const n = byName.get(name);
      list.sort((a, b) => centre(byName.get(a.source)) - centre(byName.get(b.source)));
      list.forEach((e, i) => { e.tx = n.x + (n.width * (i + 1)) / (list.length + 1); });
    }
    this.graph = { nodes, edges, byName, frames, outgoing, bounds: { minX, minY, maxX, maxY } };
    this.box.dataset.nodes = String(nodes.length);
    this.box.dataset.edges = String(edges.length);
    this.box.dataset.expanded = [...this.expanded].sort().join(',');
    this.box.dataset.conceptual = source.kind;
    this.box.dataset.stats = source.stats;
    document.getElementById('graph-names').replaceChildren(...nodes.slice(0, 5000).map((n) => el('option', { value: n.name })));
    if (this.selected && !byName.has(this.selected)) this.selected = null;
    if (refit) this.fit();
    this.showDetails();
    this.renderLegend();
    this.draw();
    this.box.dataset.loads = String(Number(this.box.dataset.loads || 0) + 1);
  }

  fit() {
    if (!this.graph) return;
    const { minX, minY, maxX, maxY } = this.graph.bounds;
    const W = this.box.clientWidth || 800; const H = this.box.clientHeight || 600;
    const k = Math.min(1.5, 0.95 * Math.min(W / Math.max(1, maxX - minX), H / Math.max(1, maxY - minY)));
    this.k = k;
    this.tx = (W - (maxX - minX) * k) / 2 - minX * k;
    this.ty = (H - (maxY - minY) * k) / 2 - minY * k;
  }

  /** The colouring in force: a statistic needs the run's step statistics loaded. */
  colorMode() {
    const mode = this.app.state.graphColor;
    return STATS_MODES[mode] && !this.box.dataset.stats ? 'op' : mode;
  }

  categoryOf(node) {
    return this.app.state.graphColor === 'device' ? (node.device || 'unknown device') : node.op || 'unknown op';
  }

  /** Colours for the categories (op types or devices): the most frequent get distinct palette colours. */
  assignColors() {
    this.stats = STATS_MODES[this.colorMode()] ? statsColoring(this.graph?.nodes || [], this.colorMode()) : null;
    const counts = new Map();
    for (const n of this.graph?.nodes || []) {
      if (n.isScope) continue;
      const key = this.categoryOf(n);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    this.categories = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    this.colors = new Map(this.categories.map(([key], i) => [key, i < PALETTE.length ? PALETTE[i] : categoryColor(key)]));
  }

  colorOf(node) {
    if (this.stats) return this.stats.colorOf(node);
    if (node.isScope) return null;
    return this.colors?.get(this.categoryOf(node)) || categoryColor(this.categoryOf(node));
  }

  renderLegend() {
    this.assignColors();
    if (!this.graph) { this.legend.replaceChildren(); return; }
    if (this.stats) { this.legend.replaceChildren(...this.stats.legend); return; }
    const byDevice = this.app.state.graphColor === 'device';
    const fallback = STATS_MODES[this.app.state.graphColor] ? el('p', { className: 'hint' }, 'This graph has no step statistics: coloured by op type.') : null;
    this.legend.replaceChildren(...(fallback ? [fallback] : []), el('strong', {}, byDevice ? 'Devices' : 'Op types'), ...this.categories.slice(0, 20).map(([key, n]) => {
      const sw = el('span', { className: 'swatch' }); sw.style.background = this.colors.get(key);
      return el('span', {}, sw, `${key} (${n})`);
    }));
  }

  /** The node's centre in page (client) coordinates, for tests and keyboard focus. */
  nodeClientCenter(name) {
    const n = this.graph?.byName.get(name);
    if (!n) return null;
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + this.tx + (n.x + n.width / 2) * this.k, y: r.top + this.ty + (n.y + n.height / 2) * this.k };
  }

  draw() {
    const { ctx, width, height } = fitCanvas(this.canvas);
    const t0 = performance.now();
    ctx.clearRect(0, 0, width, height);
    if (!this.graph) return;
    const ratio = window.devicePixelRatio || 1;
    const { k, tx, ty } = this;
    ctx.setTransform(ratio * k, 0, 0, ratio * k, ratio * tx, ratio * ty);
    const vx0 = -tx / k; const vy0 = -ty / k; const vx1 = (width - tx) / k; const vy1 = (height - ty) / k;
    const inView = (x, y, w, h) => x + w >= vx0 && x <= vx1 && y + h >= vy0 && y <= vy1;
    const fg = cssVar('--fg'); const muted = cssVar('--muted'); const border = cssVar('--border'); const accent = cssVar('--accent'); const card = cssVar('--card');
    const labels = k >= 0.45;
    // expanded scope frames
    for (const f of this.graph.frames) {
      if (!inView(f.x, f.y, f.width, f.height)) continue;
      ctx.fillStyle = 'rgba(127,127,127,0.07)'; ctx.strokeStyle = border; ctx.lineWidth = 1 / k;
      ctx.beginPath(); ctx.roundRect(f.x, f.y, f.width, f.height, 6); ctx.fill(); ctx.stroke();
      if (labels) {
        ctx.fillStyle = muted; ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle'; ctx.textAlign = 'left';
        ctx.fillText(`▾ ${f.scope}`, f.x + 6, f.y + SCOPE_HEADER / 2 + 1, f.width - 12);
      }
    }
    // edges, batched by style
    const byName = this.graph.byName;
    const plain = new Path2D(); const control = new Path2D(); const lit = new Path2D();
    const arrows = new Path2D();
    const edgeLabels = [];
    for (const e of this.graph.edges) {
      const s = byName.get(e.source); const t = byName.get(e.target);
      if (!s || !t) continue;
      const x0 = e.sx ?? s.x + s.width / 2; const y0 = s.y + s.height; const x1 = e.tx ?? t.x + t.width / 2; const y1 = t.y;
      const up = y1 < y0;
      const sy = up ? s.y : y0; const ey = up ? t.y + t.height : y1;
      if (!inView(Math.min(x0, x1), Math.min(sy, ey), Math.abs(x1 - x0) + 1, Math.abs(ey - sy) + 1)) continue;
      const path = (this.selected && (e.source === this.selected || e.target === this.selected)) ? lit : e.control ? control : plain;
      const bend = (ey - sy) / 2;
      path.moveTo(x0, sy);
      path.bezierCurveTo(x0, sy + bend, x1, ey - bend, x1, ey);
      const dir = up ? 1 : -1;
      arrows.moveTo(x1, ey); arrows.lineTo(x1 - 4, ey + dir * 7); arrows.lineTo(x1 + 4, ey + dir * 7); arrows.closePath();
      if (labels && k >= 0.7) {
        const text = [shapeText(e.shape), e.count > 1 ? `×${e.count}` : ''].filter(Boolean).join(' ');
        if (text) edgeLabels.push([text, (x0 + x1) / 2, (sy + ey) / 2]);
      }
    }
    ctx.lineWidth = 1.2 / Math.max(k, 0.5);
    ctx.strokeStyle = muted; ctx.setLineDash([]); ctx.stroke(plain);
    ctx.setLineDash([4, 3]); ctx.stroke(control); ctx.setLineDash([]);
    ctx.strokeStyle = accent; ctx.lineWidth = 2 / Math.max(k, 0.5); ctx.stroke(lit);
    ctx.fillStyle = muted; ctx.fill(arrows);
    if (edgeLabels.length < 2000) {
      ctx.font = '10px system-ui, sans-serif'; ctx.fillStyle = muted; ctx.textAlign = 'left';
      for (const [text, x, y] of edgeLabels) ctx.fillText(text, x + 4, y);
    }
    // nodes
    ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle'; ctx.textAlign = 'center';
    let drawn = 0;
    for (const n of this.graph.nodes) {
      if (!inView(n.x, n.y, n.width, n.height)) continue;
      drawn++;
      const color = this.colorOf(n);
      ctx.beginPath();
      ctx.roundRect(n.x, n.y, n.width, n.height, n.isScope ? 8 : Math.min(n.height / 2, 10));
      ctx.fillStyle = card; ctx.fill();
      if (color) { ctx.globalAlpha = this.stats ? 0.75 : 0.35; ctx.fillStyle = color; ctx.fill(); ctx.globalAlpha = 1; }
      ctx.lineWidth = (n.name === this.selected ? 3 : n.isScope ? 1.5 : 1.2) / Math.max(k, 0.5);
      ctx.strokeStyle = n.name === this.selected ? accent : color || fg;
      ctx.stroke();
      if (labels) {
        ctx.fillStyle = fg;
        const text = n.isScope ? `▸ ${n.label}${n.childCount !== null ? ` (${n.childCount})` : ''}` : n.label;
        ctx.fillText(text, n.x + n.width / 2, n.y + n.height / 2, n.width - 6);
      }
    }
    this.box.dataset.drawnNodes = String(drawn);
    this.lastDrawMs = performance.now() - t0;
  }

  /** The node or expanded-scope frame header under client point (cx, cy). */
  hit(cx, cy) {
    if (!this.graph) return null;
    const r = this.canvas.getBoundingClientRect();
    const x = (cx - r.left - this.tx) / this.k; const y = (cy - r.top - this.ty) / this.k;
    const nodes = this.graph.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      if (x >= n.x && x <= n.x + n.width && y >= n.y && y <= n.y + n.height) return { node: n };
    }
    for (let i = this.graph.frames.length - 1; i >= 0; i--) {
      const f = this.graph.frames[i];
      if (x >= f.x && x <= f.x + f.width && y >= f.y && y <= f.y + SCOPE_HEADER) return { frame: f };
    }
    return null;
  }

  toggleScope(scope) {
    if (this.expanded.has(scope)) {
      for (const s of [...this.expanded]) if (s === scope || s.startsWith(`${scope}/`)) this.expanded.delete(s);
      this.selected = scope;
    } else {
      this.expanded.add(scope);
    }
    this.load(false);
  }

  select(name) {
    this.selected = name;
    this.showDetails();
    this.requestDraw();
  }

  bind() {
    const c = this.canvas;
    let down = null;
    c.addEventListener('mousedown', (e) => { if (e.button === 0) down = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, moved: false }; });
    this.onMove = (e) => {
      if (!down) return;
      const dx = e.clientX - down.x; const dy = e.clientY - down.y;
      if (!down.moved && Math.hypot(dx, dy) < 4) return;
      down.moved = true; c.classList.add('dragging');
      this.tx = down.tx + dx; this.ty = down.ty + dy; this.requestDraw();
    };
    this.onUp = (e) => {
      if (!down) return;
      const click = !down.moved; down = null; c.classList.remove('dragging');
      if (!click) return;
      const hit = this.hit(e.clientX, e.clientY);
      if (!hit) { this.select(null); return; }
      if (hit.frame) { this.toggleScope(hit.frame.scope); return; }
      if (hit.node.isScope) { this.selected = hit.node.name; this.toggleScope(hit.node.name); return; }
      this.select(hit.node.name);
    };
    window.addEventListener('mousemove', this.onMove);
    window.addEventListener('mouseup', this.onUp);
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      this.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    c.addEventListener('keydown', (e) => {
      const step = 60;
      const handled = {
        ArrowLeft: () => { this.tx += step; }, ArrowRight: () => { this.tx -= step; },
        ArrowUp: () => { this.ty += step; }, ArrowDown: () => { this.ty -= step; },
        '+': () => this.zoomAt(1.25), '=': () => this.zoomAt(1.25), '-': () => this.zoomAt(0.8),
        0: () => this.fit(),
        Enter: () => { const n = this.graph?.byName.get(this.selected); if (n?.isScope) this.toggleScope(n.name); },
        Escape: () => this.select(null),
      }[e.key];
      if (!handled) return;
      e.preventDefault(); handled(); this.requestDraw();
    });
  }

  zoomAt(factor, px = this.box.clientWidth / 2, py = this.box.clientHeight / 2) {
    const k = Math.min(8, Math.max(0.02, this.k * factor));
    const f = k / this.k;
    this.tx = px - (px - this.tx) * f; this.ty = py - (py - this.ty) * f; this.k = k;
    this.requestDraw();
  }

  centerOn(name) {
    const n = this.graph?.byName.get(name);
    if (!n) return;
    if (this.k < 0.8) this.k = 1;
    this.tx = this.box.clientWidth / 2 - (n.x + n.width / 2) * this.k;
    this.ty = this.box.clientHeight / 2 - (n.y + n.height / 2) * this.k;
  }

  /** Finds a node by name (exact, else the first containing the text), expanding its scopes; a
   * name hidden in collapsed scopes is looked up with the server's `search`. */
  async find(text) {
    const query = text.trim();
    if (!query || !this.graph) return;
    const lower = query.toLowerCase();
    let node = this.graph.byName.get(query) || this.graph.nodes.find((n) => n.name.toLowerCase().includes(lower));
    if (!node || node.name !== query) {
      // the node may be inside collapsed scopes: expand the ones on its path and look again
      const parts = query.split('/');
      let changed = false;
      for (let i = 1; i < parts.length; i++) {
        const scope = parts.slice(0, i).join('/');
        if (!this.expanded.has(scope)) { this.expanded.add(scope); changed = true; }
      }
      if (changed) {
        await this.load(false);
        node = this.graph?.byName.get(query) || this.graph?.nodes.find((n) => n.name.toLowerCase().includes(lower)) || node;
      }
    }
    if (!node && this.run) {
      // not on screen: ask the server, which searches every op, and expand the scopes around the first match
      const found = await getJSON('graph', { run: this.run, ...this.source(this.run).params, search: query }).catch(() => null);
      const match = found && found.matches && found.matches[0];
      if (match) {
        const parts = match.scope ? match.scope.split('/') : [];
        for (let i = 1; i <= parts.length; i++) this.expanded.add(parts.slice(0, i).join('/'));
        await this.load(false);
        node = this.graph?.byName.get(match.name) || null;
      }
    }
    if (!node) { this.details.prepend(el('p', { className: 'error' }, `No node matches “${query}”.`)); return; }
    this.selected = node.name;
    this.centerOn(node.name);
    this.showDetails();
    this.requestDraw();
  }

  showDetails() {
    const parts = [];
    const g = this.graph;
    const n = g && this.selected ? g.byName.get(this.selected) : null;
    if (n) {
      const outputs = (g.outgoing.get(n.name) || []).map((e) => e.target);
      const consumers = g.nodes.filter((m) => m.inputs.some((i) => i.replace(/^\^/, '').replace(/:\d+$/, '') === n.name)).map((m) => m.name);
      const outNames = [...new Set([...outputs, ...consumers])];
      const link = (name) => {
        const b = el('button', { type: 'button', className: 'link' }, name);
        b.addEventListener('click', () => this.find(name.replace(/^\^/, '').replace(/:\d+$/, '')));
        return el('li', {}, b);
      };
      const attrs = Object.entries(n.attrs);
      const dl = el('dl', {},
        el('dt', {}, 'op'), el('dd', { className: 'op' }, n.isScope ? ['scope', n.childCount !== null ? `, ${n.childCount} members` : '', n.opCount !== null ? `, ${n.opCount} ops` : ''].join('') : n.op),
        el('dt', {}, 'device'), el('dd', { className: 'device' }, n.device || '—'),
        ...Object.keys(STATS_MODES).filter(() => this.box.dataset.stats).flatMap((mode) => {
          const value = statsValue(n, mode);
          return [el('dt', {}, mode === 'compute' ? 'compute time' : 'memory'), el('dd', { className: mode }, value === null ? '—' : formatStat(value, mode))];
        }),
        el('dt', {}, 'output shapes'), el('dd', { className: 'shapes' }, n.outputShapes.length ? n.outputShapes.map(shapeText).join(', ') : '—'),
        el('dt', {}, 'inputs'), el('dd', { className: 'inputs' }, n.inputs.length ? el('ul', {}, n.inputs.map(link)) : '—'),
        el('dt', {}, 'outputs'), el('dd', { className: 'outputs' }, outNames.length ? el('ul', {}, outNames.map(link)) : '—'),
        el('dt', {}, 'attrs'), el('dd', { className: 'attrs' }, attrs.length ? el('ul', {}, attrs.map(([k, v]) => el('li', {}, `${k}: ${valueText(v)}`))) : '—'));
      parts.push(el('h3', {}, n.name), dl);
      const buttons = [];
      if (n.isScope) {
        const b = el('button', { type: 'button' }, 'Expand'); b.addEventListener('click', () => this.toggleScope(n.name)); buttons.push(b);
      }
      for (const scope of [...this.expanded].filter((s) => n.name.startsWith(`${s}/`)).sort()) {
        const b = el('button', { type: 'button' }, `Collapse ${scope}`); b.addEventListener('click', () => this.toggleScope(scope)); buttons.push(b);
      }
      if (buttons.length) parts.push(el('div', { className: 'buttons' }, buttons));
    } else if (g) {
      parts.push(el('h3', {}, `Run ${this.run}`),
        el('p', { className: 'hint' }, `${g.nodes.length} nodes (${g.nodes.filter((m) => m.isScope).length} collapsed scopes), ${g.edges.length} edges. Click a node for its details.`));
    }
    parts.push(this.legend);
    this.details.replaceChildren(...parts);
    this.details.dataset.selected = n ? n.name : '';
  }

  update(changes) {
    const runs = this.graphRuns();
    this.render();
    if (this.run && runs.includes(this.run) && (changes.runs || []).includes(this.run)) {
      const tags = changes.tags?.[this.run] || [];
      if (tags.some((t) => /graph/i.test(t)) || tags.length === 0) this.load(false);
    }
  }

  settingsChanged(what) {
    if (what === 'graphColor' || what === 'graphKind' || what === 'graphStats') {
      // the colouring by a statistic, another RunMetadata step or the Keras model need another answer
      const key = this.run ? JSON.stringify(this.renderSourceControls(this.run).params) : this.sourceKey;
      if (key !== this.sourceKey) { if (what !== 'graphColor') this.expanded.clear(); this.load(what === 'graphKind'); return; }
      this.renderLegend(); this.showDetails(); this.requestDraw();
    } else if (what === 'theme') this.requestDraw();
    else if (what === 'graphRun') { this.expanded.clear(); this.selected = null; this.load(true); }
    else if (['runs', 'runFilter'].includes(what)) this.render();
  }

  destroy() {
    this.resize.disconnect();
    window.removeEventListener('mousemove', this.onMove);
    window.removeEventListener('mouseup', this.onUp);
    document.getElementById('graph-run').removeEventListener('change', this.onRun);
    const search = document.getElementById('graph-search');
    search.removeEventListener('change', this.onSearch);
    search.removeEventListener('keydown', this.onSearch);
    document.getElementById('graph-fit').removeEventListener('click', this.onFit);
    document.getElementById('graph-kind').removeEventListener('change', this.onKind);
    document.getElementById('graph-stats').removeEventListener('change', this.onStats);
  }
}
