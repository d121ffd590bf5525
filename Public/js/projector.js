// The Projector tab: an embedding's points in 2-D or 3-D, placed by PCA (computed by the server,
// choose the components) or t-SNE (streamed from the server as it runs: perplexity, learning rate,
// pause and resume), drawn with WebGL. Colour and label by a metadata column, search the metadata
// (regex) to highlight matches, click a point to list its nearest neighbours (cosine and
// Euclidean, from the server); sprites drawn as point textures when the embedding has them.
// Orbit (drag), pan (shift- or right-drag) and zoom (wheel).
import { apiURL, getJSON } from './api.js';
import { PALETTE } from './colors.js';
import { el, userRegExp } from './dom.js';
import { PointRaster, softwareRenderer } from './pointraster.js';
import { createProgram, fitDrawingBuffer, OrbitCamera, parseColor, webglContext } from './webgl.js';

const VERTEX = `
attribute vec3 position;
attribute vec3 color;
attribute float cell;
uniform mat4 matrix;
uniform float pointSize;
uniform float spriteColumns;
varying vec3 vColor;
varying vec2 vCell;
void main() {
  gl_Position = matrix * vec4(position, 1.0);
  gl_PointSize = pointSize;
  vColor = color;
  vCell = vec2(mod(cell, spriteColumns), floor(cell / spriteColumns));
}`;

const FRAGMENT = `
precision mediump float;
varying vec3 vColor;
varying vec2 vCell;
uniform float useSprite;
uniform float ring;
uniform sampler2D sprite;
uniform vec2 cellScale;
void main() {
  vec2 p = gl_PointCoord * 2.0 - 1.0;
  if (useSprite > 0.5) {
    gl_FragColor = texture2D(sprite, (vCell + gl_PointCoord) * cellScale);
    if (ring > 0.5 && max(abs(p.x), abs(p.y)) > 0.8) gl_FragColor = vec4(vColor, 1.0);
    return;
  }
  float r = dot(p, p);
  if (r > 1.0) discard;
  vec3 c = vColor;
  if (ring > 0.5 && r > 0.45) c = vec3(0.05, 0.05, 0.05);
  gl_FragColor = vec4(c, 1.0);
}`;

const HIGHLIGHT = { match: [255, 196, 0], neighbor: [255, 120, 0], selected: [220, 20, 60] };

/** Parses metadata TSV: a header when the first line has a tab (TensorBoard's rule), else one `label` column. */
export function parseMetadata(text, rows) {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const header = lines.length && lines[0].includes('\t') ? lines.shift().split('\t') : ['label'];
  const values = lines.slice(0, rows).map((line) => line.replace(/\r$/, '').split('\t'));
  return { columns: header, rows: values };
}

/** Decodes base64 of little-endian float32 values. */
function floatsFromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export class ProjectorView {
  constructor(app, root) {
    this.app = app; this.root = root;
    this.camera = new OrbitCamera();
    this.settings = { method: 'pca', dims: 3, components: [0, 1, 2], perplexity: 30, learningRate: '', colorBy: '', labelBy: '', search: '', sprites: true, renderer: 'auto' };
    this.points = 0; this.selected = -1; this.neighbors = []; this.matches = [];
    this.perf = { firstFrame: null, started: performance.now() };
    this.frameRequested = false;
    this.build();
  }

  build() {
    const select = (label, id) => {
      const node = el('select', { id });
      return [node, el('label', { htmlFor: id }, label, ' ', node)];
    };
    [this.runSelect, this.runLabel] = select('Run', 'projector-run');
    [this.embeddingSelect, this.embeddingLabel] = select('Embedding', 'projector-embedding');
    [this.methodSelect, this.methodLabel] = select('Method', 'projector-method');
    this.methodSelect.append(el('option', { value: 'pca' }, 'PCA'), el('option', { value: 'tsne' }, 't-SNE'));
    [this.dimsSelect, this.dimsLabel] = select('View', 'projector-dims');
    this.dimsSelect.append(el('option', { value: '3' }, '3-D'), el('option', { value: '2' }, '2-D'));
    this.componentSelects = [0, 1, 2].map((i) => el('select', { id: `projector-pc${i}`, attrs: { 'aria-label': `Component ${'XYZ'[i]}` } }));
    this.pcaBox = el('span', { className: 'projector-group' }, 'Components ', ...this.componentSelects);
    this.perplexityInput = el('input', { id: 'projector-perplexity', type: 'number', min: 2, max: 100, step: 1, value: 30 });
    this.rateInput = el('input', { id: 'projector-rate', type: 'number', min: 1, step: 1, placeholder: 'auto' });
    this.iterationsInput = el('input', { id: 'projector-iterations', type: 'number', min: 1, step: 100, value: 1000 });
    this.tsneButton = el('button', { type: 'button', id: 'projector-tsne-toggle' }, 'Run');
    this.tsneRestart = el('button', { type: 'button', id: 'projector-tsne-restart' }, 'Restart');
    this.iterationText = el('output', { id: 'projector-iteration' }, '');
    this.tsneBox = el('span', { className: 'projector-group', hidden: true },
      el('label', { htmlFor: 'projector-perplexity' }, 'Perplexity ', this.perplexityInput),
      el('label', { htmlFor: 'projector-rate' }, 'Learning rate ', this.rateInput),
      el('label', { htmlFor: 'projector-iterations' }, 'Iterations ', this.iterationsInput), this.tsneButton, this.tsneRestart, this.iterationText);
    [this.colorSelect, this.colorLabel] = select('Colour by', 'projector-color');
    [this.labelSelect, this.labelLabel] = select('Label by', 'projector-label');
    this.searchInput = el('input', { id: 'projector-search', type: 'search', spellcheck: false, placeholder: 'regex' });
    this.searchInfo = el('output', { id: 'projector-search-info' });
    this.spriteBox = el('input', { id: 'projector-sprites', type: 'checkbox', checked: true });
    this.spriteLabel = el('label', { className: 'check', htmlFor: 'projector-sprites', hidden: true }, this.spriteBox, ' Sprites');
    this.toolbar = el('div', { className: 'projector-toolbar' },
      this.runLabel, this.embeddingLabel, this.methodLabel, this.dimsLabel, this.pcaBox, this.tsneBox,
      this.colorLabel, this.labelLabel,
      el('label', { htmlFor: 'projector-search' }, 'Search ', this.searchInput), this.searchInfo, this.spriteLabel);
    this.canvas = el('canvas', { className: 'projector-canvas', tabIndex: 0, attrs: { 'aria-label': 'Embedding: drag to orbit, shift-drag to pan, wheel to zoom, click a point for its neighbours' } });
    this.overlay = el('canvas', { className: 'projector-overlay', attrs: { 'aria-hidden': 'true' } });
    this.message = el('p', { className: 'projector-message', attrs: { role: 'status' } });
    this.stage = el('div', { className: 'projector-stage' }, this.canvas, this.overlay, this.message);
    this.details = el('aside', { className: 'projector-details', attrs: { 'aria-live': 'polite' } }, el('p', { className: 'hint' }, 'Click a point to see its nearest neighbours.'));
    this.root.append(el('div', { className: 'projector-view' }, this.toolbar, el('div', { className: 'projector-body' }, this.stage, this.details)));

    // Without multisampling: points are one to a few pixels, where it shows little, and a software
    // WebGL (SwiftShader, in headless chromium) took twice as long a frame with it (100,000 points
    // orbiting: 78 ms with, 36 ms without).
    this.gl = webglContext(this.canvas, { antialias: false });
    if (!this.gl) { this.message.textContent = 'This browser has no WebGL.'; return; }
    this.program = createProgram(this.gl, VERTEX, FRAGMENT);
    this.software = softwareRenderer(this.gl);
    this.buffers = { position: this.gl.createBuffer(), color: this.gl.createBuffer(), cell: this.gl.createBuffer(),
      hPosition: this.gl.createBuffer(), hColor: this.gl.createBuffer(), hCell: this.gl.createBuffer() };
    this.detach = this.camera.attach(this.canvas, () => this.requestFrame(), { click: (x, y) => this.pick(x, y) });
    this.resize = new ResizeObserver(() => this.requestFrame());
    this.resize.observe(this.stage);

    this.runSelect.addEventListener('change', () => this.loadRun());
    this.embeddingSelect.addEventListener('change', () => this.loadEmbedding());
    this.methodSelect.addEventListener('change', () => { this.settings.method = this.methodSelect.value; this.layout(); });
    this.dimsSelect.addEventListener('change', () => { this.settings.dims = Number(this.dimsSelect.value); this.layout(); });
    this.componentSelects.forEach((s, i) => s.addEventListener('change', () => { this.settings.components[i] = Number(s.value); this.layout(); }));
    this.tsneButton.addEventListener('click', () => this.toggleTSNE());
    this.tsneRestart.addEventListener('click', () => { this.stopTSNE(); this.tsneState = null; this.startTSNE(); });
    this.colorSelect.addEventListener('change', () => { this.settings.colorBy = this.colorSelect.value; this.recolor(); });
    this.labelSelect.addEventListener('change', () => { this.settings.labelBy = this.labelSelect.value; this.requestFrame(); this.showDetails(); });
    this.searchInput.addEventListener('input', () => { this.settings.search = this.searchInput.value; this.search(); });
    this.spriteBox.addEventListener('change', () => { this.settings.sprites = this.spriteBox.checked; this.requestFrame(); });
  }

  runs() { return this.app.visibleRuns().filter((r) => this.app.tags[r]?.projector === true); }

  render() {
    const runs = this.runs();
    const current = this.runSelect.value;
    this.runSelect.replaceChildren(...runs.map((r) => el('option', { value: r }, r)));
    if (runs.includes(current)) this.runSelect.value = current;
    if (!runs.length) { this.message.textContent = 'No run has a projector_config.pbtxt with embeddings.'; return; }
    if (this.run !== this.runSelect.value) this.loadRun();
  }

  update() { /* embeddings are files: a change shows on the next render */ }

  settingsChanged(what) { if (what === 'runs' || what === 'runFilter') this.render(); if (what === 'theme') this.requestFrame(); }

  destroy() {
    this.stopTSNE();
    this.detach?.();
    this.resize?.disconnect();
    this.abort?.abort();
    const lose = this.gl?.getExtension('WEBGL_lose_context');
    lose?.loseContext();
  }

  async loadRun() {
    this.run = this.runSelect.value;
    const generation = this.generation = (this.generation || 0) + 1;
    try {
      const answer = await getJSON('projector', { run: this.run });
      if (generation !== this.generation) return;
      this.embeddings = answer.embeddings || [];
    } catch (error) { this.message.textContent = error.message; return; }
    this.embeddingSelect.replaceChildren(...this.embeddings.map((e) => el('option', { value: e.name }, `${e.name}${e.shape ? ` (${e.shape[0]}×${e.shape[1]})` : ''}`)));
    await this.loadEmbedding();
  }

  async loadEmbedding() {
    const generation = this.generation = (this.generation || 0) + 1;
    this.stopTSNE();
    this.tsneState = null;
    this.embedding = this.embeddings.find((e) => e.name === this.embeddingSelect.value);
    if (!this.embedding) return;
    if (!this.embedding.shape) { this.message.textContent = this.embedding.error || 'The embedding cannot be read.'; return; }
    const [n, d] = this.embedding.shape;
    this.points = n; this.columns = d;
    this.root.dataset.points = String(n);
    this.selected = -1; this.neighbors = []; this.pcaCache = null;
    const pcs = Math.min(d, n, 10);
    for (const [i, s] of this.componentSelects.entries()) {
      s.replaceChildren(...Array.from({ length: pcs }, (_, k) => el('option', { value: k }, `PC ${k + 1}`)));
      this.settings.components[i] = Math.min(i, pcs - 1);
      s.value = String(this.settings.components[i]);
    }
    this.metadata = { columns: [], rows: [] };
    if (this.embedding.metadataColumns?.length) {
      try {
        const response = await fetch(apiURL('projector/metadata', { run: this.run, name: this.embedding.name }));
        if (response.ok) this.metadata = parseMetadata(await response.text(), n);
      } catch (_) { /* no metadata */ }
      if (generation !== this.generation) return;
    }
    const options = this.metadata.columns.map((c, i) => el('option', { value: String(i) }, c));
    this.colorSelect.replaceChildren(el('option', { value: '' }, 'none'), ...options.map((o) => o.cloneNode(true)));
    this.labelSelect.replaceChildren(el('option', { value: '' }, 'index'), ...options);
    this.settings.colorBy = this.metadata.columns.length ? '0' : '';
    this.settings.labelBy = this.metadata.columns.length ? '0' : '';
    this.colorSelect.value = this.settings.colorBy; this.labelSelect.value = this.settings.labelBy;
    this.loadSprite();
    this.recolor(false);
    this.search(false);
    this.showDetails();
    await this.layout();
  }

  loadSprite() {
    this.spriteTexture = null;
    const sprite = this.embedding.sprite;
    this.spriteLabel.hidden = !sprite;
    if (!sprite || !sprite.singleImageWidth) return;
    const image = new Image();
    image.onload = () => {
      const gl = this.gl;
      const texture = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, image);
      for (const [k, v] of [[gl.TEXTURE_MIN_FILTER, gl.LINEAR], [gl.TEXTURE_MAG_FILTER, gl.NEAREST], [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) gl.texParameteri(gl.TEXTURE_2D, k, v);
      this.spriteTexture = texture;
      this.spriteInfo = { columns: Math.floor(sprite.width / sprite.singleImageWidth), scale: [sprite.singleImageWidth / sprite.width, sprite.singleImageHeight / sprite.height] };
      const cells = new Float32Array(this.points);
      for (let i = 0; i < cells.length; i++) cells[i] = i;
      this.cells = cells;
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.cell);
      gl.bufferData(gl.ARRAY_BUFFER, cells, gl.STATIC_DRAW);
      this.uploadHighlights();
      this.requestFrame();
    };
    image.src = apiURL('projector/sprite', { run: this.run, name: this.embedding.name });
  }

  /** Places the points by the chosen method. */
  async layout() {
    this.pcaBox.hidden = this.settings.method !== 'pca';
    this.tsneBox.hidden = this.settings.method !== 'tsne';
    this.componentSelects[2].hidden = this.settings.dims !== 3;
    this.camera.mode3d = this.settings.dims === 3;
    if (this.settings.method === 'tsne') {
      this.stopTSNE();
      this.tsneState = null;
      this.startTSNE();
      return;
    }
    this.stopTSNE();
    const wanted = Math.max(...this.settings.components.slice(0, this.settings.dims)) + 1;
    const k = Math.min(this.columns, this.points, Math.max(3, wanted));
    if (!this.pcaCache || this.pcaCache.k < k) {
      const generation = this.generation;
      this.message.textContent = 'Computing PCA…';
      this.abort?.abort();
      this.abort = new AbortController();
      try {
        const answer = await getJSON('projector/pca', { run: this.run, name: this.embedding.name, components: k }, { signal: this.abort.signal });
        if (generation !== this.generation) return;
        const flat = new Float32Array(this.points * k);
        answer.components.forEach((row, i) => { for (let c = 0; c < k; c++) flat[i * k + c] = row[c]; });
        this.pcaCache = { k, flat, variance: answer.explainedVarianceRatio || [] };
      } catch (error) { if (error.name !== 'AbortError') this.message.textContent = error.message; return; }
      this.message.textContent = '';
    }
    const { k: stride, flat, variance } = this.pcaCache;
    const positions = new Float32Array(this.points * 3);
    const comps = this.settings.components;
    for (let i = 0; i < this.points; i++) {
      for (let a = 0; a < 3; a++) positions[i * 3 + a] = a < this.settings.dims ? flat[i * stride + comps[a]] : 0;
    }
    this.componentSelects.forEach((s) => { for (const o of s.options) o.textContent = `PC ${Number(o.value) + 1}${variance[o.value] !== undefined ? ` (${(variance[o.value] * 100).toFixed(1)}%)` : ''}`; });
    this.setPositions(positions, true);
  }

  /** Uploads positions (n × 3), centred and scaled to unit radius. */
  setPositions(raw, resetCamera) {
    const n = this.points;
    const centre = [0, 0, 0];
    for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) centre[a] += raw[i * 3 + a] / n;
    let radius = 0;
    for (let i = 0; i < n; i++) {
      const dx = raw[i * 3] - centre[0], dy = raw[i * 3 + 1] - centre[1], dz = raw[i * 3 + 2] - centre[2];
      radius = Math.max(radius, dx * dx + dy * dy + dz * dz);
    }
    const scale = radius > 0 ? 1 / Math.sqrt(radius) : 1;
    const positions = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) positions[i * 3 + a] = (raw[i * 3 + a] - centre[a]) * scale;
    this.positions = positions;
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.position);
    gl.bufferData(gl.ARRAY_BUFFER, positions, gl.DYNAMIC_DRAW);
    if (resetCamera) { this.camera.reset(1); this.camera.mode3d = this.settings.dims === 3; }
    this.root.dataset.shown = `${this.run}/${this.embedding.name}/${this.settings.method}`;
    this.uploadHighlights();
    this.requestFrame();
  }

  // ---- t-SNE ----
  startTSNE() {
    const resume = this.tsneState?.iteration;
    this.tsneState = this.tsneState || { iteration: 0, iterations: 1000 };
    const iterations = Math.max(1, Math.round(Number(this.iterationsInput.value) || 1000));
    const params = { run: this.run, name: this.embedding.name, dims: this.settings.dims, perplexity: Number(this.perplexityInput.value) || 30, seed: 0, iterations, every: this.points > 200000 ? 5 : 10 };
    if (this.rateInput.value) params.learningRate = Number(this.rateInput.value);
    if (resume) params.resume = resume;
    const source = new EventSource(apiURL('projector/tsne', params));
    this.source = source;
    this.tsneButton.textContent = 'Pause';
    this.iterationText.textContent = resume ? `resuming at ${resume}…` : 'computing affinities…';
    source.addEventListener('start', (event) => {
      const info = JSON.parse(event.data);
      this.tsneState.iterations = info.iterations;
    });
    source.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      const values = floatsFromBase64(frame.positions);
      const positions = new Float32Array(this.points * 3);
      for (let i = 0; i < this.points; i++) for (let a = 0; a < frame.dims; a++) positions[i * 3 + a] = values[i * frame.dims + a];
      const first = this.tsneState.iteration === 0 && !resume;
      this.tsneState.iteration = frame.iteration;
      this.iterationText.textContent = `iteration ${frame.iteration} / ${this.tsneState.iterations}`;
      this.root.dataset.iteration = String(frame.iteration);
      this.setPositions(positions, first);
    };
    source.addEventListener('done', () => { this.stopTSNE(); this.tsneButton.textContent = 'Run'; this.iterationText.textContent = `done: ${this.tsneState.iteration} iterations`; this.tsneState = null; });
    source.addEventListener('error', (event) => {
      if (event.data) { try { this.iterationText.textContent = JSON.parse(event.data).error; } catch (_) { /* not JSON */ } }
      this.stopTSNE();
    });
  }

  stopTSNE() {
    if (this.source) { this.source.close(); this.source = null; }
    this.tsneButton.textContent = this.tsneState ? 'Resume' : 'Run';
  }

  toggleTSNE() {
    if (this.source) {
      this.stopTSNE();
      this.iterationText.textContent = `paused at ${this.tsneState?.iteration ?? 0}`;
    } else {
      this.startTSNE();
    }
  }

  // ---- colour, search, selection ----
  recolor(draw = true) {
    const n = this.points;
    const colors = new Uint8Array(n * 3);
    const column = this.settings.colorBy === '' ? -1 : Number(this.settings.colorBy);
    const base = parseColor('#1f77d4');
    if (column < 0 || !this.metadata.rows.length) {
      for (let i = 0; i < n; i++) colors.set(base, i * 3);
    } else {
      const values = this.metadata.rows.map((r) => r[column] ?? '');
      const distinct = [...new Set(values)];
      const numeric = distinct.length > PALETTE.length && values.every((v) => v !== '' && Number.isFinite(Number(v)));
      if (numeric) {
        const numbers = values.map(Number);
        let lo = Infinity, hi = -Infinity;
        for (const v of numbers) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        for (let i = 0; i < n; i++) {
          const t = hi > lo ? (numbers[i] - lo) / (hi - lo) : 0.5;
          colors.set([Math.round(40 + 200 * t), Math.round(90 + 60 * (1 - Math.abs(2 * t - 1))), Math.round(220 - 180 * t)], i * 3);
        }
      } else {
        const order = new Map(distinct.sort().map((v, i) => [v, parseColor(PALETTE[i % PALETTE.length])]));
        for (let i = 0; i < n; i++) colors.set(order.get(values[i]) || base, i * 3);
      }
    }
    this.colors = colors;
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.color);
    gl.bufferData(gl.ARRAY_BUFFER, colors, gl.STATIC_DRAW);
    if (draw) this.requestFrame();
  }

  label(i) {
    const column = this.settings.labelBy === '' ? -1 : Number(this.settings.labelBy);
    return column >= 0 && this.metadata.rows[i] ? String(this.metadata.rows[i][column] ?? '') : `#${i}`;
  }

  search(draw = true) {
    let re = null;
    try { re = userRegExp(this.settings.search); this.searchInput.removeAttribute('aria-invalid'); } catch (e) {
      this.searchInput.setAttribute('aria-invalid', 'true'); this.searchInfo.textContent = 'not a valid regex'; return;
    }
    this.matches = [];
    if (re) {
      for (let i = 0; i < this.points; i++) {
        const row = this.metadata.rows[i];
        if (row ? row.some((v) => re.test(v)) : re.test(String(i))) this.matches.push(i);
      }
    }
    this.searchInfo.textContent = re ? `${this.matches.length} match${this.matches.length === 1 ? '' : 'es'}` : '';
    this.root.dataset.matches = String(this.matches.length);
    this.uploadHighlights();
    if (draw) this.requestFrame();
  }

  /** The points drawn on top: search matches, the selected point and its neighbours. */
  highlighted() {
    const out = new Map();
    for (const i of this.matches) out.set(i, HIGHLIGHT.match);
    for (const i of this.neighbors) out.set(i, HIGHLIGHT.neighbor);
    if (this.selected >= 0) out.set(this.selected, HIGHLIGHT.selected);
    return out;
  }

  uploadHighlights() {
    if (!this.gl || !this.positions) return;
    const list = this.highlighted();
    const count = list.size;
    const positions = new Float32Array(count * 3), colors = new Uint8Array(count * 3), cells = new Float32Array(count);
    let k = 0;
    for (const [i, color] of list) {
      positions.set(this.positions.subarray(i * 3, i * 3 + 3), k * 3);
      colors.set(color, k * 3);
      cells[k] = i;
      k++;
    }
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.hPosition); gl.bufferData(gl.ARRAY_BUFFER, positions, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.hColor); gl.bufferData(gl.ARRAY_BUFFER, colors, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.hCell); gl.bufferData(gl.ARRAY_BUFFER, cells, gl.DYNAMIC_DRAW);
    this.highlightCount = count;
    this.highlightList = [...list.keys()];
    this.highlightPositions = positions; this.highlightColors = colors;
  }

  /** Screen position (CSS pixels) of point i under the current matrix, or null when behind the camera. */
  project(i, matrix, width, height) {
    const x = this.positions[i * 3], y = this.positions[i * 3 + 1], z = this.positions[i * 3 + 2];
    const w = matrix[3] * x + matrix[7] * y + matrix[11] * z + matrix[15];
    if (w <= 0) return null;
    const px = (matrix[0] * x + matrix[4] * y + matrix[8] * z + matrix[12]) / w;
    const py = (matrix[1] * x + matrix[5] * y + matrix[9] * z + matrix[13]) / w;
    return [(px + 1) / 2 * width, (1 - py) / 2 * height];
  }

  pick(x, y) {
    if (!this.positions) return;
    const width = this.canvas.clientWidth, height = this.canvas.clientHeight;
    const matrix = this.camera.matrix(width / height);
    let best = -1, bestDistance = 10 * 10;
    for (let i = 0; i < this.points; i++) {
      const p = this.project(i, matrix, width, height);
      if (!p) continue;
      const d = (p[0] - x) ** 2 + (p[1] - y) ** 2;
      if (d < bestDistance) { bestDistance = d; best = i; }
    }
    this.select(best);
  }

  /** Selects point i (−1 for none) and lists its nearest neighbours. */
  async select(i) {
    this.selected = i; this.neighbors = []; this.neighborLists = null;
    this.root.dataset.selected = String(i);
    this.uploadHighlights(); this.requestFrame(); this.showDetails();
    if (i < 0) return;
    try {
      const answer = await getJSON('projector/neighbors', { run: this.run, name: this.embedding.name, index: i, k: 10 });
      if (this.selected !== i) return;
      this.neighborLists = answer;
      this.neighbors = answer.cosine.map((n) => n.index);
      this.uploadHighlights(); this.requestFrame(); this.showDetails();
    } catch (error) { this.details.append(el('p', { className: 'error' }, error.message)); }
  }

  showDetails() {
    if (this.selected < 0) {
      this.details.replaceChildren(el('p', { className: 'hint' }, 'Click a point to see its nearest neighbours.'));
      return;
    }
    const header = el('h3', {}, `Point ${this.selected}: ${this.label(this.selected)}`);
    const meta = this.metadata.rows[this.selected]
      ? el('dl', {}, ...this.metadata.columns.flatMap((c, k) => [el('dt', {}, c), el('dd', {}, this.metadata.rows[this.selected][k] ?? '')]))
      : null;
    const list = (title, items, id) => el('section', {}, el('h4', {}, title), el('ol', { className: 'neighbors', id },
      ...items.map((n) => {
        const button = el('button', { type: 'button', dataset: { index: n.index } }, this.label(n.index));
        button.addEventListener('click', () => this.select(n.index));
        return el('li', {}, button, el('span', { className: 'distance' }, n.distance.toFixed(4)));
      })));
    const lists = this.neighborLists
      ? [list('Nearest by cosine distance', this.neighborLists.cosine, 'neighbors-cosine'), list('Nearest by Euclidean distance', this.neighborLists.euclidean, 'neighbors-euclidean')]
      : [el('p', { className: 'hint' }, 'Finding neighbours…')];
    const clear = el('button', { type: 'button' }, 'Clear selection');
    clear.addEventListener('click', () => this.select(-1));
    this.details.replaceChildren(header, meta, ...lists, clear);
  }

  // ---- drawing ----
  requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => { this.frameRequested = false; this.draw(); });
  }

  /**
   * How points are drawn: `points`, WebGL's own point primitives (needed for sprites), or `raster`,
   * rasterized by PointRaster and shown through WebGL, which a software WebGL draws many times
   * faster. `settings.renderer` is `auto` (raster on a software WebGL), `points` or `raster`.
   */
  renderer() {
    if (this.settings.sprites && this.spriteTexture) return 'points';
    if (this.settings.renderer === 'auto') return this.software ? 'raster' : 'points';
    return this.settings.renderer;
  }

  /** Chooses the renderer (`auto`, `points` or `raster`) and draws. */
  setRenderer(renderer) {
    this.settings.renderer = renderer;
    this.requestFrame();
  }

  draw() {
    const gl = this.gl;
    if (!gl || !this.positions) return;
    const [width, height] = fitDrawingBuffer(this.canvas);
    gl.viewport(0, 0, width, height);
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const bg = dark ? [0.06, 0.07, 0.09] : [1, 1, 1];
    const matrix = this.camera.matrix(width / height);
    const ratio = window.devicePixelRatio || 1;
    const sprites = this.settings.sprites && this.spriteTexture;
    const base = Math.max(1.5, Math.min(6, 6 - Math.log10(Math.max(10, this.points)))) * ratio;
    const renderer = this.renderer();
    this.root.dataset.renderer = renderer;
    if (renderer === 'raster') {
      for (const location of Object.values(this.program.attributes)) if (location >= 0) gl.disableVertexAttribArray(location);
      this.raster = this.raster || new PointRaster(gl);
      this.raster.begin(width, height, bg);
      this.raster.points(this.positions, this.colors, this.points, matrix, base);
      if (this.highlightCount) {
        this.raster.points(this.highlightPositions, this.highlightColors, this.highlightCount, matrix, base * 2 + 4 * ratio, { depthTest: false, ring: true });
      }
      this.raster.present();
    } else {
      this.drawPoints(matrix, bg, base, sprites, ratio);
    }
    this.drawLabels(matrix);
    if (this.perf.firstFrame === null) {
      this.perf.firstFrame = performance.now() - this.perf.started;
      this.root.dataset.firstFrame = String(Math.round(this.perf.firstFrame));
    }
    this.frames = (this.frames || 0) + 1;
    this.root.dataset.frames = String(this.frames);
  }

  /** The frame drawn as WebGL point primitives. */
  drawPoints(matrix, bg, base, sprites, ratio) {
    const gl = this.gl;
    gl.clearColor(bg[0], bg[1], bg[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    const { program, uniforms, attributes } = this.program;
    gl.useProgram(program);
    gl.uniformMatrix4fv(uniforms.matrix, false, matrix);
    gl.uniform1f(uniforms.useSprite, sprites ? 1 : 0);
    if (sprites) {
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, this.spriteTexture);
      gl.uniform1i(uniforms.sprite, 0);
      gl.uniform2f(uniforms.cellScale, this.spriteInfo.scale[0], this.spriteInfo.scale[1]);
      gl.uniform1f(uniforms.spriteColumns, this.spriteInfo.columns);
    } else {
      gl.uniform1f(uniforms.spriteColumns, 1);
    }
    const bind = (buffer, name, size, type, normalized) => {
      const location = attributes[name];
      if (location === undefined || location < 0) return;
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, size, type, normalized, 0, 0);
    };
    const draw = (position, color, cell, count, size, ring) => {
      bind(position, 'position', 3, gl.FLOAT, false);
      bind(color, 'color', 3, gl.UNSIGNED_BYTE, true);
      if (attributes.cell !== undefined && attributes.cell >= 0) {
        if (sprites) bind(cell, 'cell', 1, gl.FLOAT, false);
        else { gl.disableVertexAttribArray(attributes.cell); gl.vertexAttrib1f(attributes.cell, 0); }
      }
      gl.uniform1f(uniforms.pointSize, size);
      gl.uniform1f(uniforms.ring, ring ? 1 : 0);
      gl.drawArrays(gl.POINTS, 0, count);
    };
    gl.enable(gl.DEPTH_TEST);
    draw(this.buffers.position, this.buffers.color, this.buffers.cell, this.points, sprites ? base * 5 : base, false);
    if (this.highlightCount) {
      gl.disable(gl.DEPTH_TEST);
      draw(this.buffers.hPosition, this.buffers.hColor, this.buffers.hCell, this.highlightCount, sprites ? base * 7 : base * 2 + 4 * ratio, true);
    }
  }

  drawLabels(matrix) {
    const ratio = window.devicePixelRatio || 1;
    const width = this.overlay.clientWidth, height = this.overlay.clientHeight;
    if (this.overlay.width !== Math.round(width * ratio) || this.overlay.height !== Math.round(height * ratio)) {
      this.overlay.width = Math.round(width * ratio); this.overlay.height = Math.round(height * ratio);
    }
    const ctx = this.overlay.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const list = [this.selected, ...this.neighbors, ...this.matches.slice(0, 100)].filter((i) => i >= 0);
    if (!list.length) return;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = dark ? '#e6edf3' : '#1f2328';
    ctx.strokeStyle = dark ? '#0f1216' : '#ffffff';
    ctx.lineWidth = 3;
    const seen = new Set();
    for (const i of list) {
      if (seen.has(i)) continue;
      seen.add(i);
      const p = this.project(i, matrix, width, height);
      if (!p) continue;
      const text = this.label(i);
      ctx.strokeText(text, p[0] + 6, p[1] - 6);
      ctx.fillText(text, p[0] + 6, p[1] - 6);
    }
  }

  /**
   * Orbits the camera one small step per frame for `frames` frames, each frame drawn and read back
   * (so the GPU's work is inside the time); resolves with every frame's milliseconds.
   */
  orbitBenchmark(frames = 60) {
    return new Promise((resolve) => {
      const times = [];
      let last = performance.now();
      const pixel = new Uint8Array(4);
      const step = () => {
        this.camera.orbit(6, 0);
        this.draw();
        this.gl.readPixels(0, 0, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, pixel);
        const now = performance.now();
        times.push(now - last);
        last = now;
        if (times.length < frames) requestAnimationFrame(step); else resolve(times);
      };
      requestAnimationFrame(step);
    });
  }
}
