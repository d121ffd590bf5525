// Colours: a stable colour per run for the life of the page, and per category (op type, device).

// A palette of 20 distinct colours that read on both themes. A run keeps its colour for the life
// of the page: it gets the slot its name hashes to, or the next free one, so runs seen in the same
// order get the same colours on every load, and a new run never recolours the others.
export const PALETTE = [
  '#1f77d4', '#e8590c', '#2b9a3e', '#d6336c', '#7048e8', '#8d5524', '#c2255c', '#0c8599',
  '#a6a619', '#5c7cfa', '#f08c00', '#087f5b', '#ae3ec9', '#495057', '#e03131', '#66a80f',
  '#1864ab', '#d9480f', '#9c36b5', '#0b7285',
];
const assigned = new Map();
const taken = new Set();

/** 32-bit FNV-1a of a string. */
export function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Gives colours to the runs that have none yet (call with the runs in their listed order). */
export function assignRunColors(runs) {
  for (const run of runs) {
    if (assigned.has(run)) continue;
    const h = hash(run);
    let color = null;
    for (let k = 0; k < PALETTE.length; k++) {
      const slot = (h + k) % PALETTE.length;
      if (!taken.has(slot)) { taken.add(slot); color = PALETTE[slot]; break; }
    }
    assigned.set(run, color || `hsl(${h % 360} 60% 45%)`);
  }
}

// A colour the user picked for a run wins; then the colouring rule (by an hparam or a group), if any.
const picked = new Map();
let rule = null;

/** Sets the colours the user picked (a Map run → CSS colour) and the rule (run → colour or null). */
export function setColorChoices(choices, colorRule = null) {
  picked.clear();
  for (const [run, color] of choices) picked.set(run, color);
  rule = colorRule;
}

/** The run's colour. */
export function runColor(run) {
  if (picked.has(run)) return picked.get(run);
  const ruled = rule ? rule(run) : null;
  if (ruled) return ruled;
  if (!assigned.has(run)) assignRunColors([run]);
  return assigned.get(run);
}

/** The palette colour of the `index`-th of several categories (groups, hparam values). */
export function paletteColor(index) {
  return PALETTE[index % PALETTE.length];
}

/** A colour for a category (op type, device), stable for its name. */
export function categoryColor(name) {
  const h = hash(name);
  const hue = (h % 360);
  const light = 58 + ((h >>> 9) % 12);
  return `hsl(${hue} 55% ${light}%)`;
}
