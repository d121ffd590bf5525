// Comparing runs: runs as objects (a colour picked per run, colouring by group or hparam, a focused
// run, copying a run's path), grouping runs, the x-axis choices, the hparams value mode and the
// export link. Settings live in the URL: the plain keys are in main.js's DEFAULTS; the two lists
// are kept here, `color=#rrggbb:RUN` and `pin=TAG` (each repeated).
import { apiURL, getJSON } from './api.js';
import { paletteColor, runColor, setColorChoices } from './colors.js';
import { el } from './dom.js';

const $ = (id) => document.getElementById(id);

/** Reads the list settings (picked colours, pinned cards) from URL parameters `q`. */
export function readListState(app, q) {
  app.colors = new Map();
  for (const item of q.getAll('color')) {
    const match = /^(#[0-9a-fA-F]{6}):([\s\S]+)$/.exec(item);
    if (match) app.colors.set(match[2], match[1].toLowerCase());
  }
  app.pins = q.getAll('pin');
}

/** Writes the list settings into URL parameters `q`. */
export function writeListState(app, q) {
  for (const [run, color] of app.colors || []) q.append('color', `${color}:${run}`);
  for (const tag of app.pins || []) q.append('pin', tag);
}

/** A regular expression matching exactly the names in `names` (for the API's `runs=`/`tags=`). */
export function exactPattern(names) {
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(?:${escaped.join('|')})$`;
}

/** An hparam value as the API's group names write it. */
function valueText(value) {
  if (value === null || value === undefined) return null;
  return String(value);
}

/**
 * The group of `run` for the grouping setting `spec` (as /api/aggregate groups): `hparam:NAME` → the
 * run's value of NAME (null without one); a regex → its first capture (or the match), the run's own
 * name when it doesn't match. Null when there is no grouping or the regex is invalid.
 */
export function groupOf(app, spec, run) {
  if (!spec) return null;
  if (spec.startsWith('hparam:')) {
    const row = (app.hparamRows || []).find((r) => r.run === run);
    return valueText(row?.hparams?.[spec.slice(7)]);
  }
  let re;
  try { re = new RegExp(spec); } catch (_) { return null; }
  const match = re.exec(run);
  if (!match) return run;
  return match.length > 1 ? (match[1] ?? '') : match[0];
}

/** The colour of group `name` among `names` (sorted): one palette slot each. */
export function groupColor(names, name) {
  const index = [...names].sort().indexOf(name);
  return paletteColor(Math.max(0, index));
}

/** Loads the hparams rows when a setting needs them, then applies picked colours and the colouring rule. */
export async function applyRunColors(app) {
  const s = app.state;
  if (Object.values(app.tags).some((t) => t.hparams)) {
    // the rows fill the hparam choices; colouring or grouping by an hparam waits for them
    const fetching = getJSON('hparams').then((rows) => { app.hparamRows = rows; fillChoices(app); }).catch(() => {});
    if (s.colorBy.startsWith('hparam:') || s.groupBy.startsWith('hparam:')) await fetching;
  }
  let rule = null;
  const spec = s.colorBy === 'group' ? s.groupBy : s.colorBy;
  if (spec) {
    const keys = new Map(app.runs.map((run) => [run, groupOf(app, spec, run)]));
    const names = [...new Set([...keys.values()].filter((k) => k !== null))];
    rule = (run) => (keys.get(run) === null || keys.get(run) === undefined ? null : groupColor(names, keys.get(run)));
  }
  setColorChoices(app.colors || new Map(), rule);
  fillChoices(app);
}

/** Options that depend on the data: scalar tags as x axes, hparams for colouring, metrics for "at best". */
function fillChoices(app) {
  const scalarTags = [...new Set(Object.values(app.tags).flatMap((t) => t.scalars || []))].sort();
  setOptions($('x-axis'), [['step', 'Step'], ['relative', 'Relative time'], ['wall', 'Wall time'],
    ...scalarTags.map((t) => [`scalar:${t}`, `Scalar: ${t}`])], app.state.xAxis);
  const rows = app.hparamRows || [];
  const hparams = [...new Set(rows.flatMap((r) => Object.keys(r.hparams || {})))].sort();
  setOptions($('color-by'), [['', 'Run'], ['group', 'Group'], ...hparams.map((h) => [`hparam:${h}`, `HParam: ${h}`])], app.state.colorBy);
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics || {})))].sort();
  setOptions($('hparams-value'), [['last', 'Last'], ['min', 'Minimum'], ['max', 'Maximum'],
    ...metrics.flatMap((m) => [[`at_best:${m}:min`, `At the lowest ${m}`], [`at_best:${m}:max`, `At the highest ${m}`]])],
  app.state.hparamsValue);
}

function setOptions(select, options, value) {
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
  }
  if (!options.some(([v]) => v === value)) {
    // a choice from the URL whose data isn't there yet keeps its place
    select.append(el('option', { value }, value));
  }
  select.value = value;
}

/** Adds a run's colour button, copy button and focus mark to its run-list item. */
export function decorateRunItem(app, item, run) {
  const color = runColor(run);
  const choose = el('button', {
    type: 'button', className: 'color', dataset: { colorRun: run },
    attrs: { 'aria-label': `Pick the colour of ${run}`, title: 'Pick this run\'s colour' },
  });
  choose.style.background = color;
  choose.addEventListener('click', () => {
    // one colour input for every run: it opens for the run whose button was pressed
    const picker = $('run-color');
    picker.dataset.run = run;
    picker.value = /^#[0-9a-f]{6}$/i.test(color) ? color : '#888888';
    try { picker.showPicker(); } catch (_) { picker.click(); }
  });
  const copy = el('button', { type: 'button', className: 'copy', attrs: { title: 'Copy the run\'s path (relative to the logdir)', 'aria-label': `Copy the path of ${run}` } }, 'Copy');
  copy.addEventListener('click', async () => {
    item.dataset.copied = await copyText(run) ? '1' : '0';
  });
  item.classList.toggle('focused', app.state.focus === run);
  item.append(choose, copy);
}

/** Sets (or with `color` null, forgets) the colour picked for `run`. */
export function setRunColor(app, run, color) {
  if (color) app.colors.set(run, color.toLowerCase()); else app.colors.delete(run);
  applyRunColors(app).then(() => {
    app.renderRunList();
    app.settingsChanged('colors');
  });
}

/** Pins or unpins a scalar card. */
export function togglePin(app, tag) {
  app.pins = app.pins.includes(tag) ? app.pins.filter((t) => t !== tag) : [...app.pins, tag];
  app.settingsChanged('pins');
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    const area = el('textarea', { value: text });
    document.body.append(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    return done;
  }
}

/** The URL exporting the runs and scalar tags shown, with the current smoothing. */
export function exportURL(app) {
  const runs = app.visibleRuns().filter((run) => (app.tags[run]?.scalars || []).length > 0);
  return apiURL('export', {
    runs: exactPattern(runs), tags: exactPattern(app.tagsOf('scalars')),
    format: $('export-format').value, smoothing: app.state.smoothing,
  });
}

export function updateExportLink(app) {
  const link = $('export-link');
  link.href = exportURL(app);
  link.download = `lumen-scalars-${$('export-format').value}.csv`;
}

/** Binds the comparison controls of the sidebar. */
export function bindCompareControls(app) {
  const s = app.state;
  const check = (id, key) => {
    const box = $(id);
    box.checked = s[key];
    box.addEventListener('change', () => app.setState({ [key]: box.checked }));
  };
  check('x-log', 'xLog');
  check('show-purged', 'showPurged');
  const group = $('group-by');
  group.value = s.groupBy;
  const validGroup = () => {
    const text = group.value;
    let message = '';
    if (text.startsWith('hparam:')) { if (text.length === 7) message = 'hparam: needs a name'; } else {
      try { new RegExp(text); } catch (error) { message = `Not a valid regex: ${error.message}`; }
    }
    $('group-by-error').textContent = message;
    $('group-by-error').hidden = !message;
    return !message;
  };
  group.addEventListener('input', () => {
    if (!validGroup()) return;
    app.setState({ groupBy: group.value });
    if (app.state.colorBy === 'group' || group.value.startsWith('hparam:')) applyRunColors(app).then(() => app.renderRunList());
  });
  for (const [id, key] of [['band', 'band'], ['hparams-value', 'hparamsValue']]) {
    const select = $(id);
    select.value = s[key];
    select.addEventListener('change', () => app.setState({ [key]: select.value }));
  }
  const colorBy = $('color-by');
  colorBy.addEventListener('change', () => {
    app.state.colorBy = colorBy.value;
    applyRunColors(app).then(() => {
      app.renderRunList();
      app.settingsChanged('colorBy');
    });
  });
  const picker = $('run-color');
  picker.addEventListener('input', () => { if (picker.dataset.run) setRunColor(app, picker.dataset.run, picker.value); });
  $('export-format').addEventListener('change', () => updateExportLink(app));
  $('export-link').addEventListener('click', () => updateExportLink(app));
  syncCompareControls(app);
}

/** Puts the controls back in line with the state (after the URL changed). */
export function syncCompareControls(app) {
  const s = app.state;
  $('x-log').checked = s.xLog;
  $('show-purged').checked = s.showPurged;
  $('group-by').value = s.groupBy;
  $('band').value = s.band;
  fillChoices(app);
  updateExportLink(app);
}
