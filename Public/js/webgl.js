// WebGL helpers shared by the Projector and Mesh tabs: shader programs, 4×4 matrices (column-major,
// as WebGL takes them), and an orbit camera driven by the mouse (drag orbits, shift- or
// right-drag pans, the wheel zooms; in 2-D mode a drag pans).

/** Compiles and links a program from vertex and fragment shader sources; throws with the log. */
export function createProgram(gl, vertexSource, fragmentSource) {
  const compile = (type, source) => {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
    return shader;
  };
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
  const uniforms = {};
  const count = gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS);
  for (let i = 0; i < count; i++) {
    const info = gl.getActiveUniform(program, i);
    uniforms[info.name.replace(/\[0\]$/, '')] = gl.getUniformLocation(program, info.name);
  }
  const attributes = {};
  const attributeCount = gl.getProgramParameter(program, gl.ACTIVE_ATTRIBUTES);
  for (let i = 0; i < attributeCount; i++) {
    const info = gl.getActiveAttrib(program, i);
    attributes[info.name] = gl.getAttribLocation(program, info.name);
  }
  return { program, uniforms, attributes };
}

/** A WebGL 2 (else 1) context for `canvas`, or null. */
export function webglContext(canvas, options = {}) {
  const settings = { antialias: true, preserveDrawingBuffer: true, ...options };
  return canvas.getContext('webgl2', settings) || canvas.getContext('webgl', settings);
}

/** Sizes the canvas's drawing buffer to its CSS box × devicePixelRatio; returns [width, height]. */
export function fitDrawingBuffer(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
  return [width, height];
}

export const mat4 = {
  multiply(a, b) {
    const out = new Float32Array(16);
    for (let col = 0; col < 4; col++) {
      for (let row = 0; row < 4; row++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += a[k * 4 + row] * b[col * 4 + k];
        out[col * 4 + row] = s;
      }
    }
    return out;
  },
  perspective(fovY, aspect, near, far) {
    const f = 1 / Math.tan(fovY / 2);
    const out = new Float32Array(16);
    out[0] = f / aspect; out[5] = f; out[10] = (far + near) / (near - far); out[11] = -1; out[14] = (2 * far * near) / (near - far);
    return out;
  },
  orthographic(halfWidth, halfHeight, near, far) {
    const out = new Float32Array(16);
    out[0] = 1 / halfWidth; out[5] = 1 / halfHeight; out[10] = -2 / (far - near); out[14] = -(far + near) / (far - near); out[15] = 1;
    return out;
  },
  lookAt(eye, target, up) {
    const z = normalize([eye[0] - target[0], eye[1] - target[1], eye[2] - target[2]]);
    const x = normalize(cross(up, z));
    const y = cross(z, x);
    return new Float32Array([
      x[0], y[0], z[0], 0, x[1], y[1], z[1], 0, x[2], y[2], z[2], 0,
      -dot(x, eye), -dot(y, eye), -dot(z, eye), 1,
    ]);
  },
};

function cross(a, b) { return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]; }
function dot(a, b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
function normalize(v) { const l = Math.hypot(v[0], v[1], v[2]) || 1; return [v[0] / l, v[1] / l, v[2] / l]; }

/**
 * A camera looking at `target` from `distance` along yaw/pitch (3-D), or straight down the z axis
 * with a zoom (2-D). `attach(canvas, changed)` binds the mouse; `changed()` is called on every move.
 */
export class OrbitCamera {
  constructor() { this.reset(); this.mode3d = true; }

  reset(radius = 1) {
    this.yaw = 0.6; this.pitch = 0.4; this.radius = radius; this.distance = radius * 2.8;
    this.target = [0, 0, 0]; this.zoom = 1;
  }

  eye() {
    const c = Math.cos(this.pitch);
    return [
      this.target[0] + this.distance * c * Math.sin(this.yaw),
      this.target[1] + this.distance * Math.sin(this.pitch),
      this.target[2] + this.distance * c * Math.cos(this.yaw),
    ];
  }

  /** The projection × view matrix for a viewport of `aspect` (width / height). */
  matrix(aspect) {
    if (!this.mode3d) {
      const half = this.radius * 1.1 / this.zoom;
      const projection = mat4.orthographic(half * Math.max(aspect, 1), half / Math.min(aspect, 1), -this.radius * 10, this.radius * 10);
      const view = mat4.lookAt([this.target[0], this.target[1], 1], [this.target[0], this.target[1], 0], [0, 1, 0]);
      return mat4.multiply(projection, view);
    }
    const projection = mat4.perspective(Math.PI / 4, aspect, this.distance / 100, this.distance * 10 + this.radius * 4);
    return mat4.multiply(projection, mat4.lookAt(this.eye(), this.target, [0, 1, 0]));
  }

  orbit(dx, dy) {
    this.yaw -= dx * 0.008;
    this.pitch = Math.max(-1.55, Math.min(1.55, this.pitch + dy * 0.008));
  }

  pan(dx, dy, height) {
    if (!this.mode3d) {
      const scale = (2.2 * this.radius / this.zoom) / height;
      this.target[0] -= dx * scale; this.target[1] += dy * scale;
      return;
    }
    const scale = (this.distance * 0.83) / height;
    const right = [Math.cos(this.yaw), 0, -Math.sin(this.yaw)];
    const up = [-Math.sin(this.pitch) * Math.sin(this.yaw), Math.cos(this.pitch), -Math.sin(this.pitch) * Math.cos(this.yaw)];
    for (let i = 0; i < 3; i++) this.target[i] += (-dx * right[i] + dy * up[i]) * scale;
  }

  zoomBy(factor) {
    if (this.mode3d) this.distance = Math.max(this.radius * 0.05, Math.min(this.radius * 50, this.distance * factor));
    else this.zoom = Math.max(0.05, Math.min(500, this.zoom / factor));
  }

  /** Binds mouse and wheel on `canvas`; returns a function that unbinds them. */
  attach(canvas, changed, { click } = {}) {
    let last = null; let moved = 0; let panning = false;
    const down = (e) => {
      last = [e.clientX, e.clientY]; moved = 0;
      panning = e.button === 2 || e.shiftKey || !this.mode3d;
      canvas.setPointerCapture?.(e.pointerId);
    };
    const move = (e) => {
      if (!last) return;
      const dx = e.clientX - last[0], dy = e.clientY - last[1];
      last = [e.clientX, e.clientY]; moved += Math.abs(dx) + Math.abs(dy);
      if (panning) this.pan(dx, dy, canvas.clientHeight || 1); else this.orbit(dx, dy);
      changed();
    };
    const up = (e) => {
      if (last && moved < 4 && click) {
        const box = canvas.getBoundingClientRect();
        click(e.clientX - box.left, e.clientY - box.top);
      }
      last = null;
    };
    const wheel = (e) => { e.preventDefault(); this.zoomBy(Math.exp(e.deltaY * 0.001)); changed(); };
    const menu = (e) => e.preventDefault();
    canvas.addEventListener('pointerdown', down);
    canvas.addEventListener('pointermove', move);
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('wheel', wheel, { passive: false });
    canvas.addEventListener('contextmenu', menu);
    return () => {
      canvas.removeEventListener('pointerdown', down);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerup', up);
      canvas.removeEventListener('wheel', wheel);
      canvas.removeEventListener('contextmenu', menu);
    };
  }
}

/** "#rrggbb" or "hsl(h s% l%)" → [r, g, b] in 0–255. */
export function parseColor(text) {
  if (text.startsWith('#')) return [1, 3, 5].map((i) => parseInt(text.slice(i, i + 2), 16));
  const m = /hsl\((\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)%\s+(\d+(?:\.\d+)?)%\)/.exec(text);
  if (!m) return [128, 128, 128];
  const h = Number(m[1]) / 360, s = Number(m[2]) / 100, l = Number(m[3]) / 100;
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s, p = 2 * l - q;
  const channel = (t) => {
    t = (t + 1) % 1;
    if (t < 1 / 6) return p + (q - p) * 6 * t;
    if (t < 1 / 2) return q;
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
    return p;
  };
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)].map((v) => Math.round(v * 255));
}
