/* The widget: one instance per page (index.js makes it), rendered in a shadow root so the host
 * page's styles and ours never mix. This file holds its state fields, the DOM skeleton (launcher,
 * panel, header) and opening and closing; the rest of its methods live by concern in the files
 * mixed in below, each a class whose methods are copied onto Widget.prototype (one `this`, as if
 * they were written here):
 *   transport.js   start-up, tokens (host or guest), connect, destroy
 *   state.js       the conversations model, unread counts and read markers
 *   events.js      the protocol client's events
 *   views/         header.js (header, launcher count, switching views), onboarding.js,
 *                  conversation.js (message list, paging, focus), message.js (one message),
 *                  composer.js, commands.js (slash commands), bot-actions.js, inbox.js,
 *                  search.js, deeplink.js, popups.js (picker, menu, toasts), sheets.js, editing.js
 */
import { h } from '../shared/dom.js';
import { ICON } from './icons.js';
import { STYLE } from './styles.js';
import { Transport } from './transport.js';
import { Conversations } from './state.js';
import { ClientEvents } from './events.js';
import { Header } from './views/header.js';
import { Onboarding } from './views/onboarding.js';
import { Search } from './views/search.js';
import { DeepLinks } from './views/deeplink.js';
import { Inbox } from './views/inbox.js';
import { Conversation } from './views/conversation.js';
import { Composer } from './views/composer.js';
import { SlashCommands } from './views/commands.js';
import { BotActions } from './views/bot-actions.js';
import { MessageView } from './views/message.js';
import { Popups } from './views/popups.js';
import { Sheets } from './views/sheets.js';
import { Editing } from './views/editing.js';

export class Widget {
  constructor(cfg) {
    this.cfg = cfg;
    this.channel = cfg.channel || 'help';
    this.convs = new Map();
    this.active = null;
    this.view = 'conv';
    this.isOpen = false;
    this.me = null;
    this.online = new Map(); // user id → name, from presence events
    this.typers = new Map(); // channel → Map(user id → {name, until})
    this.replyTo = null;
    this.cmds = { list: null, at: 0, loading: null, failedAt: 0 }; // slash commands, per page
    this.cmdMenu = null; // {items, index} while the command menu is open
    this.cmdDismissed = null; // the composer text the menu was closed on with Escape
    this.ephSeq = 0;
    this.chosen = new Map(); // bot-message buttons we clicked: "channel#seq" → {id, ts} (localStorage)
    this.actionBusy = new Map(); // "channel#seq" → the button id whose click is on its way
    this.actionNotes = new Map(); // "channel#seq" → {kind, text}: why the last click failed
    this.mount();
  }

  // -- DOM skeleton --
  mount() {
    this.host = h('div', { 'data-parley': '', style: 'all:initial' });
    const shadow = this.host.attachShadow({ mode: 'open' });
    this.shadow = shadow;
    const color = /^#[0-9a-f]{3,8}$|^(rgb|hsl)a?\([\d\s.,%]+\)$/i.test(this.cfg.color || '') ? this.cfg.color : null;
    this.root = h('div', { class: 'root', style: color ? `--brand:${color}` : null });
    this.announcer = h('div', { class: 'sr', 'aria-live': 'polite', 'aria-atomic': 'false' });
    this.titleEl = h('h2', { id: 'p-title', text: this.cfg.title || 'Help' });
    this.subEl = h('p', { id: 'p-sub', text: this.cfg.subtitle || 'Ask the team and the community' });
    this.stack = h('div', { class: 'stack', 'aria-hidden': 'true' });
    this.backBtn = h('button', { class: 'ibtn', type: 'button', hidden: true, html: ICON.back, onclick: () => this.show(this.channel) });
    this.inboxDot = h('span', { class: 'dot', hidden: true });
    this.inboxBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Private messages', title: 'Private messages', html: ICON.inbox, onclick: () => this.showInbox() }, this.inboxDot);
    this.searchBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Search the community', title: 'Search', html: ICON.search, hidden: true, onclick: () => this.showSearch() });
    this.settingsBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Email notifications', title: 'Email notifications', 'aria-haspopup': 'dialog', html: ICON.bell, hidden: true, onclick: () => this.openSettings() });
    const closeBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Close chat', title: 'Close', html: ICON.close, onclick: () => this.close() });
    this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
    this.body = h('div', { class: 'view' });
    this.panel = h('section', { class: 'panel', id: 'p-panel', role: 'dialog', 'aria-labelledby': 'p-title', 'aria-describedby': 'p-sub', hidden: true,
      onkeydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.close(); } } },
    h('header', { class: 'head' }, this.backBtn, this.stack, h('div', { class: 'titles' }, this.titleEl, this.subEl), this.searchBtn, this.inboxBtn, this.settingsBtn, closeBtn),
    this.banner, this.body);
    this.count = h('span', { class: 'count', hidden: true, 'aria-hidden': 'true' });
    this.launcher = h('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'p-panel', 'aria-label': 'Open chat', html: ICON.chat, onclick: () => (this.isOpen ? this.close() : this.open()) }, this.count);
    this.preview = h('button', { class: 'preview', type: 'button', hidden: true, onclick: () => this.open(this.preview.dataset.channel) });
    this.root.append(this.announcer, this.panel, this.preview, this.launcher);
    shadow.append(h('style', { text: STYLE }), this.root);
    // a click anywhere else closes the reaction picker / message menu
    shadow.addEventListener('pointerdown', (e) => {
      if (this.pop && !this.pop.el.contains(e.target) && !this.pop.anchor.contains(e.target)) this.closePop();
    }, true);
    document.body.append(this.host);
  }

  // -- open / close --
  open(channel) {
    this.isOpen = true;
    this.root.classList.add('open');
    this.panel.hidden = false;
    this.preview.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.setAttribute('aria-label', 'Close chat');
    this.launcher.innerHTML = ICON.down;
    this.launcher.append(this.count);
    if (channel && this.convs.has(channel)) this.show(channel);
    else if (this.client) this.markRead(this.active);
    this.updateCount();
    this.focusDefault();
    this.scrollToEnd(true);
  }

  close() {
    this.isOpen = false;
    this.root.classList.remove('open');
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.innerHTML = ICON.chat;
    this.launcher.append(this.count);
    this.updateCount();
    this.launcher.focus();
  }

  focusDefault() {
    const el = this.body.querySelector('input, textarea');
    if (el) el.focus({ preventScroll: true });
  }
}

for (const part of [Transport, Conversations, ClientEvents, Header, Onboarding, Search, DeepLinks, Inbox,
  Conversation, Composer, SlashCommands, BotActions, MessageView, Popups, Sheets, Editing]) {
  for (const [name, desc] of Object.entries(Object.getOwnPropertyDescriptors(part.prototype))) {
    if (name === 'constructor') continue;
    if (Object.prototype.hasOwnProperty.call(Widget.prototype, name)) throw new Error(`Widget.${name} is defined twice`);
    Object.defineProperty(Widget.prototype, name, desc);
  }
}
