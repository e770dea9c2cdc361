/* Parley staff console (served at /console), the entry of the /console.js bundle (esbuild, an
 * IIFE: scripts/build-web.sh; the sources are these ES modules, the protocol client
 * parley-client.js and the DOM kit src/shared/dom.js are bundled in). No framework.
 *
 * Talks to parleyd the same two ways every client does (protocol/PROTOCOL.md, DESIGN.md §2, §7):
 *   - one WebSocket through the shared protocol client (parley-client.js: reconnect with backoff,
 *     resume with `since`, dedupe), authenticated with the staff JWT: live messages of every
 *     watched channel, moderation ops (delete, mute, ban, kick, resolve_report, add_member, …)
 *     and the staff-only pushes `report` / `report_resolved`;
 *   - the staff HTTP API with `Authorization: Bearer`: channel list and settings, reports, audit
 *     log, user records.
 *
 * The token comes from `?token=` (stripped from the address bar at once) or the sign-in form and
 * is kept in sessionStorage (this tab only). Views are addressed by the URL hash:
 *   #/channels[/<name>]   #/reports[/open|upheld|dismissed]   #/audit   #/search
 *   #/advocates   #/at-risk   #/insights   #/knowledge   (the Community group: community.js)
 *   #/webhooks[/<id>]                                      (admins: webhooks.js)
 * The modules, by concern:
 *   boot.js       start-up, sign-in, the connection and its events
 *   shell.js      navigation, top bar, routing
 *   state.js      shared state (S, E), user names;  server.js  the HTTP API and WebSocket ops
 *   channels.js, channel-settings.js, stream.js (a channel's messages), moderation.js (dialogs),
 *   reports.js, audit.js, search.js, user.js (the user panel), community.js, webhooks.js
 *   kit.js        icons, formats, toasts, dialogs; config.js  fixed settings
 *
 * Tests: tests/browser/e2e/console*.test.js and community.test.js (Playwright, Chromium).
 * Working around the server as of 6663d52: there is no member list endpoint, so the members of
 * a private channel are rebuilt from the audit log; reports carry only the reporter's id, so
 * names are looked up with GET /api/users/{id}; channels created by other staff arrive with the
 * next list refresh (every 60 s, or at once on a deep link), as no event announces them.
 */
'use strict';
import { E, S } from './state.js';
import { boot } from './boot.js';
import { noteRead, updateChanItem } from './channels.js';

// ---- go -------------------------------------------------------------------------------------
document.addEventListener('visibilitychange', () => {
  const ch = S.selected && S.channels.get(S.selected);
  if (document.visibilityState === 'visible' && ch && E.viewId === 'channels') {
    const had = ch.unseen;
    noteRead(ch);
    if (had) updateChanItem(ch);
  }
});
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
