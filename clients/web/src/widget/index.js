/* Parley chat widget. Embed with one tag:
 *   <script src="https://chat.example.com/widget.js" data-channel="help"></script>
 * Attributes: data-channel (default "help"), data-token (a JWT minted by the host's backend;
 * without it visitors join as guests), data-title, data-subtitle, data-color, data-open="true",
 * data-manual="true" (wait for Parley.init). API: Parley.init({token, getToken, channel, title,
 * subtitle, color, open}), Parley.open(), Parley.close(), Parley.destroy().
 * The protocol logic lives in parley-client.js (bundled in); the UI is the Widget of widget.js,
 * rendered in a shadow root so the host page's styles and ours never mix.
 * Deep links (the links in notification emails): a page opened at #parley=<channel> or
 * #parley=<channel>/<seq> (channel encodeURIComponent-encoded: the widget's channel or one of the
 * user's DMs) opens the widget there and highlights message <seq>; see views/deeplink.js.
 *
 * This is the entry of the /widget.js bundle (esbuild, an IIFE: scripts/build-web.sh); the
 * sources are ES modules under clients/web/src/ (src/widget/widget.js lists them).
 */
'use strict';
import { DATA } from './config.js';
import { Widget } from './widget.js';

// ---- public API -------------------------------------------------------------------------
let widget = null, initCalled = false;
function init(opts) {
  initCalled = true;
  const o = opts || {};
  const cfg = {
    channel: o.channel || DATA.channel || 'help',
    token: o.token || (o.getToken ? null : DATA.token) || null,
    getToken: o.getToken || null,
    title: o.title || DATA.title || '',
    subtitle: o.subtitle || DATA.subtitle || '',
    greeting: o.greeting || DATA.greeting || '',
    color: o.color || DATA.color || '',
    open: o.open != null ? !!o.open : DATA.open === 'true',
  };
  const go = () => {
    if (widget) widget.destroy();
    widget = new Widget(cfg);
    return widget.start().catch((e) => console.warn('[parley]', e.message)); // eslint-disable-line no-console
  };
  return document.body ? go() : new Promise((r) => document.addEventListener('DOMContentLoaded', () => r(go()), { once: true }));
}

if (!(window.Parley && window.Parley.version)) { // else loaded twice: the first one stays
  window.Parley = {
    version: '0.1.0',
    init,
    open: () => widget && widget.open(),
    close: () => widget && widget.close(),
    destroy: () => { if (widget) widget.destroy(); widget = null; },
  };

  if (DATA.manual !== 'true') {
    const auto = () => { if (!initCalled) init({}); };
    // Let an inline Parley.init({...}) right after the tag win over the data attributes.
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', auto, { once: true });
    else setTimeout(auto, 0);
  }
}
