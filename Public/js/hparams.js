// The HParams dashboard: one row per run with its hyperparameters and a value of each metric (the
// last, minimum, maximum, or the value at the step where another metric is best); click a column
// header to sort (again to reverse), filter rows with a regex over every cell, by hparam values and
// by metric ranges (the boxes under the headers); click a row to focus its run in every tab. With
// runs grouped, each group gets a row of its metrics' mean ± std.
import { getJSON } from './api.js';
import { runColor } from './colors.js';
import { groupOf } from './compare.js';
import { el, swatch, userRegExp } from './dom.js';
import { formatValue } from './format.js';
import { HParamsPlots } from './hparamsplots.js';

const MODE_TITLES = { last: 'last value', min: 'minimum', max: 'maximum' };

/** What a metric column holds under the value mode `mode`. */
function modeTitle(mode) {
  if (MODE_TITLES[mode]) return `${MODE_TITLES[mode]} of this metric`;
  const match = /^at_best:(.*):(min|max)$/.exec(mode);
  return match ? `value at the step of the ${match[2] === 'min' ? 'lowest' : 'highest'} ${match[1]}` : mode;
}

/** The column filters kept in the URL: {columnId: {text} | {min, max}}. */
function readFilters(text) {
  try { const v = JSON.parse(text || '{}'); return v && typeof v === 'object' ? v : {}; } catch (_) { return {}; }
}

/** Whether a row's value passes a column filter. */
function passes(filter, value) {
  if (!filter) return true;
  if (filter.text) {
    let re;
    try { re = new RegExp(filter.text, 'i'); } catch (_) { return true; }
    return re.test(cellText(value));
  }
  const min = filter.min === '' || filter.min === undefined ? null : Number(filter.min);
  const max = filter.max === '' || filter.max === undefined ? null : Number(filter.max);
  if (min === null && max === null) return true;
  if (typeof value !== 'number') return false;
  return (min === null || !Number.isFinite(min) || value >= min) && (max === null || !Number.isFinite(max) || value <= max);
}

function cellText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatValue(value);
  return String(value);
}

function compare(a, b) {
  const missingA = a === null || a === undefined; const missingB = b === null || b === undefined;
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export class HParamsView {
  constructor(app, root) {
    this.app = app; this.root = root;
    this.rows = []; this.sort = { column: 'run', descending: false };
    this.plots = new HParamsPlots(() => this.draw()); // brushing its parallel coordinates filters the rows
  }

  async render() { await this.load(); }

  async load() {
    try { this.rows = await getJSON('hparams', { value: this.app.state.hparamsValue }); } catch (error) {
      this.root.replaceChildren(el('p', { className: 'error' }, `Could not load hparams: ${error.message}`));
      return;
    }
    this.draw();
  }

  columns() {
    const hp = new Set(); const metrics = new Set();
    for (const row of this.rows) {
      for (const k of Object.keys(row.hparams || {})) hp.add(k);
      for (const k of Object.keys(row.metrics || {})) metrics.add(k);
    }
    return [
      { id: 'run', label: 'Run', get: (r) => r.run, kind: 'run' },
      ...[...hp].sort().map((k) => ({ id: `h:${k}`, label: k, get: (r) => r.hparams?.[k], kind: 'hparam' })),
      ...[...metrics].sort().map((k) => ({ id: `m:${k}`, label: k, get: (r) => r.metrics?.[k], kind: 'metric' })),
    ];
  }

  draw() {
    const columns = this.columns();
    const state = this.app.state;
    let re = null;
    try { re = userRegExp(state.hparamsFilter); } catch (_) { re = null; }
    const visible = new Set(this.app.visibleRuns());
    let rows = this.rows.filter((r) => visible.has(r.run));
    if (re) rows = rows.filter((r) => columns.some((c) => re.test(cellText(c.get(r)))));
    const filters = readFilters(state.hparamsColumns);
    rows = rows.filter((r) => columns.every((c) => passes(filters[c.id], c.get(r))));
    this.plots.update(rows, columns);
    rows = rows.filter((r) => this.plots.keeps(r));
    const column = columns.find((c) => c.id === this.sort.column) || columns[0];
    rows.sort((a, b) => compare(column.get(a), column.get(b)) * (this.sort.descending ? -1 : 1));
    const head = el('tr', {}, columns.map((c) => {
      const sorted = c.id === column.id;
      const button = el('button', { type: 'button' }, c.label, sorted ? (this.sort.descending ? ' ▼' : ' ▲') : '');
      button.addEventListener('click', () => {
        this.sort = { column: c.id, descending: sorted ? !this.sort.descending : false };
        this.draw();
      });
      return el('th', {
        className: c.kind, scope: 'col', dataset: { column: c.id },
        attrs: { 'aria-sort': sorted ? (this.sort.descending ? 'descending' : 'ascending') : 'none', title: c.kind === 'metric' ? modeTitle(state.hparamsValue) : c.kind },
      }, button);
    }));
    const filterRow = el('tr', { className: 'filters' }, columns.map((c) => el('th', { dataset: { column: c.id } }, this.filterInputs(c, filters))));
    const body = rows.map((r) => {
      const tr = el('tr', { dataset: { run: r.run }, className: r.run === state.focus ? 'focused' : '', attrs: { 'aria-selected': String(r.run === state.focus) } },
        columns.map((c) => {
          const v = c.get(r);
          if (c.kind === 'run') return el('td', { className: 'run' }, swatch(runColor(r.run)), ' ', r.run);
          return el('td', { className: typeof v === 'number' ? 'num' : '', dataset: { column: c.id } }, cellText(v));
        }));
      tr.addEventListener('click', () => this.app.setState({ focus: state.focus === r.run ? '' : r.run }));
      return tr;
    });
    const groupRows = this.groupRows(rows, columns);
    const table = el('table', { className: 'hparams' },
      el('caption', { className: 'hint' }, `${rows.length} of ${this.rows.length} runs; metrics: ${modeTitle(state.hparamsValue)}.`),
      el('thead', {}, head, filterRow), el('tbody', {}, groupRows, body));
    const focused = document.activeElement?.dataset?.filter;
    this.root.replaceChildren(table, this.plots.element);
    this.plots.draw();
    if (focused) {
      const again = this.root.querySelector(`[data-filter="${CSS.escape(focused)}"]`);
      if (again) { again.focus(); again.setSelectionRange?.(again.value.length, again.value.length); }
    }
  }

  /** The filter boxes of column `c`: a regex for the run and hparams, a range for metrics. */
  filterInputs(c, filters) {
    const set = (patch) => {
      const next = readFilters(this.app.state.hparamsColumns);
      next[c.id] = { ...(next[c.id] || {}), ...patch };
      for (const [key, value] of Object.entries(next)) if (Object.values(value).every((v) => v === '' || v === undefined)) delete next[key];
      this.app.setState({ hparamsColumns: Object.keys(next).length ? JSON.stringify(next) : '' });
    };
    const box = (key, placeholder, label) => {
      const input = el('input', { type: 'text', value: filters[c.id]?.[key] ?? '', placeholder, dataset: { filter: `${c.id}|${key}` }, attrs: { 'aria-label': label } });
      input.addEventListener('input', () => set({ [key]: input.value }));
      return input;
    };
    if (c.kind === 'metric') return [box('min', 'min', `Lowest ${c.label}`), box('max', 'max', `Highest ${c.label}`)];
    return box('text', 'regex', `Filter ${c.label}`);
  }

  /** With runs grouped: one row per group of the shown rows, each metric as mean ± std over its runs. */
  groupRows(rows, columns) {
    const spec = this.app.state.groupBy;
    if (!spec) return [];
    const groups = new Map();
    for (const r of rows) {
      const g = groupOf(this.app, spec, r.run);
      if (g === null) continue;
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(r);
    }
    return [...groups.keys()].sort().map((g) => el('tr', { className: 'group-row', dataset: { group: g } }, columns.map((c) => {
      const members = groups.get(g);
      if (c.kind === 'run') return el('td', { className: 'run' }, `${g} (${members.length})`);
      const values = members.map((r) => c.get(r));
      if (c.kind === 'hparam') return el('td', {}, values.every((v) => v === values[0]) ? cellText(values[0]) : '…');
      const numbers = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
      if (!numbers.length) return el('td', {});
      const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
      const std = Math.sqrt(numbers.reduce((a, b) => a + (b - mean) ** 2, 0) / numbers.length);
      return el('td', { className: 'num', dataset: { column: c.id, mean, std } }, `${formatValue(mean)} ± ${formatValue(std)}`);
    })));
  }

  /** Reloads when a live change touches hparams summaries or a metric column's tag. */
  update(changes) {
    const metrics = new Set(this.rows.flatMap((r) => Object.keys(r.metrics || {})));
    const touched = Object.values(changes?.tags || {}).flat().some((t) => t.startsWith('_hparams_/') || metrics.has(t));
    const newRun = (changes?.runs || []).some((r) => !this.rows.some((row) => row.run === r));
    if (touched || newRun) this.load();
  }

  settingsChanged(what) {
    if (what === 'hparamsValue') this.load();
    else if (['runs', 'runFilter', 'hparamsFilter', 'hparamsColumns', 'focus', 'groupBy', 'colors', 'colorBy'].includes(what)) this.draw();
    else if (what === 'theme') this.plots.draw();
  }

  destroy() { this.plots.destroy(); }
}
