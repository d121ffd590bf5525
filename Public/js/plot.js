// Small pieces the charts of the newer dashboards share (PR curves, custom scalars, the hparams
// plots, and the scalar charts' non-finite markers): a linear frame mapping data to pixels, axes
// with a grid, the tooltip's placement, and the markers for NaN and infinite points.
import { cssVar, el } from './dom.js';
import { formatTick, niceTicks } from './format.js';

/** The range [lo, hi] of the finite values of arrays, padded by `pad` of its span (a point gets ±1 or ±10%). */
export function finiteExtent(arrays, pad = 0.05) {
  let lo = Infinity; let hi = -Infinity;
  for (const values of arrays) for (const v of values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (lo > hi) return [0, 1];
  if (lo === hi) { const d = Math.abs(lo) * 0.1 || 1; return [lo - d, hi + d]; }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/**
 * A frame of `width` × `height` pixels with `margin` ({left, right, top, bottom}) around a plot of
 * the domain [x0, x1] × [y0, y1]: px/py map data to pixels, dx/dy pixels back to data.
 */
export function frame(width, height, margin, x0, x1, y0, y1) {
  const left = margin.left; const right = width - margin.right;
  const top = margin.top; const bottom = height - margin.bottom;
  return {
    x0, x1, y0, y1, left, right, top, bottom,
    px: (x) => left + ((x - x0) / (x1 - x0)) * (right - left),
    py: (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top),
    dx: (p) => x0 + ((p - left) / (right - left)) * (x1 - x0),
    dy: (p) => y0 + ((bottom - p) / (bottom - top)) * (y1 - y0),
  };
}

/** Draws the grid, tick labels, axis titles and the plot's border of a frame `F`. */
export function drawAxes(ctx, F, { xTicks = 5, yTicks = 5, xLabel = '', yLabel = '', xFormat = formatTick, yFormat = formatTick } = {}) {
  const axis = cssVar('--axis');
  ctx.save();
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = cssVar('--grid'); ctx.fillStyle = axis; ctx.lineWidth = 1;
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  if (yTicks > 0) {
    for (const v of niceTicks(F.y0, F.y1, yTicks)) {
      const y = Math.round(F.py(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(F.left, y); ctx.lineTo(F.right, y); ctx.stroke();
      ctx.fillText(yFormat(v), F.left - 4, y);
    }
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  if (xTicks > 0) {
    for (const v of niceTicks(F.x0, F.x1, xTicks)) {
      const x = Math.round(F.px(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, F.top); ctx.lineTo(x, F.bottom); ctx.stroke();
      ctx.fillText(xFormat(v), x, F.bottom + 4);
    }
  }
  if (xLabel) { ctx.textBaseline = 'bottom'; ctx.fillText(xLabel, (F.left + F.right) / 2, F.bottom + 30); }
  if (yLabel) {
    ctx.translate(F.left - 40, (F.top + F.bottom) / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'top'; ctx.fillText(yLabel, 0, 0);
  }
  ctx.restore();
  ctx.save();
  ctx.strokeStyle = axis;
  ctx.strokeRect(F.left + 0.5, F.top + 0.5, F.right - F.left, F.bottom - F.top);
  ctx.restore();
}

/** Centred text in an empty chart ("Loading…", "No data"). */
export function drawMessage(ctx, width, height, text) {
  ctx.save();
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = cssVar('--axis'); ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
  ctx.fillText(text, width / 2, height / 2);
  ctx.restore();
}

/** Fills the shared #tooltip with `content` (a node) and places it beside the pointer, inside the window. */
export function showTooltip(content, clientX, clientY, dataset = {}) {
  const tip = document.getElementById('tooltip');
  tip.replaceChildren(content);
  for (const key of Object.keys(tip.dataset)) delete tip.dataset[key];
  Object.assign(tip.dataset, dataset);
  placeTooltip(clientX, clientY);
}

/** Shows the #tooltip beside the pointer, inside the window. */
export function placeTooltip(clientX, clientY) {
  const tip = document.getElementById('tooltip');
  tip.hidden = false;
  const pad = 14;
  const w = tip.offsetWidth; const h = tip.offsetHeight;
  let left = clientX + pad; let top = clientY + pad;
  if (left + w > innerWidth) left = Math.max(0, clientX - pad - w);
  if (top + h > innerHeight) top = Math.max(0, clientY - pad - h);
  tip.style.left = `${left}px`; tip.style.top = `${top}px`;
}

export function hideTooltip() { document.getElementById('tooltip').hidden = true; }

/** A tooltip table: `head` the column titles, `rows` arrays of cells (nodes or text) with optional `dataset`. */
export function tooltipTable(head, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((row) => el('tr', { dataset: row.dataset || {} }, row.cells.map((c) => el('td', { className: c.className || '' }, c.content ?? c))))));
}

/** Where a non-finite value is marked: NaN and +∞ on the top edge, −∞ on the bottom edge. */
export function nonFiniteY(value, F) {
  return value === -Infinity ? F.bottom : F.top;
}

const nonFiniteIndex = new WeakMap();

/** The index of the first NaN or ±∞ of `values` (its length if none), found once an array. */
function firstNonFinite(values) {
  let first = nonFiniteIndex.get(values);
  if (first === undefined) {
    first = 0;
    while (first < values.length && Number.isFinite(values[first])) first++;
    nonFiniteIndex.set(values, first);
  }
  return first;
}

/**
 * Marks the non-finite values of a series (xs, values) on the edges of frame `F`, never as 0:
 * +∞ an upward triangle on the top edge, −∞ a downward one on the bottom edge, NaN a cross on the
 * top edge. Returns how many it drew of each ({nan, posInf, negInf}). `values` must not change
 * once drawn (where its first non-finite value is, is remembered).
 */
export function drawNonFinite(ctx, F, xs, values, color) {
  const counts = { nan: 0, posInf: 0, negInf: 0 };
  const first = firstNonFinite(values);
  if (first === values.length) return counts; // the usual case, without a save and restore a series
  ctx.save();
  ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 2;
  const r = 5;
  for (let i = first; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) continue;
    const x = F.px(xs[i]);
    if (!(x >= F.left - 0.5 && x <= F.right + 0.5)) continue;
    const y = nonFiniteY(v, F);
    ctx.beginPath();
    if (Number.isNaN(v)) {
      counts.nan += 1;
      const c = y + r + 1;
      ctx.moveTo(x - r, c - r); ctx.lineTo(x + r, c + r); ctx.moveTo(x + r, c - r); ctx.lineTo(x - r, c + r);
      ctx.stroke();
    } else if (v > 0) {
      counts.posInf += 1;
      ctx.moveTo(x, y + 1); ctx.lineTo(x + r, y + 2 * r + 1); ctx.lineTo(x - r, y + 2 * r + 1); ctx.closePath(); ctx.fill();
    } else {
      counts.negInf += 1;
      ctx.moveTo(x, y - 1); ctx.lineTo(x + r, y - 2 * r - 1); ctx.lineTo(x - r, y - 2 * r - 1); ctx.closePath(); ctx.fill();
    }
  }
  ctx.restore();
  return counts;
}
