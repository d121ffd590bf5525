// The HParams dashboard: one row per run with its hyperparameters and final metrics; click a
// column header to sort (again to reverse), filter rows with a regex over every cell.
import { getJSON } from './api.js';
import { runColor } from './colors.js';
import { el, swatch, userRegExp } from './dom.js';
import { formatValue } from './format.js';
import { HParamsPlots } from './hparamsplots.js';

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
    try { this.rows = await getJSON('hparams'); } catch (error) {
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
    let re = null;
    try { re = userRegExp(this.app.state.hparamsFilter); } catch (_) { re = null; }
    const visible = new Set(this.app.visibleRuns());
    let rows = this.rows.filter((r) => visible.has(r.run));
    if (re) rows = rows.filter((r) => columns.some((c) => re.test(cellText(c.get(r)))));
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
        attrs: { 'aria-sort': sorted ? (this.sort.descending ? 'descending' : 'ascending') : 'none', title: c.kind === 'metric' ? 'final value of this metric' : c.kind },
      }, button);
    }));
    const body = rows.map((r) => el('tr', { dataset: { run: r.run } }, columns.map((c) => {
      const v = c.get(r);
      if (c.kind === 'run') return el('td', { className: 'run' }, swatch(runColor(r.run)), ' ', r.run);
      return el('td', { className: typeof v === 'number' ? 'num' : '', dataset: { column: c.id } }, cellText(v));
    })));
    const table = el('table', { className: 'hparams' },
      el('caption', { className: 'hint' }, `${rows.length} of ${this.rows.length} runs; metrics are each run's last value.`),
      el('thead', {}, head), el('tbody', {}, body));
    this.root.replaceChildren(table, this.plots.element);
    this.plots.draw();
  }

  /** Reloads when a live change touches hparams summaries or a metric column's tag. */
  update(changes) {
    const metrics = new Set(this.rows.flatMap((r) => Object.keys(r.metrics || {})));
    const touched = Object.values(changes?.tags || {}).flat().some((t) => t.startsWith('_hparams_/') || metrics.has(t));
    const newRun = (changes?.runs || []).some((r) => !this.rows.some((row) => row.run === r));
    if (touched || newRun) this.load();
  }

  settingsChanged(what) {
    if (['runs', 'runFilter', 'hparamsFilter'].includes(what)) this.draw();
    else if (what === 'theme') this.plots.draw();
  }

  destroy() { this.plots.destroy(); }
}
