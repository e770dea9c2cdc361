/* The DOM kit the widget (src/widget/) and the staff console (src/console/) share: one element
 * builder, the SVG icon frame, search snippets as safe DOM, and the colour of a user's avatar.
 * Plain DOM, no framework; bundled into each of /widget.js and /console.js (scripts/build-web.sh). */

/**
 * h(tag, attrs, ...kids): a new element. attrs: `class`, `text` (textContent), `html` (trusted,
 * static markup only: icons), `on<event>` (a listener), anything else an attribute (true → "",
 * null / undefined / false → left out). kids: nodes or strings, arrays of them at any depth;
 * null, undefined and false are skipped.
 */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'html') el.innerHTML = v; // trusted, static markup only (icons)
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat(Infinity)) if (c != null && c !== false) el.append(c);
  return el;
}

/** An icon's markup: path data `d` in a 24×24 stroked frame, `size` px square, hidden from
 *  assistive technology. `extra` attributes come first: with a duplicate attribute the first one
 *  counts (the widget's icons pass their own width and height that way). */
export function svg(d, size = 16, extra = '') {
  return `<svg${extra} viewBox="0 0 24 24" width="${size}" height="${size}" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${d}</svg>`;
}

/** A search snippet (server-escaped HTML with <mark>) as DOM nodes: text and <mark> elements
 *  only, whatever else it holds (the server escapes it; this keeps the pages safe even if it did
 *  not). */
export function markedText(html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  return [...doc.body.childNodes].map((n) => (n.nodeName === 'MARK' ? h('mark', { text: n.textContent }) : document.createTextNode(n.textContent || '')));
}

/** A stable hue (0–359) for a user id: the colour of their avatar. */
export function hue(id) {
  let x = 0;
  for (const ch of String(id)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return x % 360;
}
