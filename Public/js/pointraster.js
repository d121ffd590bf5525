// Points rasterized by the page itself, then shown through WebGL as one texture. A software WebGL
// (SwiftShader in headless chromium, llvmpipe, Windows' basic renderer) spends most of a frame
// setting up each point primitive: about 0.7 µs a point, so 100,000 points orbit at about 11
// frames/s whatever the shaders do. Here each point is projected with the same matrix and covers
// the same pixels as a WebGL point of the same size (the pixels whose centres fall inside its
// square, less those outside the inscribed disc), depth-tested the same way (nearer wins, the
// first drawn wins a tie), into one RGBA image and one depth buffer; the image is then uploaded
// and drawn as a single triangle. Large sets are visited in the Morton order of their positions'
// cells (a copy, made once per set of positions and colours), so points drawn one after another
// land near each other on the screen from any angle: at 1,000,000 points that took the raster
// from about 105 to 65 ns a point. Two points at exactly the same depth on one pixel may then
// resolve in another order than WebGL's.
import { createProgram } from './webgl.js';

const QUAD_VERTEX = `
attribute vec2 corner;
varying vec2 uv;
void main() {
  uv = vec2(corner.x * 0.5 + 0.5, 0.5 - corner.y * 0.5);
  gl_Position = vec4(corner, 0.0, 1.0);
}`;

const QUAD_FRAGMENT = `
precision mediump float;
varying vec2 uv;
uniform sampler2D image;
void main() { gl_FragColor = texture2D(image, uv); }`;

// The ring of a highlighted point: the same colour and radius as the WebGL points' fragment shader.
const RING = 255 << 24 | 13 << 16 | 13 << 8 | 13;
const RING_RADIUS = 0.45;
// Below this many points the visiting order costs more to make than it saves.
const SPATIAL_ORDER_MIN = 20000;
const CELL_BITS = 6;

/** Spreads the low CELL_BITS bits of v three apart, for a 3-D Morton code. */
function spread(v) {
  v &= (1 << CELL_BITS) - 1;
  v = (v | (v << 8)) & 0x00f00f;
  v = (v | (v << 4)) & 0x0c30c3;
  return (v | (v << 2)) & 0x249249;
}

/**
 * The points' positions and packed colours (0xAABBGGRR) in the Morton order of their cells on a
 * 2^CELL_BITS grid per axis (a counting sort: linear in the points).
 */
function spatialOrder(positions, colors, count) {
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < 3; a++) {
      const v = positions[i * 3 + a];
      if (v < lo[a]) lo[a] = v;
      if (v > hi[a]) hi[a] = v;
    }
  }
  const cells = (1 << CELL_BITS) - 0.001;
  const scale = [0, 1, 2].map((a) => (hi[a] > lo[a] ? cells / (hi[a] - lo[a]) : 0));
  const keys = new Uint32Array(count);
  const starts = new Uint32Array((1 << (3 * CELL_BITS)) + 1);
  for (let i = 0; i < count; i++) {
    const cell = (a) => {
      const v = (positions[i * 3 + a] - lo[a]) * scale[a];
      return v > 0 ? v : 0; // NaN and −∞ to the first cell
    };
    const key = spread(cell(0)) | spread(cell(1)) << 1 | spread(cell(2)) << 2;
    keys[i] = key;
    starts[key + 1]++;
  }
  for (let k = 1; k < starts.length; k++) starts[k] += starts[k - 1];
  const sortedPositions = new Float32Array(count * 3);
  const sortedColors = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = starts[keys[i]]++;
    sortedPositions[j * 3] = positions[i * 3];
    sortedPositions[j * 3 + 1] = positions[i * 3 + 1];
    sortedPositions[j * 3 + 2] = positions[i * 3 + 2];
    sortedColors[j] = 255 << 24 | colors[i * 3 + 2] << 16 | colors[i * 3 + 1] << 8 | colors[i * 3];
  }
  return { positions: sortedPositions, colors: sortedColors };
}

/** True when `gl` renders in software, where PointRaster draws points faster than WebGL's points. */
export function softwareRenderer(gl) {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const names = [gl.getParameter(gl.RENDERER), info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : ''];
  return names.some((name) => /swiftshader|llvmpipe|softpipe|software|basic render/i.test(String(name)));
}

/** One frame of points drawn into pixels: `begin`, any number of `points`, then `present`. */
export class PointRaster {
  constructor(gl) {
    this.gl = gl;
    this.program = createProgram(gl, QUAD_VERTEX, QUAD_FRAGMENT);
    this.corners = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, this.corners);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 3, -1, -1, 3]), gl.STATIC_DRAW);
    this.texture = gl.createTexture();
    this.width = 0; this.height = 0;
  }

  /** Starts a `width` × `height` frame (device pixels) filled with `background` ([r, g, b], 0–1). */
  begin(width, height, background) {
    if (width !== this.width || height !== this.height) {
      this.width = width; this.height = height;
      this.bytes = new Uint8Array(width * height * 4);
      // Signed, so a pixel stays a small integer for the JIT (0xAABBGGRR on little-endian machines).
      this.pixels = new Int32Array(this.bytes.buffer);
      this.depth = new Float32Array(width * height);
      this.allocated = false;
    }
    const [r, g, b] = background.map((v) => Math.round(v * 255));
    this.pixels.fill(255 << 24 | b << 16 | g << 8 | r);
    this.depth.fill(Infinity);
  }

  /**
   * Draws `count` points: xyz in `positions`, rgb bytes in `colors`, through the column-major
   * `matrix` (as WebGL takes it), each a disc `size` device pixels across. With `depthTest` a point
   * is drawn where it is nearer than what is there (and records its depth); without, over anything.
   * With `ring`, the disc's outer part is dark, as the WebGL shader draws highlighted points.
   */
  points(positions, colors, count, matrix, size, { depthTest = true, ring = false } = {}) {
    let packed = null;
    if (count >= SPATIAL_ORDER_MIN) {
      const cached = this.ordered;
      if (!cached || cached.source !== positions || cached.sourceColors !== colors || cached.count !== count) {
        this.ordered = { source: positions, sourceColors: colors, count, ...spatialOrder(positions, colors, count) };
      }
      positions = this.ordered.positions;
      packed = this.ordered.colors;
    }
    const W = this.width, H = this.height, pixels = this.pixels, depth = this.depth;
    const m0 = matrix[0], m1 = matrix[1], m2 = matrix[2], m3 = matrix[3];
    const m4 = matrix[4], m5 = matrix[5], m6 = matrix[6], m7 = matrix[7];
    const m8 = matrix[8], m9 = matrix[9], m10 = matrix[10], m11 = matrix[11];
    const m12 = matrix[12], m13 = matrix[13], m14 = matrix[14], m15 = matrix[15];
    const half = size / 2, inverse = 1 / half, halfW = W / 2, halfH = H / 2;
    for (let i = 0; i < count; i++) {
      const x = positions[i * 3], y = positions[i * 3 + 1], z = positions[i * 3 + 2];
      const w = m3 * x + m7 * y + m11 * z + m15;
      if (!(w > 0)) continue;
      const q = 1 / w;
      const d = (m2 * x + m6 * y + m10 * z + m14) * q;
      if (!(d >= -1 && d <= 1)) continue;
      const sx = ((m0 * x + m4 * y + m8 * z + m12) * q + 1) * halfW;
      const sy = (1 - (m1 * x + m5 * y + m9 * z + m13) * q) * halfH;
      // The pixels whose centres lie in [s − half, s + half) on each axis.
      let x0 = Math.ceil(sx - half - 0.5), x1 = Math.ceil(sx + half - 0.5);
      let y0 = Math.ceil(sy - half - 0.5), y1 = Math.ceil(sy + half - 0.5);
      if (x0 < 0) x0 = 0;
      if (y0 < 0) y0 = 0;
      if (x1 > W) x1 = W;
      if (y1 > H) y1 = H;
      if (x0 >= x1 || y0 >= y1) continue;
      const c = packed ? packed[i] : 255 << 24 | colors[i * 3 + 2] << 16 | colors[i * 3 + 1] << 8 | colors[i * 3];
      for (let py = y0; py < y1; py++) {
        const dy = (py + 0.5 - sy) * inverse;
        const row = py * W;
        for (let px = x0; px < x1; px++) {
          const dx = (px + 0.5 - sx) * inverse;
          const r = dx * dx + dy * dy;
          if (r > 1) continue;
          const k = row + px;
          if (depthTest) {
            if (!(d < depth[k])) continue;
            depth[k] = d;
          }
          pixels[k] = ring && r > RING_RADIUS ? RING : c;
        }
      }
    }
  }

  /** Uploads the frame and draws it over the whole viewport. */
  present() {
    const gl = this.gl;
    gl.disable(gl.DEPTH_TEST);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    if (!this.allocated) {
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, this.width, this.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, this.bytes);
      for (const [k, v] of [[gl.TEXTURE_MIN_FILTER, gl.NEAREST], [gl.TEXTURE_MAG_FILTER, gl.NEAREST], [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) gl.texParameteri(gl.TEXTURE_2D, k, v);
      this.allocated = true;
    } else {
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, this.width, this.height, gl.RGBA, gl.UNSIGNED_BYTE, this.bytes);
    }
    const { program, uniforms, attributes } = this.program;
    gl.useProgram(program);
    gl.uniform1i(uniforms.image, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.corners);
    gl.enableVertexAttribArray(attributes.corner);
    gl.vertexAttribPointer(attributes.corner, 2, gl.FLOAT, false, 0, 0);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    gl.disableVertexAttribArray(attributes.corner);
  }
}
