// The Mesh tab: one card per mesh summary (run and mesh name), drawn in 3-D with WebGL: triangles
// with flat shading and vertex colours, or points for a point cloud (no faces); drag to orbit,
// shift-drag to pan, wheel to zoom; a slider picks the step.
import { getJSON } from './api.js';
import { runColor } from './colors.js';
import { el, swatch } from './dom.js';
import { createProgram, fitDrawingBuffer, OrbitCamera, webglContext } from './webgl.js';

const VERTEX = `
attribute vec3 position;
attribute vec3 normal;
attribute vec3 color;
uniform mat4 matrix;
uniform float pointSize;
varying vec3 vColor;
varying vec3 vNormal;
void main() {
  gl_Position = matrix * vec4(position, 1.0);
  gl_PointSize = pointSize;
  vColor = color;
  vNormal = normal;
}`;

const FRAGMENT = `
precision mediump float;
varying vec3 vColor;
varying vec3 vNormal;
uniform float lit;
uniform vec3 light;
void main() {
  float shade = lit > 0.5 ? 0.35 + 0.65 * abs(dot(normalize(vNormal), light)) : 1.0;
  gl_FragColor = vec4(vColor * shade, 1.0);
}`;

const DEFAULT_COLOR = [0.55, 0.62, 0.7];

class MeshCard {
  constructor(run, tag) {
    this.run = run; this.tag = tag; this.entries = []; this.index = 0;
    this.camera = new OrbitCamera();
    this.canvas = el('canvas', { className: 'mesh-canvas', tabIndex: 0, attrs: { 'aria-label': `Mesh ${tag} of run ${run}: drag to orbit, shift-drag to pan, wheel to zoom` } });
    this.slider = el('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, attrs: { 'aria-label': 'Step' } });
    this.stepText = el('output', {}, '');
    this.info = el('div', { className: 'mesh-info' });
    this.element = el('section', { className: 'card mesh', dataset: { run, tag } },
      el('h3', {}, tag), el('div', { className: 'run-name' }, swatch(runColor(run)), run),
      this.canvas, el('label', { className: 'mesh-step' }, 'Step ', this.slider, ' ', this.stepText), this.info);
    this.slider.addEventListener('input', () => { this.index = Number(this.slider.value); this.upload(); });
  }

  async load() {
    try { this.entries = await getJSON('meshes', { run: this.run, tag: this.tag }); } catch (error) { this.info.textContent = error.message; return; }
    this.entries.sort((a, b) => a.step - b.step || (a.sample ?? 0) - (b.sample ?? 0));
    this.slider.max = String(Math.max(0, this.entries.length - 1));
    this.index = this.entries.length - 1;
    this.slider.value = String(this.index);
    this.slider.disabled = this.entries.length < 2;
    this.gl = webglContext(this.canvas);
    if (!this.gl) { this.info.textContent = 'This browser has no WebGL.'; return; }
    this.program = createProgram(this.gl, VERTEX, FRAGMENT);
    this.buffers = { position: this.gl.createBuffer(), normal: this.gl.createBuffer(), color: this.gl.createBuffer() };
    this.detach = this.camera.attach(this.canvas, () => this.requestFrame());
    this.upload(true);
  }

  /** Builds the vertex arrays of the current entry: un-indexed triangles with face normals, or points. */
  upload(resetCamera = false) {
    const entry = this.entries[this.index];
    if (!entry || !this.gl) return;
    const vertices = entry.vertices || [], faces = entry.faces || [], colors = entry.colors;
    const colorOf = (i) => (colors && colors[i] ? colors[i].map((c) => c / 255) : DEFAULT_COLOR);
    let positions, normals, rgb;
    if (faces.length) {
      positions = new Float32Array(faces.length * 9); normals = new Float32Array(faces.length * 9); rgb = new Float32Array(faces.length * 9);
      faces.forEach((face, f) => {
        const [a, b, c] = face.map((i) => vertices[i] || [0, 0, 0]);
        const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]], v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
        const n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
        face.forEach((i, k) => {
          positions.set(vertices[i] || [0, 0, 0], f * 9 + k * 3);
          normals.set(n, f * 9 + k * 3);
          rgb.set(colorOf(i), f * 9 + k * 3);
        });
      });
      this.mode = this.gl.TRIANGLES; this.count = faces.length * 3;
    } else {
      positions = new Float32Array(vertices.flat());
      normals = new Float32Array(positions.length);
      rgb = new Float32Array(vertices.flatMap((_, i) => colorOf(i)));
      this.mode = this.gl.POINTS; this.count = vertices.length;
    }
    const gl = this.gl;
    for (const [buffer, data] of [[this.buffers.position, positions], [this.buffers.normal, normals], [this.buffers.color, rgb]]) {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    }
    if (resetCamera) {
      const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
      for (const v of vertices) for (let a = 0; a < 3; a++) { lo[a] = Math.min(lo[a], v[a]); hi[a] = Math.max(hi[a], v[a]); }
      const radius = vertices.length ? Math.max(1e-6, Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2) : 1;
      this.camera.reset(radius);
      this.camera.target = vertices.length ? [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2] : [0, 0, 0];
    }
    this.stepText.textContent = `${entry.step}${entry.sample ? ` (sample ${entry.sample})` : ''}`;
    this.info.textContent = `${vertices.length} vertices${faces.length ? `, ${faces.length} faces` : ' (point cloud)'}${colors ? ', vertex colours' : ''}`;
    this.element.dataset.step = String(entry.step);
    this.element.dataset.kind = faces.length ? 'mesh' : 'points';
    this.requestFrame();
  }

  requestFrame() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    const gl = this.gl;
    if (!gl || !this.count) return;
    const [width, height] = fitDrawingBuffer(this.canvas);
    gl.viewport(0, 0, width, height);
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    gl.clearColor(dark ? 0.07 : 0.97, dark ? 0.08 : 0.97, dark ? 0.1 : 0.98, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    const { program, uniforms, attributes } = this.program;
    gl.useProgram(program);
    gl.uniformMatrix4fv(uniforms.matrix, false, this.camera.matrix(width / height));
    gl.uniform1f(uniforms.pointSize, 4 * (window.devicePixelRatio || 1));
    gl.uniform1f(uniforms.lit, this.mode === gl.TRIANGLES ? 1 : 0);
    const eye = this.camera.eye(), t = this.camera.target;
    const l = [eye[0] - t[0], eye[1] - t[1] + this.camera.distance * 0.5, eye[2] - t[2]];
    const length = Math.hypot(...l) || 1;
    gl.uniform3f(uniforms.light, l[0] / length, l[1] / length, l[2] / length);
    for (const [name, buffer] of [['position', this.buffers.position], ['normal', this.buffers.normal], ['color', this.buffers.color]]) {
      const location = attributes[name];
      if (location === undefined || location < 0) continue;
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, 3, gl.FLOAT, false, 0, 0);
    }
    gl.drawArrays(this.mode, 0, this.count);
    this.frames = (this.frames || 0) + 1;
    this.element.dataset.frames = String(this.frames);
  }

  destroy() {
    this.detach?.();
    this.gl?.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

export class MeshView {
  constructor(app, root) {
    this.app = app; this.root = root; this.cards = new Map();
    this.grid = el('div', { className: 'cards mesh-cards' });
    this.root.append(this.grid);
  }

  render() {
    const wanted = [];
    for (const run of this.app.visibleRuns()) {
      for (const tag of this.app.tags[run]?.meshes || []) if (this.app.tagMatches(tag)) wanted.push([run, tag]);
    }
    const keys = new Set(wanted.map(([r, t]) => `${r}\u0000${t}`));
    for (const [key, card] of this.cards) if (!keys.has(key)) { card.destroy(); this.cards.delete(key); }
    const order = [];
    for (const [run, tag] of wanted) {
      const key = `${run}\u0000${tag}`;
      if (!this.cards.has(key)) { const card = new MeshCard(run, tag); this.cards.set(key, card); card.load(); }
      order.push(this.cards.get(key).element);
    }
    this.grid.replaceChildren(...order);
    if (!order.length) this.grid.append(el('p', { className: 'empty' }, 'No mesh summaries match the filter for the selected runs.'));
  }

  update(changes) {
    for (const [key, card] of this.cards) {
      const [run, tag] = key.split('\u0000');
      const changed = (changes?.tags?.[run] || []).some((t) => t.startsWith(`${tag}_`));
      if (changed) card.load();
    }
  }

  settingsChanged(what) {
    if (['runs', 'runFilter', 'tagFilter'].includes(what)) this.render();
    if (what === 'theme') for (const card of this.cards.values()) card.requestFrame();
  }

  destroy() { for (const card of this.cards.values()) card.destroy(); this.cards.clear(); }
}
