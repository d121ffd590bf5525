// Building the page: elements (text only, never markup), canvases sized to their box, user regexes,
// frame-throttled callbacks.

/**
 * Creates an element. `props` sets properties (className, type, value, ...) and `attrs`
 * attributes; children are nodes or strings, strings become text nodes (never markup).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'attrs') {
      for (const [name, v] of Object.entries(value)) node.setAttribute(name, String(v));
    } else if (key === 'dataset') {
      for (const [name, v] of Object.entries(value)) node.dataset[name] = String(v);
    } else {
      node[key] = value;
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A colour swatch for a run. */
export function swatch(color) {
  const node = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
  node.style.background = color;
  return node;
}

/** A RegExp from user text (case-insensitive), or null when empty; throws on a bad pattern. */
export function userRegExp(text) {
  if (!text) return null;
  return new RegExp(text, 'i');
}

/** Reads a CSS custom property of the document (theme colours for canvases). */
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Sizes a canvas's backing store to its CSS box × devicePixelRatio; returns its 2D context scaled to CSS pixels. */
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth));
  const height = Math.max(1, Math.round(canvas.clientHeight));
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

/** Calls `fn` at most once per animation frame. */
export function frameThrottle(fn) {
  let pending = false;
  return (...args) => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fn(...args); });
  };
}
