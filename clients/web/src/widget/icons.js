/* The widget's icons: SVG markup for `html:` attributes (static, trusted), in the shared frame of
 * src/shared/dom.js, 20 px unless an icon says otherwise. */
import { svg as frame } from '../shared/dom.js';

// `extra` comes first: with a duplicate attribute the first one counts (e.g. width="26").
const svg = (d, extra) => frame(d, 20, extra || '');
export const ICON = {
  chat: svg('<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/>', ' width="26" height="26"'),
  down: svg('<path d="m6 9 6 6 6-6"/>', ' width="26" height="26"'),
  close: svg('<path d="M18 6 6 18M6 6l12 12"/>'),
  back: svg('<path d="m15 18-6-6 6-6"/>'),
  inbox: svg('<path d="M4 5h16v11H8l-4 4z"/><path d="M8 10h8"/>'),
  search: svg('<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>'),
  send: svg('<path d="M5 12h13M12 5l7 7-7 7"/>'),
  reply: svg('<path d="M9 14 4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 6 6v4"/>', ' width="15" height="15"'),
  star: svg('<path d="m12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3 6.5 20.2l1-6.2L3 9.6l6.2-.9z"/>', ' width="11" height="11" fill="currentColor" stroke="none"'),
  clock: svg('<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>', ' width="12" height="12"'),
  smile: svg('<circle cx="12" cy="12" r="9"/><path d="M8.5 14a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01"/>', ' width="16" height="16"'),
  more: svg('<circle cx="5" cy="12" r="1.2"/><circle cx="12" cy="12" r="1.2"/><circle cx="19" cy="12" r="1.2"/>', ' width="16" height="16"'),
  thumb: svg('<path d="M7 11v9H4v-9zM7 11l4-8a2.5 2.5 0 0 1 2.5 2.5V9h5.2a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.5 20H7"/>', ' width="14" height="14"'),
  check: svg('<path d="m5 12.5 4.5 4.5L19 7.5"/>', ' width="14" height="14" stroke-width="2.6"'),
  edit: svg('<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="m13.5 6.5 4 4"/>', ' width="16" height="16"'),
  trash: svg('<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>', ' width="16" height="16"'),
  flag: svg('<path d="M5 21V4M5 4h11l-2 4 2 4H5"/>', ' width="16" height="16"'),
  lock: svg('<rect x="5" y="11" width="14" height="9" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>', ' width="16" height="16"'),
  archive: svg('<rect x="3" y="4" width="18" height="4" rx="1"/><path d="M5 8v11h14V8M10 12h4"/>', ' width="16" height="16"'),
  pause: svg('<circle cx="12" cy="12" r="9"/><path d="M10 9v6M14 9v6"/>', ' width="16" height="16"'),
  hourglass: svg('<path d="M6 3h12M6 21h12M7 3c0 5 10 5 10 9s-10 4-10 9M17 3c0 5-10 5-10 9"/>', ' width="16" height="16"'),
  leave: svg('<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10"/>', ' width="30" height="30"'),
  bell: svg('<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>'),
  eye: svg('<path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>', ' width="12" height="12"'),
  alert: svg('<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5h.01"/>', ' width="14" height="14"'),
  ban: svg('<circle cx="12" cy="12" r="9"/><path d="m5.6 5.6 12.8 12.8"/>', ' width="30" height="30"'),
};
