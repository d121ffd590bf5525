// A dashboard of one card per (tag, run), or one per tag over its runs, grouped by tag prefix, loaded
// when a card scrolls into view. Histograms, distributions, images, audio and text have a card per
// (tag, run), PR curves one per tag; each supplies its card type.
import { el } from './dom.js';
import { groupTags } from './scalars.js';

export class TagRunCardsView {
  /**
   * `kind` is the /api/tags list the tags come from; `makeCard(tag, run)` returns an object with
   * `element`, `loaded`, `load()` and optionally `draw()`, `visible` and `runsChanged()`. With
   * `perTag`, there is one card per tag, made with `makeCard(tag, null)`; it reads its runs from the
   * app, and `runsChanged()` tells it when they change.
   */
  constructor(app, root, kind, makeCard, emptyText, { perTag = false } = {}) {
    this.app = app; this.root = root; this.kind = kind; this.makeCard = makeCard; this.emptyText = emptyText;
    this.perTag = perTag;
    this.cards = new Map();
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = entry.target.card;
        card.visible = entry.isIntersecting;
        if (!card.visible) continue;
        if (!card.loaded) card.load(); else if (card.draw) card.draw();
      }
    }, { rootMargin: '200px' });
  }

  render() {
    const runs = this.app.visibleRuns();
    const groups = [];
    const wanted = new Set();
    for (const [name, list] of groupTags(this.app.tagsOf(this.kind))) {
      const keys = [];
      for (const tag of list) {
        for (const run of this.perTag ? [null] : runs) {
          if (run !== null && !(this.app.tags[run]?.[this.kind] || []).includes(tag)) continue;
          const key = JSON.stringify(run === null ? [tag] : [tag, run]);
          keys.push(key);
          wanted.add(key);
          if (!this.cards.has(key)) {
            const card = this.makeCard(tag, run);
            card.element.card = card;
            this.cards.set(key, card);
            this.observer.observe(card.element);
          } else if (run === null) {
            this.cards.get(key).runsChanged?.();
          }
        }
      }
      groups.push([name, list, keys]);
    }
    for (const [key, card] of this.cards) if (!wanted.has(key)) { this.observer.unobserve(card.element); this.cards.delete(key); }
    // the same cards in the same order: leave the page alone (keeps focus and slider positions)
    const layoutKey = JSON.stringify([...wanted]);
    if (layoutKey === this.layoutKey && this.root.firstChild) return;
    this.layoutKey = layoutKey;
    const sections = groups.map(([name, list, keys]) => el('section', { className: 'group' },
      list.length === 1 && list[0] === name ? null : el('h2', {}, name),
      el('div', { className: 'cards' }, keys.map((key) => this.cards.get(key).element))));
    if (sections.length === 0) sections.push(el('p', { className: 'empty' }, this.emptyText));
    this.root.replaceChildren(...sections);
  }

  /** Reloads the loaded cards whose tag changed in a live update. */
  update(changes) {
    this.render();
    for (const card of this.cards.values()) {
      if (!card.loaded) continue;
      const runs = card.run === null ? Object.keys(changes.tags || {}) : [card.run];
      if (runs.some((run) => (changes.tags?.[run] || []).includes(card.tag))) card.load();
    }
  }

  /** Redraws the visible cards that draw on a canvas. */
  redraw() {
    for (const card of this.cards.values()) if (card.visible && card.loaded && card.draw) card.draw();
  }

  settingsChanged(what) {
    if (['runs', 'runFilter', 'tagFilter'].includes(what)) this.render();
    else if (what === 'theme') this.redraw();
  }

  destroy() { this.observer.disconnect(); }
}

/**
 * Gives a card's step slider (`card.slider`, `card.position`) the card's `entries`, one per slider
 * position: a slider at the newest entry (or not set yet) stays at the newest.
 */
export function setSliderEntries(card, entries) {
  const atEnd = card.position === null || card.position >= Number(card.slider.max);
  card.entries = entries;
  card.slider.max = String(Math.max(0, entries.length - 1));
  card.slider.disabled = entries.length <= 1;
  if (atEnd) card.position = Math.max(0, entries.length - 1);
  card.slider.value = String(card.position);
}
