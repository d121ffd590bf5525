// The Text dashboard: per tag and run, each step's markdown rendered as safe DOM (markdown.js).
import { getJSON } from './api.js';
import { runColor } from './colors.js';
import { el, swatch } from './dom.js';
import { formatWallTime } from './format.js';
import { TagRunCardsView } from './cards.js';
import { renderMarkdown } from './markdown.js';

class TextCard {
  constructor(tag, run) {
    this.tag = tag; this.run = run; this.loaded = false;
    this.body = el('div', { className: 'entries' });
    this.element = el('section', { className: 'card text', dataset: { tag, run } },
      el('h3', {}, tag), el('div', { className: 'run-name' }, swatch(runColor(run)), run), this.body);
  }

  async load() {
    this.loaded = true;
    let entries = [];
    try { entries = await getJSON('text', { run: this.run, tag: this.tag }); } catch (_) { /* shown as empty */ }
    entries.sort((a, b) => b.step - a.step);
    this.body.replaceChildren(...entries.map((entry) => el('article', { className: 'text-entry', dataset: { step: entry.step } },
      el('div', { className: 'step' }, `step ${entry.step} · ${formatWallTime(entry.wallTime)}`),
      renderMarkdown(entry.text))));
    this.element.dataset.entries = String(entries.length);
  }
}

export class TextView extends TagRunCardsView {
  constructor(app, root) {
    super(app, root, 'text', (tag, run) => new TextCard(tag, run), 'No text tags match the filter for the selected runs.');
  }
}
