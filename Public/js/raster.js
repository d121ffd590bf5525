// Lines drawn into pixels by the page itself, for cards of many runs. A canvas strokes each line
// with antialiasing on the CPU (in headless chromium, 1,000 runs of 250 points took about 45 ms a
// frame); here each segment is clipped to the plot and walked pixel by pixel along its longer
// axis (Bresenham), one device pixel wide and without antialiasing, into one ImageData, which is
// then drawn onto the card's canvas in one call. Where a thousand lines overlap, the lost antialiasing is not seen.

const colors = new Map();
let probe = null;

/** A CSS colour as the 32-bit pixel of a little-endian ImageData (0xAABBGGRR), its alpha × `alpha`. */
export function pixelColor(css, alpha = 1) {
  const key = `${css}|${alpha}`;
  let pixel = colors.get(key);
  if (pixel === undefined) {
    if (!probe) {
      const canvas = document.createElement('canvas');
      canvas.width = 1; canvas.height = 1;
      probe = canvas.getContext('2d', { willReadFrequently: true });
    }
    probe.clearRect(0, 0, 1, 1);
    probe.fillStyle = '#000';
    probe.fillStyle = css;
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
    pixel = ((Math.round(a * alpha) << 24) | (b << 16) | (g << 8) | r) >>> 0;
    colors.set(key, pixel);
  }
  return pixel;
}

/** One frame's lines: `begin`, any number of `polyline`s, then `end` draws them onto a canvas. */
export class PixelLines {
  constructor() {
    this.canvas = document.createElement('canvas');
    this.image = null;
    this.pixels = null;
  }

  /**
   * Starts a frame for a canvas of `width` × `height` CSS pixels at `ratio` device pixels each, the
   * lines clipped to the plot area of layout `L` (its left, right, top and bottom, in CSS pixels).
   */
  begin(width, height, ratio, L) {
    const w = Math.max(1, Math.round(width * ratio));
    const h = Math.max(1, Math.round(height * ratio));
    if (!this.image || this.image.width !== w || this.image.height !== h) {
      this.canvas.width = w; this.canvas.height = h;
      this.image = this.canvas.getContext('2d').createImageData(w, h);
      this.pixels = new Uint32Array(this.image.data.buffer);
    } else {
      this.pixels.fill(0);
    }
    this.width = w; this.ratio = ratio; this.cssWidth = width; this.cssHeight = height;
    this.left = Math.max(0, Math.ceil(L.left * ratio));
    this.right = Math.min(w - 1, Math.floor(L.right * ratio) - 1);
    this.top = Math.max(0, Math.ceil(L.top * ratio));
    this.bottom = Math.min(h - 1, Math.floor(L.bottom * ratio) - 1);
  }

  /**
   * The line through (xs[i], ys[i]) in layout `L`'s coordinates (ys through `L.tx`), broken at
   * non-finite points, in colour `pixel` (see pixelColor), shifted `offset` device pixels down; a
   * lone point is a 3 × 3 dot. Only points from a to b (exclusive) are drawn.
   */
  polyline(L, xs, ys, a, b, pixel, offset = 0) {
    const r = this.ratio;
    let pen = false; let px = 0; let py = 0;
    for (let i = a; i < b; i++) {
      const y = L.tx(ys[i]); const x = xs[i];
      if (!Number.isFinite(y) || !Number.isFinite(x)) { pen = false; continue; }
      const X = L.px(x) * r; const Y = L.py(y) * r + offset;
      if (pen) this.segment(px, py, X, Y, pixel);
      px = X; py = Y; pen = true;
    }
    if (b - a === 1 && pen) {
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) this.segment(px + dx, py + dy, px + dx, py + dy, pixel);
    }
  }

  /** The segment from (x0, y0) to (x1, y1), in device pixels, clipped to the plot (Liang–Barsky). */
  segment(x0, y0, x1, y1, pixel) {
    const left = this.left; const right = this.right; const top = this.top; const bottom = this.bottom;
    if (left > right || top > bottom) return;
    const dx = x1 - x0; const dy = y1 - y0;
    let t0 = 0; let t1 = 1;
    const inside = x0 >= left && x0 <= right && x1 >= left && x1 <= right && y0 >= top && y0 <= bottom && y1 >= top && y1 <= bottom;
    if (!inside) {
      // Each edge as p·t ≤ q: entering where p < 0, leaving where p > 0.
      for (let k = 0; k < 4; k++) {
        const p = k === 0 ? -dx : k === 1 ? dx : k === 2 ? -dy : dy;
        const q = k === 0 ? x0 - left : k === 1 ? right - x0 : k === 2 ? y0 - top : bottom - y0;
        if (p === 0) { if (q < 0) return; continue; }
        const t = q / p;
        if (p < 0) { if (t > t1) return; if (t > t0) t0 = t; } else { if (t < t0) return; if (t < t1) t1 = t; }
      }
    }
    const clamp = (v, low, high) => (v < low ? low : v > high ? high : v);
    const x = clamp(Math.round(x0 + t0 * dx), left, right);
    const y = clamp(Math.round(y0 + t0 * dy), top, bottom);
    const xe = clamp(Math.round(x0 + t1 * dx), left, right);
    const ye = clamp(Math.round(y0 + t1 * dy), top, bottom);
    // Bresenham along the longer axis, stepping an index into the pixels.
    const p = this.pixels; const w = this.width;
    const dxAbs = Math.abs(xe - x); const dyAbs = Math.abs(ye - y);
    const stepX = x < xe ? 1 : -1; const stepY = y < ye ? w : -w;
    let index = y * w + x;
    if (dxAbs >= dyAbs) {
      let d = 2 * dyAbs - dxAbs;
      for (let i = 0; i <= dxAbs; i++) {
        p[index] = pixel;
        if (d > 0) { index += stepY; d -= 2 * dxAbs; }
        d += 2 * dyAbs; index += stepX;
      }
    } else {
      let d = 2 * dxAbs - dyAbs;
      for (let i = 0; i <= dyAbs; i++) {
        p[index] = pixel;
        if (d > 0) { index += stepX; d -= 2 * dyAbs; }
        d += 2 * dxAbs; index += stepY;
      }
    }
  }

  /** Draws the frame's lines onto `ctx` (scaled to CSS pixels), with its current alpha and clip. */
  end(ctx) {
    this.canvas.getContext('2d').putImageData(this.image, 0, 0);
    ctx.drawImage(this.canvas, 0, 0, this.cssWidth, this.cssHeight);
  }
}
