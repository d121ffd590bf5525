// A small markdown renderer that builds DOM nodes. Every piece of the source reaches the page as a
// text node (or a property of an element this code creates): raw HTML in the source stays text,
// and a link is made only for http(s) and relative URLs. Supports headings, paragraphs, emphasis,
// strong, strikethrough, inline code, fenced and indented code blocks, block quotes, ordered and
// unordered lists, horizontal rules, tables with alignment, links and autolinks.

/** Whether `url` may become a link: http, https or relative (resolved against the page). */
export function safeURL(url) {
  const text = String(url).trim();
  if (!text) return null;
  try {
    const resolved = new URL(text, document.baseURI);
    return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : null;
  } catch (_) {
    return null;
  }
}

function make(tag, ...children) {
  const node = document.createElement(tag);
  for (const c of children) node.append(c);
  return node;
}

// ---- inline ----

const PUNCT = '\\`*_{}[]()#+-.!|~<>"\'';

function findClosing(text, from, delim) {
  let i = from;
  while (i < text.length) {
    const j = text.indexOf(delim, i);
    if (j < 0) return -1;
    if (text[j - 1] !== '\\' && j > from) return j;
    i = j + 1;
  }
  return -1;
}

function matchBracket(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') depth++;
    else if (c === ']') { depth--; if (depth === 0) return i; }
  }
  return -1;
}

function matchParen(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') { i++; continue; }
    if (c === '(') depth++;
    else if (c === ')') { depth--; if (depth === 0) return i; }
  }
  return -1;
}

/** Appends the inline content of `text` to `parent`. */
export function renderInline(text, parent) {
  let buffer = '';
  const flush = () => { if (buffer) { parent.append(document.createTextNode(buffer)); buffer = ''; } };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && PUNCT.includes(text[i + 1])) { buffer += text[i + 1]; i += 2; continue; }
    if (c === '\n') {
      if (buffer.endsWith('  ')) { buffer = buffer.replace(/ +$/, ''); flush(); parent.append(document.createElement('br')); } else buffer += ' ';
      i += 1; continue;
    }
    if (c === '`') {
      let n = 1; while (text[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      let j = text.indexOf(fence, i + n);
      while (j >= 0 && text[j + n] === '`') j = text.indexOf(fence, j + n + 1);
      if (j >= 0) {
        flush();
        let code = text.slice(i + n, j).replace(/\n/g, ' ');
        if (code.startsWith(' ') && code.endsWith(' ') && code.trim()) code = code.slice(1, -1);
        const node = document.createElement('code'); node.textContent = code; parent.append(node);
        i = j + n; continue;
      }
      buffer += fence; i += n; continue;
    }
    if ((c === '*' || c === '_' || c === '~') && (text[i + 1] === c)) {
      const delim = c + c;
      const j = findClosing(text, i + 2, delim);
      if (j > i + 2 && text[i + 2] !== ' ') {
        flush();
        const node = document.createElement(c === '~' ? 'del' : 'strong');
        renderInline(text.slice(i + 2, j), node); parent.append(node);
        i = j + 2; continue;
      }
    }
    if ((c === '*' || c === '_') && text[i + 1] !== ' ' && text[i + 1] !== c && text[i + 1] !== undefined) {
      const wordInside = c === '_' && /\w/.test(text[i - 1] || '');
      const j = wordInside ? -1 : findClosing(text, i + 1, c);
      if (j > i + 1 && text[j - 1] !== ' ' && !(c === '_' && /\w/.test(text[j + 1] || ''))) {
        flush();
        const node = document.createElement('em');
        renderInline(text.slice(i + 1, j), node); parent.append(node);
        i = j + 1; continue;
      }
    }
    if (c === '[' || (c === '!' && text[i + 1] === '[')) {
      const open = c === '!' ? i + 1 : i;
      const close = matchBracket(text, open);
      if (close > 0 && text[close + 1] === '(') {
        const end = matchParen(text, close + 1);
        if (end > 0) {
          flush();
          const label = text.slice(open + 1, close);
          const target = text.slice(close + 2, end).trim().replace(/\s+("[^"]*"|'[^']*')$/, '');
          const title = (text.slice(close + 2, end).trim().match(/\s+"([^"]*)"$|\s+'([^']*)'$/) || [])
            .slice(1).find((x) => x !== undefined);
          const href = safeURL(target.replace(/^<(.*)>$/, '$1'));
          const holder = href ? document.createElement('a') : document.createElement('span');
          if (href) {
            holder.href = href; holder.rel = 'noopener noreferrer nofollow'; holder.target = '_blank';
            if (title) holder.title = title;
          }
          if (c === '!') holder.append(document.createTextNode(label || target)); else renderInline(label, holder);
          parent.append(holder);
          i = end + 1; continue;
        }
      }
    }
    if (c === '<') {
      const m = /^<(https?:\/\/[^\s<>]+)>/i.exec(text.slice(i));
      if (m) {
        const href = safeURL(m[1]);
        if (href) {
          flush();
          const a = document.createElement('a');
          a.href = href; a.rel = 'noopener noreferrer nofollow'; a.target = '_blank'; a.textContent = m[1];
          parent.append(a);
          i += m[0].length; continue;
        }
      }
    }
    buffer += c; i += 1;
  }
  flush();
}

// ---- blocks ----

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)?.*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

function splitRow(line) {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells = [];
  let cell = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '|') { cell += '|'; i++; continue; }
    if (s[i] === '|') { cells.push(cell.trim()); cell = ''; continue; }
    cell += s[i];
  }
  cells.push(cell.trim());
  return cells;
}

function startsBlock(line, next) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || LIST_ITEM.test(line)
    || (line.includes('|') && next !== undefined && TABLE_SEP.test(next) && next.includes('-'));
}

/** Appends the blocks of `lines` to `parent`. */
function renderBlocks(lines, parent) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    let m;
    if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !(lines[i].trim().startsWith(fence[0].repeat(fence.length)) && lines[i].trim().replace(new RegExp(`^\\${fence[0]}+`), '').trim() === '')) { body.push(lines[i]); i++; }
      i++;
      const code = make('code'); code.textContent = body.join('\n');
      if (m[2]) code.dataset.language = m[2];
      parent.append(make('pre', code));
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const body = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim())) { body.push(lines[i].replace(/^( {4}|\t)/, '')); i++; }
      while (body.length && !body[body.length - 1].trim()) body.pop();
      const code = make('code'); code.textContent = body.join('\n');
      parent.append(make('pre', code));
      continue;
    }
    if ((m = HEADING.exec(line))) {
      const h = document.createElement(`h${m[1].length}`);
      renderInline(m[2] || '', h); parent.append(h); i++; continue;
    }
    if (RULE.test(line)) { parent.append(document.createElement('hr')); i++; continue; }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const header = splitRow(line);
      const aligns = splitRow(lines[i + 1]).map((s) => (s.startsWith(':') && s.endsWith(':') ? 'center' : s.endsWith(':') ? 'right' : s.startsWith(':') ? 'left' : ''));
      i += 2;
      const table = document.createElement('table');
      const headRow = document.createElement('tr');
      header.forEach((cell, k) => { const th = document.createElement('th'); if (aligns[k]) th.align = aligns[k]; renderInline(cell, th); headRow.append(th); });
      table.append(make('thead', headRow));
      const tbody = document.createElement('tbody');
      while (i < lines.length && lines[i].trim() && lines[i].includes('|')) {
        const cells = splitRow(lines[i]);
        const tr = document.createElement('tr');
        header.forEach((_, k) => { const td = document.createElement('td'); if (aligns[k]) td.align = aligns[k]; renderInline(cells[k] || '', td); tr.append(td); });
        tbody.append(tr); i++;
      }
      table.append(tbody);
      parent.append(table);
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && lines[i].trim() && (m = QUOTE.exec(lines[i]) || (body.length && !startsBlock(lines[i]) ? [null, lines[i]] : null))) { body.push(m[1]); i++; }
      const quote = document.createElement('blockquote');
      renderBlocks(body, quote); parent.append(quote); continue;
    }
    if ((m = LIST_ITEM.exec(line))) {
      const ordered = /\d/.test(m[2]);
      const list = document.createElement(ordered ? 'ol' : 'ul');
      if (ordered && parseInt(m[2], 10) !== 1) list.start = parseInt(m[2], 10);
      const indent = m[1].length;
      while (i < lines.length) {
        const item = LIST_ITEM.exec(lines[i]);
        if (!item || item[1].length !== indent || /\d/.test(item[2]) !== ordered) break;
        const content = [item[3]];
        const inner = item[1].length + item[2].length + 1;
        i++;
        while (i < lines.length) {
          const next = lines[i];
          if (!next.trim()) {
            if (i + 1 < lines.length && /^\s+/.test(lines[i + 1]) && lines[i + 1].search(/\S/) >= inner) { content.push(''); i++; continue; }
            break;
          }
          const lead = next.search(/\S/);
          if (lead >= inner || (lead > indent && LIST_ITEM.test(next))) { content.push(next.slice(Math.min(lead, inner))); i++; continue; }
          if (!startsBlock(next, lines[i + 1]) && lead >= 0 && !LIST_ITEM.test(next)) { content.push(next.trim()); i++; continue; }
          break;
        }
        const li = document.createElement('li');
        if (content.length === 1) renderInline(content[0], li); else renderBlocks(content, li);
        list.append(li);
        while (i < lines.length && !lines[i].trim()) {
          if (i + 1 < lines.length && LIST_ITEM.test(lines[i + 1]) && LIST_ITEM.exec(lines[i + 1])[1].length === indent) { i++; } else break;
        }
      }
      parent.append(list);
      continue;
    }
    // paragraph
    const body = [line.trim()];
    i++;
    while (i < lines.length && lines[i].trim() && !startsBlock(lines[i], lines[i + 1])) { body.push(lines[i].replace(/^\s+/, '')); i++; }
    const p = document.createElement('p');
    renderInline(body.join('\n'), p);
    parent.append(p);
  }
}

/** The markdown `text` as a DOM fragment of safe nodes. */
export function renderMarkdown(text) {
  const root = document.createElement('div');
  root.className = 'markdown';
  renderBlocks(String(text).replace(/\r\n?/g, '\n').split('\n'), root);
  return root;
}
