// The Audio dashboard: per tag and run, a player for the clip at a step chosen with a slider, with
// the clip's sample rate and duration and its label.
import { apiURL, getJSON } from './api.js';
import { runColor } from './colors.js';
import { el, swatch } from './dom.js';
import { formatCount, formatDuration, jsonNumber } from './format.js';
import { TagRunCardsView, setSliderEntries } from './cards.js';

class AudioCard {
  constructor(tag, run) {
    this.tag = tag; this.run = run;
    this.entries = []; this.position = null; this.loaded = false;
    this.player = el('audio', { controls: true, preload: 'metadata', attrs: { 'aria-label': `${tag} (${run})` } });
    this.player.addEventListener('loadedmetadata', () => this.showDuration());
    this.slider = el('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, attrs: { 'aria-label': `Step of ${tag} for run ${run}` } });
    this.slider.addEventListener('input', () => { this.position = Number(this.slider.value); this.show(); });
    this.stepLabel = el('span', { className: 'step' });
    this.rate = el('span', { className: 'rate' });
    this.duration = el('span', { className: 'duration' });
    this.label = el('p', { className: 'label' });
    this.element = el('section', { className: 'card audio', dataset: { tag, run } },
      el('h3', {}, tag), el('div', { className: 'run-name' }, swatch(runColor(run)), run),
      el('div', { className: 'toolbar' }, this.stepLabel, this.slider),
      this.player,
      el('div', { className: 'toolbar' }, this.rate, this.duration),
      this.label);
  }

  async load() {
    this.loaded = true;
    let entries = [];
    try { entries = await getJSON('audio', { run: this.run, tag: this.tag }); } catch (_) { /* shown as none */ }
    setSliderEntries(this, entries);
    this.show();
  }

  show() {
    const entry = this.entries[this.position];
    if (!entry) { this.stepLabel.textContent = 'no clips'; this.player.removeAttribute('src'); return; }
    this.stepLabel.textContent = `step ${entry.step}`;
    const rate = jsonNumber(entry.sampleRate);
    this.rate.textContent = Number.isFinite(rate) && rate > 0 ? `${formatCount(rate)} Hz` : 'sample rate unknown';
    this.label.textContent = entry.label || '';
    this.label.hidden = !entry.label;
    this.element.dataset.step = String(entry.step);
    this.element.dataset.index = String(entry.index);
    const src = apiURL('audioclip', { run: this.run, tag: this.tag, index: entry.index });
    if (this.player.getAttribute('src') !== src) {
      this.duration.textContent = '';
      delete this.element.dataset.duration;
      this.player.src = src;
    }
  }

  showDuration() {
    const seconds = this.player.duration;
    if (!Number.isFinite(seconds)) return;
    this.duration.textContent = formatDuration(seconds);
    this.element.dataset.duration = String(seconds);
  }
}

export class AudioView extends TagRunCardsView {
  constructor(app, root) {
    super(app, root, 'audio', (tag, run) => new AudioCard(tag, run), 'No audio tags match the filter for the selected runs.');
  }
}
