// The board's page: run selector, tag filter, tabs, the state in the URL, and live updates.
//
// Each tab is a view: a class constructed as `new View(app, container)` with four methods, called
// only by the App:
//   render()              draws the view from scratch (on first show, and when the tags change);
//   update(changes)       applies a live change from /api/live ({runs, tags, ...}) without a redraw
//                         of what did not change;
//   settingsChanged(what) reacts to one setting changing ('runs', 'runFilter', 'tagFilter',
//                         'smoothing', 'theme' or any other key of the URL state);
//   destroy()             removes listeners, observers and timers.
// Views read the shared state from `app.state` and never write it directly: every change goes
// through `app.setState({key: value, ...})`, which updates the URL and tells the view.
import { getJSON } from './api.js';
import { formatCount } from './format.js';
import { assignRunColors, runColor } from './colors.js';
import { el, swatch, userRegExp } from './dom.js';
import { ScalarsView } from './scalars.js';
import { HistogramsView, DistributionsView } from './histograms.js';
import { ImagesView } from './images.js';
import { TextView } from './text.js';
import { GraphView } from './graph.js';
import { HParamsView } from './hparams.js';
import { PRCurvesView } from './prcurves.js';
import { AudioView } from './audio.js';
import { CustomScalarsView } from './customscalars.js';
import { ProjectorView } from './projector.js';
import { MeshView } from './mesh.js';
import {
  applyRunColors, bindCompareControls, decorateRunItem, readListState, syncCompareControls, updateExportLink, writeListState,
} from './compare.js';

const TABS = [
  { id: 'scalars', label: 'Scalars', View: ScalarsView, has: (t) => t.scalars && t.scalars.length > 0 },
  { id: 'customscalars', label: 'Custom Scalars', View: CustomScalarsView, has: (t) => t.customScalars === true },
  { id: 'histograms', label: 'Histograms', View: HistogramsView, has: (t) => t.histograms && t.histograms.length > 0 },
  { id: 'distributions', label: 'Distributions', View: DistributionsView, has: (t) => t.histograms && t.histograms.length > 0 },
  { id: 'images', label: 'Images', View: ImagesView, has: (t) => t.images && t.images.length > 0 },
  { id: 'audio', label: 'Audio', View: AudioView, has: (t) => t.audio && t.audio.length > 0 },
  { id: 'text', label: 'Text', View: TextView, has: (t) => t.text && t.text.length > 0 },
  { id: 'prcurves', label: 'PR Curves', View: PRCurvesView, has: (t) => t.prCurves && t.prCurves.length > 0 },
  { id: 'graph', label: 'Graph', View: GraphView, has: (t) => t.graph === true || (t.conceptualGraphs || []).length > 0 },
  { id: 'hparams', label: 'HParams', View: HParamsView, has: (t) => t.hparams === true },
  { id: 'projector', label: 'Projector', View: ProjectorView, has: (t) => t.projector === true },
  { id: 'mesh', label: 'Mesh', View: MeshView, has: (t) => t.meshes && t.meshes.length > 0 },
];

// The view state kept in the URL (name in the URL → default).
const DEFAULTS = {
  tab: '', tagFilter: '', runFilter: '', smoothing: 0.6, xAxis: 'step', yScale: 'linear',
  ignoreOutliers: false, histogramMode: 'offset', graphRun: '', graphColor: 'op', graphKind: '', graphStats: '', hparamsFilter: '',
  // comparing runs (compare.js): grouping and bands, log x, restarts, colours, hparams values, the focused run
  groupBy: '', band: 'std', xLog: false, showPurged: false, colorBy: '', hparamsValue: 'last', hparamsColumns: '', focus: '',
};

const $ = (id) => document.getElementById(id);
// From this many runs, a first load of the scalars draws its charts before it builds the run list
// and the cards' legends: building and laying out 1,000 entries takes a core that the server's first
// answers need.
const RUN_LIST_AFTER_CHART = 200;

class App {
  constructor() {
    this.state = { ...DEFAULTS };
    this.runs = [];            // names, sorted as the server sends them
    this.tags = {};            // run → {scalars, histograms, images, text, graph, hparams}
    this.selected = new Set(); // selected runs (when explicit)
    this.explicitSelection = false;
    this.known = new Set();
    this.view = null;
    this.viewTab = null;
    this.refreshing = null;
    this.refreshAgain = false;
    this.perf = { firstChart: null, runList: null, legends: null, redraws: [], onFirstChart: null };
    this.runListWaiting = false;
    this.chartWaiters = [];
    this.runColor = runColor;
    window.__lumen = this; // for the browser tests and the console
  }

  // ---- URL state ----
  readURL() {
    const q = new URLSearchParams(location.search);
    const s = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS)) {
      if (!q.has(key)) continue;
      const raw = q.get(key);
      if (typeof DEFAULTS[key] === 'number') {
        const v = Number(raw);
        if (Number.isFinite(v)) s[key] = Math.min(0.999, Math.max(0, v));
      } else if (typeof DEFAULTS[key] === 'boolean') {
        s[key] = raw === '1' || raw === 'true';
      } else {
        s[key] = raw;
      }
    }
    if (!['step', 'relative', 'wall'].includes(s.xAxis) && !s.xAxis.startsWith('scalar:')) s.xAxis = 'step';
    if (!['std', 'minmax'].includes(s.band)) s.band = 'std';
    if (!['linear', 'log'].includes(s.yScale)) s.yScale = 'linear';
    if (!['offset', 'overlay'].includes(s.histogramMode)) s.histogramMode = 'offset';
    if (!['op', 'device', 'compute', 'memory'].includes(s.graphColor)) s.graphColor = 'op';
    this.state = s;
    this.explicitSelection = q.has('sel');
    this.selected = new Set(q.getAll('run'));
    readListState(this, q);
  }

  /**
   * Writes the state into the URL (a new history entry if `push`). With `coalesce` (the smoothing
   * slider, which fires every frame while dragged), at most one write a second, the last state
   * always (and at once when the slider is let go): replacing the URL cost the browser about a
   * tenth of a 1,000-run card's slider frame.
   */
  writeURL(push = false, coalesce = false) {
    clearTimeout(this.urlTimer);
    this.urlTimer = null;
    if (coalesce && !push) {
      const wait = 1000 - (performance.now() - (this.urlWrittenAt ?? -Infinity));
      if (wait > 0) {
        this.urlTimer = setTimeout(() => this.writeURL(), wait);
        return;
      }
    }
    this.urlWrittenAt = performance.now();
    const q = new URLSearchParams();
    for (const [key, def] of Object.entries(DEFAULTS)) {
      const v = this.state[key];
      if (v === def || v === '') continue;
      q.set(key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    if (this.explicitSelection) {
      q.set('sel', '1');
      for (const run of this.runs) if (this.selected.has(run)) q.append('run', run);
    }
    writeListState(this, q);
    const url = `${location.pathname}${q.toString() ? `?${q}` : ''}${location.hash}`;
    if (url === `${location.pathname}${location.search}${location.hash}`) return;
    if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
  }

  // ---- runs and tags ----
  isSelected(run) { return !this.explicitSelection || this.selected.has(run); }

  runFilterRegExp() {
    try { return userRegExp(this.state.runFilter); } catch (_) { return null; }
  }

  tagFilterRegExp() {
    try { return userRegExp(this.state.tagFilter); } catch (_) { return null; }
  }

  /** Runs shown in the dashboards: selected and matching the run filter. */
  visibleRuns() {
    const re = this.runFilterRegExp();
    return this.runs.filter((r) => this.isSelected(r) && (!re || re.test(r)));
  }

  tagMatches(tag) {
    const re = this.tagFilterRegExp();
    return !re || re.test(tag);
  }

  /** The sorted union of `kind` tags over the visible runs that match the tag filter. */
  tagsOf(kind) {
    const set = new Set();
    for (const run of this.visibleRuns()) for (const tag of (this.tags[run]?.[kind] || [])) set.add(tag);
    return [...set].filter((t) => this.tagMatches(t)).sort();
  }

  async refresh(changes = null) {
    if (this.refreshing) { this.refreshAgain = true; this.pendingChanges = mergeChanges(this.pendingChanges, changes); return this.refreshing; }
    this.refreshing = (async () => {
      try {
        const [runs, tags] = await Promise.all([getJSON('runs'), getJSON('tags')]);
        const names = runs.map((r) => r.name);
        const fresh = names.filter((n) => !this.known.has(n));
        if (this.known.size > 0 && this.explicitSelection) for (const n of fresh) this.selected.add(n);
        for (const n of fresh) this.known.add(n);
        const runsChanged = names.join('\u0000') !== this.runs.join('\u0000');
        this.runs = names;
        assignRunColors(names);
        this.tags = tags;
        await applyRunColors(this);
        // The view first, so its cards in view start loading before the run list is built.
        this.renderTabs();
        this.showView(changes);
        if (runsChanged) this.renderRunListSoon();
        this.updateStatus();
      } catch (error) {
        $('status').textContent = `Cannot reach the board: ${error.message}`;
      } finally {
        this.refreshing = null;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          const pending = this.pendingChanges; this.pendingChanges = null;
          this.refresh(pending);
        }
      }
    })();
    return this.refreshing;
  }

  async updateStatus() {
    try {
      const s = await getJSON('status');
      const parts = [`${this.runs.length} run${this.runs.length === 1 ? '' : 's'}`, `${formatCount(s.events)} events`];
      if (!s.firstLoadDone) parts.push('loading…');
      if (s.corruptRecords) parts.push(`${s.corruptRecords} corrupt records`);
      const ignored = ignoredText(s.ignored);
      if (ignored) parts.push(ignored.short);
      $('status').textContent = parts.join(' · ');
      $('status').title = ignored ? ignored.long : '';
    } catch (_) { /* the next refresh retries */ }
  }

  /**
   * Renders the run list now, or, on a first load of RUN_LIST_AFTER_CHART runs or more on the
   * scalars tab, after the first chart has been painted (at most 2 s later).
   */
  renderRunListSoon() {
    if (this.runListWaiting) return;
    this.runListWaiting = true;
    this.afterFirstChart(() => { if (this.runListWaiting) this.renderRunList(); });
  }

  /**
   * Runs `work` now, or, on a first load of RUN_LIST_AFTER_CHART runs or more on the scalars tab,
   * after the frame that shows the first chart (not in the task that drew it), at most 2 s later.
   */
  afterFirstChart(work) {
    if (this.perf.firstChart !== null || this.runs.length < RUN_LIST_AFTER_CHART || this.currentTab()?.id !== 'scalars') {
      work();
      return;
    }
    this.chartWaiters.push(work);
    if (this.chartWaiters.length > 1) return;
    const flush = () => {
      for (const waiting of this.chartWaiters.splice(0)) {
        try { waiting(); } catch (error) { console.error(error); } // the others still run
      }
    };
    this.perf.onFirstChart = () => requestAnimationFrame(() => setTimeout(flush, 0));
    setTimeout(flush, 2000);
  }

  renderRunList() {
    this.runListWaiting = false;
    if (this.perf.runList === null) this.perf.runList = performance.now();
    const list = $('run-list');
    const re = this.runFilterRegExp();
    list.replaceChildren(...this.runs.map((run) => {
      const box = el('input', { type: 'checkbox', checked: this.isSelected(run), dataset: { run } });
      box.addEventListener('change', () => this.toggleRun(run, box.checked));
      const item = el('li', { dataset: { run } }, el('label', {}, box, swatch(runColor(run)), run));
      item.hidden = !!re && !re.test(run);
      decorateRunItem(this, item, run);
      return item;
    }));
    if (this.runs.length === 0) list.append(el('li', { className: 'empty' }, 'No runs yet.'));
  }

  toggleRun(run, on) {
    if (!this.explicitSelection) { this.explicitSelection = true; this.selected = new Set(this.runs); }
    if (on) this.selected.add(run); else this.selected.delete(run);
    this.settingsChanged('runs');
  }

  setAll(on) {
    const re = this.runFilterRegExp();
    if (!this.explicitSelection) { this.explicitSelection = true; this.selected = new Set(this.runs); }
    // All/None act on the runs the filter shows and leave the others as they are
    for (const run of this.runs) {
      if (re && !re.test(run)) continue;
      if (on) this.selected.add(run); else this.selected.delete(run);
    }
    if (on && this.runs.every((r) => this.selected.has(r))) { this.explicitSelection = false; this.selected = new Set(); }
    this.renderRunList();
    this.settingsChanged('runs');
  }

  // ---- tabs ----
  availableTabs() {
    // Once per /api/tags answer (it replaces `this.tags`): with 1,000 runs, each call walked every
    // run for each tab, about 18 ms of a first load over the calls it made.
    if (this.availableFor !== this.tags) {
      this.availableFor = this.tags;
      this.available = TABS.filter((tab) => Object.values(this.tags).some((t) => tab.has(t)));
    }
    return this.available;
  }

  currentTab() {
    const available = this.availableTabs();
    return available.find((t) => t.id === this.state.tab) || available[0] || null;
  }

  renderTabs() {
    const nav = $('tabs');
    const available = this.availableTabs();
    const current = this.currentTab();
    const ids = available.map((t) => t.id).join(',');
    if (nav.dataset.tabs !== ids || nav.dataset.current !== (current?.id || '')) {
      nav.dataset.tabs = ids;
      nav.dataset.current = current?.id || '';
      nav.replaceChildren(...available.map((tab) => {
        const selected = tab === current;
        const button = el('button', {
          type: 'button', id: `tab-${tab.id}`, tabIndex: selected ? 0 : -1,
          attrs: { role: 'tab', 'aria-selected': selected ? 'true' : 'false', 'aria-controls': 'main' },
          dataset: { tab: tab.id },
        }, tab.label);
        button.addEventListener('click', () => this.selectTab(tab.id));
        button.addEventListener('keydown', (event) => this.tabKey(event, available, tab));
        return button;
      }));
    }
  }

  tabKey(event, available, tab) {
    const i = available.indexOf(tab);
    let next = null;
    if (event.key === 'ArrowRight') next = available[(i + 1) % available.length];
    else if (event.key === 'ArrowLeft') next = available[(i - 1 + available.length) % available.length];
    else if (event.key === 'Home') next = available[0];
    else if (event.key === 'End') next = available[available.length - 1];
    if (!next) return;
    event.preventDefault();
    this.selectTab(next.id);
    $(`tab-${next.id}`)?.focus();
  }

  selectTab(id) {
    if (this.state.tab === id && this.viewTab === id) return;
    this.state.tab = id;
    this.writeURL(true);
    this.renderTabs();
    this.showView();
  }

  showView(changes = null) {
    const tab = this.currentTab();
    for (const id of ['scalar-controls', 'histogram-controls', 'graph-controls', 'hparams-controls']) $(id).hidden = true;
    const main = $('main');
    if (!tab) {
      if (this.view) { this.view.destroy(); this.view = null; this.viewTab = null; }
      main.replaceChildren(el('p', { className: 'empty' }, this.runs.length ? 'No data to show yet.' : 'No runs yet: waiting for event files in the logdir.'));
      return;
    }
    const controls = { scalars: 'scalar-controls', histograms: 'histogram-controls', graph: 'graph-controls', hparams: 'hparams-controls' }[tab.id];
    if (controls) $(controls).hidden = false;
    if (this.viewTab !== tab.id) {
      if (this.view) this.view.destroy();
      main.replaceChildren();
      main.dataset.tab = tab.id;
      this.view = new tab.View(this, main);
      this.viewTab = tab.id;
      this.view.render();
    } else if (changes) {
      this.view.update(changes);
    } else {
      this.view.render();
    }
  }

  // ---- settings ----
  /** Changes settings of the URL state: merges `patch`, writes the URL, tells the view what changed. */
  setState(patch) {
    Object.assign(this.state, patch);
    for (const key of Object.keys(patch)) this.settingsChanged(key);
  }

  settingsChanged(what) {
    this.writeURL(false, what === 'smoothing');
    if (what === 'runs' || what === 'runFilter') {
      for (const box of document.querySelectorAll('#run-list input[type=checkbox]')) box.checked = this.isSelected(box.dataset.run);
    }
    if (what === 'focus') this.renderRunList();
    // While the smoothing slider moves, the link follows when it is let go (and on a click).
    if (what !== 'smoothing') updateExportLink(this);
    if (this.view) this.view.settingsChanged(what);
  }

  bindControls() {
    const s = this.state;
    const bindRegExp = (id, key, errorId) => {
      const input = $(id);
      input.value = s[key];
      const check = () => {
        try { userRegExp(input.value); $(errorId).hidden = true; input.removeAttribute('aria-invalid'); return true; } catch (e) {
          $(errorId).textContent = `Not a valid regex: ${e.message}`; $(errorId).hidden = false; input.setAttribute('aria-invalid', 'true'); return false;
        }
      };
      check();
      input.addEventListener('input', () => {
        if (!check()) return;
        this.setState({ [key]: input.value });
        if (key === 'runFilter') this.renderRunList();
      });
    };
    bindRegExp('tag-filter', 'tagFilter', 'tag-filter-error');
    bindRegExp('run-filter', 'runFilter', 'run-filter-error');

    const smoothing = $('smoothing');
    smoothing.value = String(s.smoothing);
    $('smoothing-value').textContent = s.smoothing.toFixed(2);
    smoothing.addEventListener('input', () => {
      $('smoothing-value').textContent = Number(smoothing.value).toFixed(2);
      this.setState({ smoothing: Number(smoothing.value) });
    });
    smoothing.addEventListener('change', () => { this.writeURL(); updateExportLink(this); });
    const bindSelect = (id, key) => {
      const select = $(id);
      select.value = s[key];
      select.addEventListener('change', () => this.setState({ [key]: select.value }));
    };
    bindSelect('x-axis', 'xAxis');
    bindSelect('y-scale', 'yScale');
    bindSelect('histogram-mode', 'histogramMode');
    bindSelect('graph-color', 'graphColor');
    const outliers = $('ignore-outliers');
    outliers.checked = s.ignoreOutliers;
    outliers.addEventListener('change', () => this.setState({ ignoreOutliers: outliers.checked }));
    const hp = $('hparams-filter');
    hp.value = s.hparamsFilter;
    hp.addEventListener('input', () => this.setState({ hparamsFilter: hp.value }));
    bindCompareControls(this);
    $('runs-all').addEventListener('click', () => this.setAll(true));
    $('runs-none').addEventListener('click', () => this.setAll(false));
  }

  syncControls() {
    const s = this.state;
    $('tag-filter').value = s.tagFilter;
    $('run-filter').value = s.runFilter;
    $('smoothing').value = String(s.smoothing);
    $('smoothing-value').textContent = s.smoothing.toFixed(2);
    $('x-axis').value = s.xAxis;
    $('y-scale').value = s.yScale;
    $('ignore-outliers').checked = s.ignoreOutliers;
    $('histogram-mode').value = s.histogramMode;
    $('graph-color').value = s.graphColor;
    $('hparams-filter').value = s.hparamsFilter;
    syncCompareControls(this);
  }

  // ---- live ----
  connectLive() {
    if (!('EventSource' in window)) return;
    const source = new EventSource('api/live');
    this.live = source;
    source.onmessage = (event) => {
      let changes = null;
      try { changes = JSON.parse(event.data); } catch (_) { return; }
      this.liveMessages = (this.liveMessages || 0) + 1;
      this.refresh(changes);
    };
    source.onerror = () => { /* EventSource reconnects by itself */ };
  }

  async start() {
    this.readURL();
    this.bindControls();
    window.addEventListener('popstate', () => {
      this.readURL();
      this.syncControls();
      this.renderRunList();
      this.renderTabs();
      if (this.view) { this.view.destroy(); this.view = null; this.viewTab = null; }
      this.showView();
    });
    this.themeVersion = 0;
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { this.themeVersion += 1; this.view?.settingsChanged('theme'); });
    // A page kept in the back/forward cache must not hold its live connection open (browsers allow
    // only a few connections per host); it reconnects and refreshes when shown again.
    window.addEventListener('pagehide', () => { this.live?.close(); this.live = null; });
    window.addEventListener('pageshow', (event) => { if (event.persisted) { this.connectLive(); this.refresh(); } });
    await this.refresh();
    for (const run of this.runs) this.known.add(run);
    this.connectLive();
  }
}

/**
 * The status line's words for /api/status `ignored` ([{run, plugin, tags, events}]): the summaries
 * the board does not show, by plugin ("not shown: 12 events of plugin x (2 runs)"), and every run in
 * the title.
 */
function ignoredText(ignored) {
  if (!Array.isArray(ignored) || ignored.length === 0) return null;
  const byPlugin = new Map();
  for (const item of ignored) {
    const plugin = String(item.plugin || 'unknown');
    const entry = byPlugin.get(plugin) || { events: 0, runs: new Set(), tags: new Set() };
    entry.events += Number(item.events) || 0;
    entry.runs.add(String(item.run));
    for (const tag of Array.isArray(item.tags) ? item.tags : []) entry.tags.add(String(tag));
    byPlugin.set(plugin, entry);
  }
  const plural = (n, word) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
  const short = [...byPlugin].map(([plugin, e]) => `${plugin} (${plural(e.events, 'event')}, ${plural(e.runs.size, 'run')})`);
  const long = ignored.map((item) => `${item.run}: ${item.plugin}, ${plural(Number(item.events) || 0, 'event')}${Array.isArray(item.tags) && item.tags.length ? ` (${item.tags.join(', ')})` : ''}`);
  return { short: `not shown: ${short.join(', ')}`, long: `Summaries the board does not show:\n${long.join('\n')}` };
}

function mergeChanges(a, b) {
  if (!a) return b;
  if (!b) return a;
  const runs = [...new Set([...(a.runs || []), ...(b.runs || [])])];
  const tags = { ...(a.tags || {}) };
  for (const [run, list] of Object.entries(b.tags || {})) tags[run] = [...new Set([...(tags[run] || []), ...list])];
  return { runs, tags };
}

new App().start();
