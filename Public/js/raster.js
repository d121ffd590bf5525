// Lines drawn into pixels by the page itself, for cards of many runs. A canvas strokes each line
// with antialiasing on the CPU (in headless chromium, 1,000 runs of 250 points took about 45 ms a
// frame); here each segment is clipped to the plot and cut into one vertical run of pixels per
// device-pixel column, one pixel wide and without antialiasing, into one ImageData, which is then
// drawn onto the card's canvas in one call. Where a thousand lines overlap, the lost antialiasing
// is not seen.
//
// A thousand noisy lines cover the same pixels a hundred times over, so they are drawn from the
// top one down and each pixel is set once. Each column keeps the longest run of its rows known to
// be set, which passes over most segments of a crowded card with a comparison or two a column;
// beyond it, each row keeps how far down the next row no line has set yet lies (0: this one),
// pointed straight there once walked (the path compression of a disjoint-set forest), so a run
// over pixels already set costs a step or two instead of one a pixel. The picture is the same as
// drawing the lines bottom-up, each over the last (browser-tests/test_compare.py checks it).

const colors = new Map();
let probe = null;

/** A CSS colour as the 32-bit pixel of a little-endian ImageData (0xAABBGGRR), its alpha × `alpha`. */
export function pixelColor(css, alpha = 1) {
  let byAlpha = colors.get(css);
  if (byAlpha === undefined) { byAlpha = new Map(); colors.set(css, byAlpha); }
  let pixel = byAlpha.get(alpha);
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
    byAlpha.set(alpha, pixel);
  }
  return pixel;
}

/** One frame's lines: `begin`, any number of `polyline`s, then `end` draws them onto a canvas. */
export class PixelLines {
  constructor() {
    this.canvas = document.createElement('canvas');
    this.image = null;
    this.pixels = null;
    this.free = null;
    this.lines = [];
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
    this.left = Math.max(0, Math.ceil(L.left * ratio)) | 0;
    this.right = Math.min(w - 1, Math.floor(L.right * ratio) - 1) | 0;
    this.top = Math.max(0, Math.ceil(L.top * ratio)) | 0;
    this.bottom = Math.min(h - 1, Math.floor(L.bottom * ratio) - 1) | 0;
    // Each plot column's rows and one more below them that is never set, so every walk ends.
    this.stride = Math.max(0, this.bottom - this.top + 2);
    const size = Math.max(0, this.right - this.left + 1) * this.stride;
    if (!this.free || this.free.length !== size) this.free = new Int32Array(size);
    else this.free.fill(0);
    const columns = Math.max(0, this.right - this.left + 1);
    if (!this.spanLow || this.spanLow.length !== columns) {
      this.spanLow = new Int32Array(columns); this.spanHigh = new Int32Array(columns);
    }
    this.spanLow.fill(0x7fffffff); this.spanHigh.fill(-1);
    this.lines.length = 0;
  }

  /**
   * The line through (xs[i], ys[i]) in layout `L`'s coordinates (as `L.px` and `L.py` place them,
   * ys in log10 when `L.log`), broken at
   * non-finite points, in colour `pixel` (see pixelColor), shifted `offset` device pixels down; a
   * lone point is a 3 × 3 dot. Only points from a to b (exclusive) are drawn. Each line is drawn
   * over the ones before it.
   */
  polyline(L, xs, ys, a, b, pixel, offset = 0) {
    this.lines.push({ L, xs, ys, a, b, pixel, offset });
  }

  /** Draws the frame's lines onto `ctx` (scaled to CSS pixels), with its current alpha and clip. */
  end(ctx) {
    if (this.left <= this.right && this.top <= this.bottom) {
      for (let k = this.lines.length - 1; k >= 0; k--) this.trace(this.lines[k]);
    }
    this.lines.length = 0;
    this.canvas.getContext('2d').putImageData(this.image, 0, 0);
    ctx.drawImage(this.canvas, 0, 0, this.cssWidth, this.cssHeight);
  }

  /** Sets the pixels of one recorded polyline that no line above it has set. */
  trace({ L, xs, ys, a, b, pixel, offset }) {
    const r = this.ratio;
    const left = this.left; const right = this.right; const top = this.top; const bottom = this.bottom;
    const spanLow = this.spanLow; const spanHigh = this.spanHigh;
    // L.px and L.py, written out: the same arithmetic without two calls a point.
    const { x0: fromX, x1: toX, y0: fromY, y1: toY, log } = L;
    const plotLeft = L.left; const plotWidth = L.right - L.left; const plotBottom = L.bottom; const plotHeight = L.bottom - L.top;
    let pen = false; let x0 = 0; let y0 = 0;
    // One loop, no call a segment: a call would box its coordinates.
    for (let i = a; i < b; i++) {
      const raw = ys[i]; const u = xs[i];
      const v = log ? (raw > 0 ? Math.log10(raw) : NaN) : raw;
      if (!Number.isFinite(v) || !Number.isFinite(u)) { pen = false; continue; }
      const x1 = (plotLeft + ((u - fromX) / (toX - fromX)) * plotWidth) * r;
      const y1 = (plotBottom - ((v - fromY) / (toY - fromY)) * plotHeight) * r + offset;
      const wasDown = pen;
      const sx = x0; const sy = y0;
      x0 = x1; y0 = y1; pen = true;
      if (!wasDown) continue;
      // The segment from (sx, sy) to (x1, y1), clipped to the plot (Liang–Barsky).
      const dx = x1 - sx; const dy = y1 - sy;
      let t0 = 0; let t1 = 1;
      if (!(sx >= left && sx <= right && x1 >= left && x1 <= right && sy >= top && sy <= bottom && y1 >= top && y1 <= bottom)) {
        let outside = false;
        // Each edge as p·t ≤ q: entering where p < 0, leaving where p > 0.
        for (let k = 0; k < 4 && !outside; k++) {
          const p = k === 0 ? -dx : k === 1 ? dx : k === 2 ? -dy : dy;
          const q = k === 0 ? sx - left : k === 1 ? right - sx : k === 2 ? sy - top : bottom - sy;
          if (p === 0) { if (q < 0) outside = true; continue; }
          const t = q / p;
          if (p < 0) { if (t > t1) outside = true; else if (t > t0) t0 = t; } else if (t < t0) outside = true; else if (t < t1) t1 = t;
        }
        if (outside) continue;
      }
      let xa = sx + t0 * dx; let ya = sy + t0 * dy; let xb = sx + t1 * dx; let yb = sy + t1 * dy;
      if (xb < xa) { let t = xa; xa = xb; xb = t; t = ya; ya = yb; yb = t; }
      let first = (xa + 0.5) | 0; let last = (xb + 0.5) | 0;
      if (first < left) first = left;
      if (last > right) last = right;
      // Most segments of a crowded card fall where the lines above have set every pixel already.
      const high0 = ((ya < yb ? ya : yb) + 0.5) | 0; const low0 = ((ya < yb ? yb : ya) + 0.5) | 0;
      let c = first;
      while (c <= last && spanLow[c - left] <= high0 && spanHigh[c - left] >= low0) c++;
      if (c > last) continue;
      const slope = first === last ? 0 : (yb - ya) / (xb - xa);
      let from = ya;
      for (c = first; c <= last; c++) {
        const to = c === last ? yb : ya + (c + 0.5 - xa) * slope;
        let low = ((from < to ? from : to) + 0.5) | 0; let high = ((from < to ? to : from) + 0.5) | 0;
        if (low < top) low = top;
        if (high > bottom) high = bottom;
        this.run(c, low, high, pixel);
        from = to;
      }
    }
    if (b - a === 1 && pen) {
      const cx = Math.round(x0); const cy = Math.round(y0);
      const low = Math.max(top, cy - 1); const high = Math.min(bottom, cy + 1);
      if (low <= high) for (let c = Math.max(left, cx - 1); c <= Math.min(right, cx + 1); c++) this.run(c, low, high, pixel);
    }
  }

  /** Sets the pixels of column `c` from row `low` to row `high` that no line has set yet. */
  run(c, low, high, pixel) {
    const column = c - this.left;
    const spanLow = this.spanLow[column]; const spanHigh = this.spanHigh[column];
    if (low >= spanLow && high <= spanHigh) return;
    const free = this.free; const p = this.pixels; const w = this.width;
    const base = (c - this.left) * this.stride - this.top;
    let y = low;
    for (;;) {
      let step = free[base + y];
      while (step !== 0) { y += step; step = free[base + y]; }
      if (y > high) break;
      p[y * w + c] = pixel;
      free[base + y] = 1;
      y += 1;
    }
    // Every row from `low` up to `y` is set now: the column's known span grows by them, or they
    // become it when they are more; the rows walked through point straight at `y`.
    if (low <= spanHigh + 1 && y >= spanLow) {
      if (low < spanLow) this.spanLow[column] = low;
      if (y - 1 > spanHigh) this.spanHigh[column] = y - 1;
    } else if (y - 1 - low > spanHigh - spanLow) {
      this.spanLow[column] = low; this.spanHigh[column] = y - 1;
    }
    let k = low;
    while (k < y) {
      const next = k + free[base + k];
      free[base + k] = y - k;
      k = next;
    }
  }
}
