// The Images dashboard: per tag and run, the image at a step chosen with a slider; a click shows it
// at its actual size.
import { apiURL, getJSON } from './api.js';
import { runColor } from './colors.js';
import { el, swatch } from './dom.js';
import { TagRunCardsView, setSliderEntries } from './cards.js';

class ImageCard {
  constructor(tag, run) {
    this.tag = tag; this.run = run;
    this.entries = []; this.position = null; this.loaded = false;
    this.img = el('img', { alt: `${tag} (${run})`, decoding: 'async' });
    this.img.addEventListener('click', () => this.toggleSize());
    this.img.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.toggleSize(); } });
    this.img.tabIndex = 0;
    this.slider = el('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, attrs: { 'aria-label': `Step of ${tag} for run ${run}` } });
    this.slider.addEventListener('input', () => { this.position = Number(this.slider.value); this.show(); });
    this.label = el('span', { className: 'step' });
    this.size = el('span', { className: 'size' });
    this.element = el('section', { className: 'card image', dataset: { tag, run } },
      el('h3', {}, tag), el('div', { className: 'run-name' }, swatch(runColor(run)), run),
      el('div', { className: 'toolbar' }, this.label, this.slider, this.size),
      el('div', { className: 'frame' }, this.img));
  }

  toggleSize() {
    const actual = this.img.classList.toggle('actual');
    this.element.dataset.actualSize = actual ? '1' : '0';
  }

  async load() {
    this.loaded = true;
    let entries = [];
    try { entries = await getJSON('images', { run: this.run, tag: this.tag }); } catch (_) { /* shown as none */ }
    setSliderEntries(this, entries);
    this.show();
  }

  show() {
    const entry = this.entries[this.position];
    if (!entry) { this.label.textContent = 'no images'; this.img.removeAttribute('src'); return; }
    this.label.textContent = `step ${entry.step}`;
    this.size.textContent = `${entry.width}×${entry.height}`;
    this.element.dataset.step = String(entry.step);
    const src = apiURL('image', { run: this.run, tag: this.tag, index: entry.index });
    if (this.img.getAttribute('src') !== src) this.img.src = src;
  }
}

export class ImagesView extends TagRunCardsView {
  constructor(app, root) {
    super(app, root, 'images', (tag, run) => new ImageCard(tag, run), 'No image tags match the filter for the selected runs.');
  }
}
