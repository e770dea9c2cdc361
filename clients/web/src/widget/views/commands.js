/* Widget methods (mixed into Widget, see widget.js): slash commands (PROTOCOL.md §3.8): the
 * command menu, running commands, ephemeral lines.
 * Bots register commands. "/" typed first in the composer opens a menu of them (a listbox
 * the textarea drives with aria-controls / aria-activedescendant; focus stays in the
 * textarea). Sending "/name args" for a known command runs it (`command`) instead of
 * posting; the user's invocation, errors and the bot's `command_reply` (to this user alone)
 * show as ephemeral lines: kept in memory (c.eph) only, gone after a reload. */
import { CMD_TTL_MS, EPH_MAX } from '../config.js';
import { h } from '../../shared/dom.js';
import { ICON } from '../icons.js';
import { fmtFull, when, linkify } from '../util.js';

export class SlashCommands {
  /** The commands, asked for again when older than CMD_TTL_MS; resolves with the list,
   *  rejects when it could not be fetched. One request at a time. */
  loadCommands() {
    const S = this.cmds;
    if (S.loading) return S.loading;
    if (S.list && Date.now() - S.at < CMD_TTL_MS) return Promise.resolve(S.list);
    if (!this.client) return Promise.reject(new Error('not connected'));
    S.loading = this.client.listCommands().then((ok) => {
      S.list = Array.isArray(ok.commands) ? ok.commands : [];
      S.at = Date.now();
      return S.list;
    }, (e) => { S.failedAt = Date.now(); throw e; }).finally(() => { S.loading = null; });
    return S.loading;
  }

  /** The command called `name`: the entry, null when the (known) list has none, undefined
   *  while the list is not known. */
  commandNamed(name) {
    const list = this.cmds.list;
    return list ? list.find((x) => x.name === name) || null : undefined;
  }

  /** "/name args" as {name, args} when it may be a command; null for text to post as it is
   *  ("/shrug" when no bot offers /shrug, "/ hello", "/Faq"). */
  parseCommand(text) {
    const m = /^\/([a-z0-9_-]{1,32})(?:\s+([\s\S]*))?$/.exec(text.trim());
    if (!m || this.commandNamed(m[1]) === null) return null;
    return { name: m[1], args: (m[2] || '').trim() };
  }

  /** Opens, filters or closes the menu after the composer's text changed. */
  updateCommandMenu() {
    const ta = this.textarea;
    if (!ta || !this.cmdMenuEl) return;
    const m = !ta.disabled && ta === this.shadow.activeElement && /^\/(\S{0,32})$/.exec(ta.value);
    if (this.cmdDismissed != null && this.cmdDismissed !== ta.value) this.cmdDismissed = null;
    if (!m || this.cmdDismissed != null) { this.closeCommandMenu(); return; }
    const S = this.cmds;
    const stale = !S.list || Date.now() - S.at >= CMD_TTL_MS;
    if (stale && !S.loading && Date.now() - S.failedAt > 5000) {
      this.loadCommands().then(() => this.updateCommandMenu(), () => {}); // shown when in
    }
    const q = m[1].toLowerCase(), list = S.list || [];
    const items = [...list.filter((x) => x.name.startsWith(q)), ...list.filter((x) => !x.name.startsWith(q) && x.name.includes(q))];
    if (!items.length) { this.closeCommandMenu(); return; }
    const prev = this.cmdMenu;
    const was = prev && prev.items[prev.index];
    const index = Math.max(0, was ? items.findIndex((x) => x.name === was.name) : 0);
    this.cmdMenu = { items, index };
    this.renderCommandMenu();
    if (!prev || prev.items.length !== items.length) {
      this.say(`${items.length} ${items.length === 1 ? 'command' : 'commands'}: ${items.length > 1 ? 'up and down arrows to choose, ' : ''}Enter to pick, Escape to close.`);
    }
  }

  renderCommandMenu() {
    const { items, index } = this.cmdMenu;
    this.cmdListEl.replaceChildren(...items.map((x, i) => {
      const off = x.online === false, bot = x.bot ? x.bot.name || x.bot.id : '';
      const call = `/${x.name}${x.usage ? ' ' + x.usage : ''}`;
      return h('li', { class: 'cmd' + (off ? ' off' : ''), role: 'option', id: 'p-cmd-' + x.name, 'aria-selected': i === index ? 'true' : 'false',
        'aria-label': `${call}: ${x.description}${bot ? ` (${bot}${off ? ', offline' : ''})` : off ? ' (offline)' : ''}`,
        onmousedown: (e) => e.preventDefault(), // the focus stays in the composer
        onclick: () => this.pickCommand(x) },
      h('span', { class: 'cn' }, '/' + x.name, x.usage ? h('span', { class: 'cu', text: ' ' + x.usage }) : null),
      h('span', { class: 'cd', text: x.description }),
      h('span', { class: 'cb' }, bot ? h('span', { text: bot }) : null, off ? h('span', { class: 'offtag', text: 'offline' }) : null));
    }));
    this.cmdMenuEl.hidden = false;
    this.textarea.setAttribute('aria-expanded', 'true');
    this.showCommand(index);
  }

  /** Makes option `i` the active one (aria-selected, aria-activedescendant) and shows it. */
  showCommand(i) {
    const M = this.cmdMenu;
    M.index = i;
    this.cmdListEl.querySelectorAll('[role="option"]').forEach((li, k) => li.setAttribute('aria-selected', k === i ? 'true' : 'false'));
    const li = this.cmdListEl.children[i];
    this.textarea.setAttribute('aria-activedescendant', li.id);
    li.scrollIntoView({ block: 'nearest' });
  }

  closeCommandMenu() {
    this.cmdMenu = null;
    if (this.cmdMenuEl) { this.cmdMenuEl.hidden = true; this.cmdListEl.replaceChildren(); }
    if (this.textarea) {
      this.textarea.setAttribute('aria-expanded', 'false');
      this.textarea.removeAttribute('aria-activedescendant');
    }
  }

  /** The composer's keys while the menu is open; true when the key was the menu's. */
  onCommandMenuKey(e) {
    const M = this.cmdMenu;
    if (!M || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return false;
    const n = M.items.length;
    if (e.key === 'ArrowDown') this.showCommand((M.index + 1) % n);
    else if (e.key === 'ArrowUp') this.showCommand((M.index - 1 + n) % n);
    else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) this.pickCommand(M.items[M.index]);
    else if (e.key === 'Escape') { this.cmdDismissed = this.textarea.value; this.closeCommandMenu(); } // not the panel
    else return false;
    e.preventDefault();
    e.stopPropagation();
    return true;
  }

  /** Fills "/name " into the composer, ready for the arguments. */
  pickCommand(x) {
    const ta = this.textarea;
    if (!ta) return;
    ta.value = `/${x.name} `;
    ta.dispatchEvent(new Event('input')); // resizes; the space closes the menu
    ta.focus();
    ta.setSelectionRange(ta.value.length, ta.value.length);
    this.say(`/${x.name}${x.usage ? `: type ${x.usage}` : ''}${x.online === false ? '. Its bot is offline right now' : ''}.`);
  }

  /** Sends `command` for "/name args" in conversation `c` instead of posting `text`. When the
   *  command list could not be fetched, an unknown command turns out to be a message. */
  async runSlash(c, text, { name, args }) {
    let cmd = this.commandNamed(name);
    if (cmd === undefined) { try { await this.loadCommands(); } catch { /* tried below */ } cmd = this.commandNamed(name); }
    if (cmd === null) { this.sendText(c, text); return; }
    const ran = () => this.addEphemeral(c, { kind: 'ran', text: `/${name}${args ? ' ' + args : ''}` });
    if (cmd) ran();
    try {
      await this.client.runCommand(c.key, name, args);
      if (!cmd) ran();
    } catch (e) {
      if (!cmd && e.code === 'not_found' && /unknown command/.test(e.message || '')) { this.sendText(c, text); return; }
      if (!cmd) ran();
      this.addEphemeral(c, { kind: 'err', text: this.commandError(e, name, cmd) });
      const ta = this.textarea;
      if (e.code === 'disconnected' && ta && !ta.value.trim() && this.active === c.key) { // to send again later
        ta.value = text;
        ta.dispatchEvent(new Event('input'));
      }
    }
  }

  commandError(e, name, cmd) {
    if (e.code === 'unavailable') {
      if (cmd) cmd.online = false; // the menu says so until the next refresh
      return `${(cmd && cmd.bot && cmd.bot.name) || 'Its bot'} is offline right now. Try /${name} again later.`;
    }
    if (e.code === 'not_found' && /unknown command/.test(e.message || '')) {
      this.cmds.at = 0; // gone meanwhile: ask again next time
      return `There is no /${name} command (any more).`;
    }
    return this.errorText(e, `Could not run /${name}`);
  }

  /** A bot's answer to one of our commands (on every tab of ours): shown in its conversation. */
  onCommandReply(ev) {
    const c = this.convs.get(ev.channel);
    if (!c || typeof ev.text !== 'string') return;
    const from = ev.from && ev.from.id ? ev.from : { id: 'bot', name: 'Bot', role: 'bot' };
    this.addEphemeral(c, { kind: 'reply', text: ev.text, from, command_id: ev.command_id });
  }

  /** Adds an ephemeral line to `c` (after the newest message it holds) and shows it. */
  addEphemeral(c, x) {
    let after = 0;
    for (const k of c.msgs.keys()) if (k > after) after = k;
    Object.assign(x, { id: ++this.ephSeq, channel: c.key, ts: Date.now(), after });
    c.eph.push(x);
    if (c.eph.length > EPH_MAX) this.dropEphemeral(c, c.eph[0]);
    const here = this.active === c.key && this.view === 'conv' && !!this.list;
    if (here) {
      const nearEnd = this.nearEnd();
      this.placeEphemeral(x);
      if (x.kind !== 'reply' || nearEnd) this.scrollToEnd(true);
      else this.showJump();
    }
    if (this.isOpen && here && x.kind !== 'ran') {
      this.say(x.kind === 'reply' ? `${x.from.name}, only you can see this: ${x.text}` : x.text);
    }
  }

  placeEphemeral(x) {
    const node = this.ephemeralNode(x);
    this.insertOrdered(node, x.after + 0.5);
    if (!this.list.querySelector('li[tabindex="0"]')) this.setActiveItem(node);
  }

  dropEphemeral(c, x) {
    c.eph = c.eph.filter((y) => y !== x);
    const li = this.list && this.active === c.key && this.list.querySelector(`li[data-eph="${x.id}"]`);
    if (!li) return;
    const focused = li.contains(this.shadow.activeElement);
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    if (focused) {
      if (next) { this.setActiveItem(next); next.focus(); } else if (this.textarea) this.textarea.focus();
    }
  }

  ephemeralNode(x) {
    const attrs = { class: `msg eph ${x.kind}`, tabindex: '-1', 'data-eph': String(x.id), 'data-after': String(x.after) };
    const only = h('span', { class: 'only' }, h('span', { html: ICON.eye, 'aria-hidden': 'true' }), 'Only you can see this');
    if (x.kind === 'ran') {
      return h('li', attrs, h('div', { class: 'ephline', title: 'Only you can see this' }, h('span', { html: ICON.eye, 'aria-hidden': 'true' }),
        h('span', null, 'You ran ', h('code', { text: x.text })), h('span', { class: 'sr', text: '. Only you can see this.' })));
    }
    if (x.kind === 'err') {
      return h('li', attrs, h('div', { class: 'ephline' }, h('span', { html: ICON.alert, 'aria-hidden': 'true' }),
        h('span', { text: x.text })));
    }
    const d = new Date(x.ts);
    return h('li', attrs, this.avatar(x.from.id, x.from.name),
      h('div', { class: 'content' },
        h('div', { class: 'meta' }, h('span', { class: 'name', text: x.from.name }), h('span', { class: 'badge bot', text: 'Bot' }),
          h('time', { datetime: d.toISOString(), title: fmtFull.format(d), text: when(x.ts) }), only),
        h('div', { class: 'bubble', dir: 'auto' }, linkify(x.text)),
        h('button', { class: 'act dismiss', type: 'button', tabindex: '-1', 'aria-label': `Dismiss ${x.from.name}’s reply`, text: 'Dismiss',
          onclick: () => this.dropEphemeral(this.convs.get(x.channel), x) })));
  }
}
