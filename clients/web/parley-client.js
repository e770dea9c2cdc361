/* Parley protocol client: connection, auth, reconnect with backoff, resume with `since`,
 * optimistic sends retried with the same client_msg_id, dedupe by (channel, seq).
 *
 * No DOM and no UI: the widget (widget.js) renders what this emits, and Node runs it in the
 * unit tests (tests/browser/unit/) with a fake WebSocket. Loaded as a classic script it sets
 * `ParleyClient` on the global object; under CommonJS it is `module.exports`.
 *
 * Wire protocol: protocol/PROTOCOL.md (DESIGN.md §2). Events it emits (client.on(type, fn)):
 *   state      {state, attempt?, delay?, code?}  idle|connecting|authenticating|open|waiting|closed|failed
 *   welcome    user                    after every successful auth (first connect and reconnects);
 *                                      the frame's preferences are in client.preferences
 *   joined     {channel, info, resumed, changes}  `changes`: 'replayed' when the join asked for
 *                                      the changes made since the last one seen (changes_since) and
 *                                      they follow as edited/deleted/reaction/helpful/solved events;
 *                                      'reset' when the server no longer keeps them all (reload what
 *                                      you show); null on a first join
 *   reset      {channel}               the channel's epoch changed (storage reset): drop what you show
 *   message    message object          new messages only, deduplicated by (channel, seq); carries
 *                                      client_msg_id when it is one of ours, `replace: true` when it
 *                                      replaces the stand-in built from our ack
 *   ack        {client_msg_id, channel, seq, ts}
 *   outbox     [entries]               whenever pending sends change (persist it to survive reloads)
 *   send-failed entry                  a send the server refused for good (entry.error)
 *   hold       {channel, hold}         a send hold began or ended (hold: {code, message, until} or
 *                                      null); see hold()
 *   kicked     {channel, by, rejoin_after_ms?}  staff removed us from a channel: it is no longer rejoined
 *   advocate   {user, advocate}        a user's advocate flag changed: ours (then client.user.advocate
 *                                      follows), or anyone's on a staff connection
 *   command_reply {command_id, channel, text, from}  a bot's answer to a slash command of ours
 *                                      (runCommand): pushed to this user's connections only, on
 *                                      every tab, never stored (not in history)
 *   action     {channel, seq, action_id, from}  someone clicked button `action_id` on message
 *                                      `seq` of ours (bots only: see send()'s opts.actions)
 *   edited / deleted / reaction / helpful / solved / channel_updated, typing / presence /
 *   <any other server push op>         the event object as received
 *   error      {code, message}         server errors without a request id, transport trouble
 *   fatal      {code, reason, message?, retry_after_ms?}  banned (4403): no more reconnects;
 *                                      message / retry_after_ms from the server's `banned` error
 *
 * Pure helpers for the UI (exported with the class): threadRoot, canMarkAnswer, applyLifecycle,
 * Marks (helpful marks and accepted answers), formatWait.
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.ParleyClient = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  const WS_OPEN = 1;
  // Send errors worth retrying by themselves after `retry_after_ms`; others need the user.
  // (`slow_mode` and `muted` are the user's business: the UI shows them with a countdown and
  // keeps the text, and nothing is resent by itself, not even after a reconnect or a reload.)
  const RETRYABLE = new Set(['rate_limited']);
  // Send errors that put the conversation on hold for the user (see ParleyClient.hold()).
  const HOLDS = new Set(['muted', 'slow_mode']);
  const MAX_THREAD_DEPTH = 32; // as the server's advocacy engine

  /** Delay before reconnect attempt `attempt` (0-based): exponential, capped, "equal jitter":
   *  uniformly in [cap/2, cap] where cap = min(max, base * factor^attempt). */
  function backoffDelay(attempt, opts, random) {
    const o = opts || {};
    const base = o.base ?? 500, max = o.max ?? 30000, factor = o.factor ?? 2;
    const cap = Math.min(max, base * Math.pow(factor, Math.max(0, attempt)));
    return Math.round(cap / 2 + (random || Math.random)() * (cap / 2));
  }

  /** A server frame holds one or more JSON objects separated by '\n'. */
  function splitFrame(data) {
    const out = [];
    for (const line of String(data).split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch (e) {
        out.push({ op: 'error', code: 'client_parse', message: 'unparsable frame: ' + line.slice(0, 80) });
      }
    }
    return out;
  }

  const dmChannel = (a, b) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);
  const isDm = (channel) => typeof channel === 'string' && channel.startsWith('dm:');
  /** The other member of a DM channel, or null. */
  function dmPeer(channel, me) {
    if (!isDm(channel)) return null;
    const [a, b] = channel.slice(3).split(':');
    return a === me ? b : b === me ? a : null;
  }

  function newMessageId() {
    const c = typeof crypto !== 'undefined' ? crypto : null;
    if (c && c.randomUUID) return c.randomUUID(); // secure contexts only
    if (c && c.getRandomValues) return Array.from(c.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
    return 'm' + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  const isStaffRole = (role) => role === 'staff' || role === 'admin';

  /**
   * The question a reply belongs to. `get(seq)` returns a loaded message or undefined.
   * Follows `reply_to` (at most 32 hops, like the server) to a top-level message. Returns
   * {root} (the question), {missing: seq} when a link is not loaded yet (fetch it and ask
   * again), or null when `seq` is not an answer: top-level itself, a deleted link, or too deep.
   */
  function threadRoot(seq, get, maxDepth) {
    const m = get(seq);
    if (!m) return { missing: seq };
    if (!m.reply_to || m.deleted) return null;
    let at = m.reply_to;
    for (let hop = 0; hop < (maxDepth || MAX_THREAD_DEPTH); hop++) {
      const p = get(at);
      if (!p) return { missing: at };
      if (p.deleted) return null;
      if (!p.reply_to) return { root: p };
      at = p.reply_to;
    }
    return null;
  }

  /**
   * Whether `me` may mark answer `m` helpful / accept it, mirroring the server's checks: a live
   * reply in a support channel's question thread, by someone other than the asker and `me`;
   * `me` must be the asker (the question's author) or staff. `root` is threadRoot(...).root.
   */
  function canMarkAnswer(m, root, me, kind) {
    if (!m || !root || !me || kind !== 'support' || m.deleted || !m.reply_to || !m.seq) return false;
    if (m.from.id === root.from.id || m.from.id === me.id) return false;
    return me.id === root.from.id || isStaffRole(me.role);
  }

  /** A message after a lifecycle event (`edited`, `deleted`, `reaction`); a new object, or the
   *  same one when the event does not apply. Reactions keep first-use order; count 0 drops. */
  function applyLifecycle(m, ev) {
    if (!m || !ev || ev.seq !== m.seq) return m;
    if (ev.op === 'edited') {
      if (m.deleted) return m;
      return { ...m, text: ev.text, edited_at: ev.edited_at };
    }
    if (ev.op === 'deleted') {
      const out = { ...m, text: '', deleted: true, deleted_by: ev.by, deleted_at: ev.deleted_at || Date.now() };
      delete out.reactions;
      return out;
    }
    if (ev.op === 'reaction') {
      if (m.deleted) return m;
      const list = (m.reactions || []).map((r) => ({ ...r }));
      const i = list.findIndex((r) => r.emoji === ev.emoji);
      if (ev.count > 0) {
        if (i >= 0) list[i].count = ev.count; else list.push({ emoji: ev.emoji, count: ev.count });
      } else if (i >= 0) list.splice(i, 1);
      const out = { ...m, reactions: list };
      if (!list.length) delete out.reactions;
      return out;
    }
    return m;
  }

  /**
   * Answer marks of one channel: who marked each answer helpful (from `helpful` events; a mark
   * repeated by the same user counts once) and the accepted answer of each question (from
   * `solved` events and from the `solved_seq` of questions in history and replays).
   */
  class Marks {
    constructor() {
      this.helpful = new Map(); // answer seq → Set(user ids)
      this.solved = new Map(); // question seq → accepted answer seq
    }
    /** A message from history/replay/live: picks up `solved_seq` on questions. */
    noteMessage(m) {
      if (m && m.solved_seq && !m.reply_to) this.solved.set(m.seq, m.solved_seq);
    }
    /** A `helpful` event; true when it changes the marks (a new mark, or `revoked`: the
     *  marker removed the thanks reaction that had made it). */
    onHelpful(ev) {
      if (ev.revoked) {
        const s = this.helpful.get(ev.seq);
        if (!s || !s.delete(ev.by)) return false;
        if (s.size === 0) this.helpful.delete(ev.seq);
        return true;
      }
      let s = this.helpful.get(ev.seq);
      if (!s) this.helpful.set(ev.seq, (s = new Set()));
      if (s.has(ev.by)) return false;
      s.add(ev.by);
      return true;
    }
    /** A `solved` event; returns the previously accepted answer's seq (or 0). `seq` 0 means
     *  the question is unsolved again (its accepted answer was deleted). */
    onSolved(ev) {
      const prev = this.solved.get(ev.question_seq) || 0;
      if (ev.seq) this.solved.set(ev.question_seq, ev.seq);
      else this.solved.delete(ev.question_seq);
      return prev === ev.seq ? 0 : prev;
    }
    helpfulCount(seq) { const s = this.helpful.get(seq); return s ? s.size : 0; }
    markedBy(seq, user) { const s = this.helpful.get(seq); return !!(s && s.has(user)); }
    acceptedFor(question) { return this.solved.get(question) || 0; }
    /** The question whose accepted answer is `seq`, or 0. */
    questionOf(seq) {
      for (const [q, a] of this.solved) if (a === seq) return q;
      return 0;
    }
  }

  /** "45 s", "4:05", "2 h 5 min", "3 days": how long until a hold ends. */
  function formatWait(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
    if (s < 86400) { const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60); return hh + ' h' + (mm ? ' ' + mm + ' min' : ''); }
    const d = Math.round(s / 86400);
    return d + (d === 1 ? ' day' : ' days');
  }

  class Emitter {
    constructor() { this._handlers = new Map(); }
    on(type, fn) {
      if (!this._handlers.has(type)) this._handlers.set(type, new Set());
      this._handlers.get(type).add(fn);
      return () => this._handlers.get(type).delete(fn);
    }
    emit(type, value) {
      const hs = this._handlers.get(type);
      if (!hs) return;
      for (const fn of [...hs]) {
        try { fn(value); } catch (e) { if (type !== 'error') this.emit('error', { code: 'handler', message: String(e && e.stack || e) }); }
      }
    }
  }

  class ParleyClient extends Emitter {
    /**
     * opts.url        ws(s)://host/ws
     * opts.token      a JWT, or opts.getToken({refresh}) → token | Promise<token>
     * opts.WebSocket  constructor (default: the global one)
     * opts.backoff    {base=500, max=30000, factor=2} ms
     * opts.outbox     pending sends restored from storage (see the `outbox` event)
     * opts.pingIntervalMs=25000, opts.pongTimeoutMs=10000, opts.requestTimeoutMs=15000
     * opts.setTimeout / clearTimeout / now / random: injectable for tests
     */
    constructor(opts) {
      super();
      this.opts = opts;
      this.url = opts.url;
      this.WS = opts.WebSocket || (typeof WebSocket !== 'undefined' ? WebSocket : null);
      this._setTimeout = opts.setTimeout || ((f, ms) => setTimeout(f, ms));
      this._clearTimeout = opts.clearTimeout || ((t) => clearTimeout(t));
      this._now = opts.now || (() => Date.now());
      this._random = opts.random || Math.random;
      this.state = 'idle';
      this.user = null;
      this.attempt = 0;
      this.channels = new Map();
      // A send refused for good stays refused after a reload: never resent by itself.
      this.outbox = (opts.outbox || []).map((e) => ({ ...e, state: e.state === 'failed' ? 'failed' : 'pending', reqId: null }));
      this._holds = new Map(); // channel → {code, message, until (ms or null = until lifted)}
      this.stats = { duplicates: 0, connects: 0 };
      this._requests = new Map();
      this._ackedSeq = new Map(); // "channel#seq" → client_msg_id of our acked sends
      this._lastTyping = new Map();
      this._reqCounter = 0;
      this._ws = null;
      this._timer = null;
      this._pingTimer = null;
      this._stopped = false;
      this._refreshToken = false;
    }

    // ---- connection -------------------------------------------------------------------
    connect() {
      this._stopped = false;
      if (this._ws || this.state === 'connecting') return;
      this._clearTimer();
      this._open();
    }

    /** Skip the backoff wait (e.g. the browser came back online). */
    reconnectNow() {
      if (this.state === 'waiting') { this._clearTimer(); this._open(); }
    }

    close() {
      this._stopped = true;
      this._clearTimer();
      const ws = this._ws;
      if (ws) {
        this._detach(ws);
        // Closing a socket that is still connecting reports an error (Node's `ws` throws it
        // when nobody listens): expected here, so swallowed.
        ws.onerror = () => {};
        try { ws.close(1000, 'bye'); } catch (e) { /* already closed */ }
      }
      this._onClosed(1000, 'closed by client');
    }

    get connected() { return this.state === 'open'; }

    async _open() {
      this._setState('connecting', { attempt: this.attempt });
      let token;
      try {
        token = this.opts.getToken ? await this.opts.getToken({ refresh: this._refreshToken }) : this.opts.token;
      } catch (e) {
        this.emit('error', { code: 'token', message: String(e && e.message || e) });
        return this._scheduleReconnect();
      }
      if (this._stopped) return this._setState('closed');
      this._refreshToken = false;
      let ws;
      try {
        ws = new this.WS(this.url);
      } catch (e) {
        this.emit('error', { code: 'transport', message: String(e && e.message || e) });
        return this._scheduleReconnect();
      }
      this._ws = ws;
      this.stats.connects++;
      ws.onopen = () => {
        if (ws !== this._ws) return;
        this._setState('authenticating');
        this._lastRx = this._now();
        this._raw({ op: 'auth', token });
      };
      ws.onmessage = (ev) => { if (ws === this._ws) this._onData(ev.data); };
      ws.onerror = () => { /* a close event follows */ };
      ws.onclose = (ev) => {
        if (ws !== this._ws) return;
        this._detach(ws);
        this._onClosed(ev.code, ev.reason);
      };
    }

    _detach(ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      if (this._ws === ws) this._ws = null;
    }

    _onClosed(code, reason) {
      this._stopPing();
      for (const [id, r] of this._requests) {
        if (r.timer) this._clearTimeout(r.timer);
        if (r.kind === 'send') { r.entry.state = 'pending'; r.entry.reqId = null; }
        else r.reject(Object.assign(new Error('disconnected'), { code: 'disconnected' }));
        this._requests.delete(id);
      }
      for (const ch of this.channels.values()) ch.joined = false;
      this.emit('disconnected', { code, reason });
      if (this._stopped) return this._setState('closed', { code });
      if (code === 4403) {
        this._setState('failed', { code });
        const b = this._banned || {};
        const fatal = { code, reason };
        if (b.message) fatal.message = b.message;
        if (b.retry_after_ms != null) fatal.retry_after_ms = b.retry_after_ms;
        return this.emit('fatal', fatal);
      }
      if (code === 4401) this._refreshToken = true;
      this._scheduleReconnect(code);
    }

    _scheduleReconnect(code) {
      if (this._stopped) return this._setState('closed');
      const delay = backoffDelay(this.attempt, this.opts.backoff, this._random);
      this.attempt++;
      this._setState('waiting', { attempt: this.attempt, delay, code });
      this._clearTimer();
      this._timer = this._setTimeout(() => { this._timer = null; this._open(); }, delay);
    }

    _clearTimer() { if (this._timer != null) { this._clearTimeout(this._timer); this._timer = null; } }

    _setState(state, extra) {
      this.state = state;
      this.emit('state', { state, ...(extra || {}) });
    }

    // Liveness: the server pings at the WebSocket level, but a browser cannot see those, and a
    // half-open TCP connection would otherwise look open for minutes.
    _startPing() {
      this._stopPing();
      const every = this.opts.pingIntervalMs ?? 25000, grace = this.opts.pongTimeoutMs ?? 10000;
      const tick = () => {
        if (!this._ws) return;
        if (this._now() - this._lastRx > every + grace) {
          const ws = this._ws;
          this._detach(ws);
          try { ws.close(4000, 'no reply to ping'); } catch (e) { /* ignore */ }
          return this._onClosed(4000, 'no reply to ping');
        }
        this._raw({ op: 'ping' });
        this._pingTimer = this._setTimeout(tick, every);
      };
      this._pingTimer = this._setTimeout(tick, every);
    }

    _stopPing() { if (this._pingTimer != null) { this._clearTimeout(this._pingTimer); this._pingTimer = null; } }

    _raw(obj) {
      const ws = this._ws;
      if (!ws || ws.readyState !== WS_OPEN) return false;
      ws.send(JSON.stringify(obj));
      return true;
    }

    /** Sends a request; `onOk` / `onErr` run synchronously when its reply is dispatched, so
     *  a join's bookkeeping is done before the replayed messages in the same frame. */
    _call(frame, onOk, onErr) {
      const id = 'r' + ++this._reqCounter;
      if (!this._raw({ ...frame, id })) {
        return onErr(Object.assign(new Error('not connected'), { code: 'disconnected' }));
      }
      // kind 'request' (not the op): an outbox send is kind 'send', and a request({op:'send'})
      // must resolve like any other request.
      const r = { kind: 'request', op: frame.op, resolve: onOk, reject: onErr, timer: null };
      r.timer = this._setTimeout(() => {
        this._requests.delete(id);
        onErr(Object.assign(new Error(frame.op + ' timed out'), { code: 'timeout' }));
      }, this.opts.requestTimeoutMs ?? 15000);
      this._requests.set(id, r);
    }

    _request(frame) {
      return new Promise((resolve, reject) => this._call(frame, resolve, reject));
    }

    // ---- inbound ----------------------------------------------------------------------
    _onData(data) {
      this._lastRx = this._now();
      for (const m of splitFrame(data)) this._dispatch(m);
    }

    _dispatch(m) {
      if ((m.op === 'ok' || m.op === 'error') && m.id != null && this._requests.has(String(m.id))) {
        const id = String(m.id), r = this._requests.get(id);
        this._requests.delete(id);
        if (r.timer) this._clearTimeout(r.timer);
        if (r.kind === 'send') return m.op === 'ok' ? this._onAck(r.entry, m) : this._onSendError(r.entry, m);
        if (m.op === 'ok') return r.resolve(m);
        return r.reject(Object.assign(new Error(m.message || m.code), { code: m.code, retry_after_ms: m.retry_after_ms }));
      }
      switch (m.op) {
        case 'welcome': return this._onWelcome(m);
        case 'message': return this._onMessage(m);
        case 'pong': case 'ok': return;
        case 'error':
          if (m.code === 'unauthorized') this._refreshToken = true;
          if (m.code === 'banned') this._banned = m; // the 4403 close follows
          return this.emit('error', m);
        case 'kicked': {
          // Not a ban, but the user left: do not rejoin by ourselves after a reconnect.
          const ch = this.channels.get(m.channel);
          if (ch) { ch.wanted = false; ch.joined = false; }
          return this.emit('kicked', m);
        }
        case 'channel_updated': {
          const ch = this.channels.get(m.channel);
          if (ch && ch.info) {
            const { op, ...fields } = m; // eslint-disable-line no-unused-vars
            ch.info = { ...ch.info, ...fields };
          }
          if (!(m.slow_mode_s > 0)) this._clearHold(m.channel, 'slow_mode');
          return this.emit('channel_updated', m);
        }
        case 'advocate': // anyone's (every connection gets every change); ours updates this.user
          if (this.user && m.user === this.user.id) {
            this.user = { ...this.user, advocate: !!m.advocate };
            this._flagFromEvent = true;
          }
          return this.emit('advocate', m);
        default:
          if (typeof m.change === 'number' && m.channel) {  // edited, deleted, reaction, helpful, solved
            const ch = this.channels.get(m.channel);
            if (ch && (ch.lastChange == null || m.change > ch.lastChange)) ch.lastChange = m.change;
          }
          return this.emit(m.op, m);
      }
    }

    _onWelcome(m) {
      this.user = m.user;
      this.preferences = m.preferences || {};
      this.attempt = 0;
      this._setState('open');
      this._startPing();
      this.emit('welcome', m.user);
      for (const ch of this.channels.values()) if (ch.wanted && !ch.joining) this._join(ch);
      for (const e of this.outbox) {
        if (e.kind === 'dm' && !e.channel) e.channel = dmChannel(m.user.id, e.to);
        if (e.state === 'pending') this._transmit(e);
      }
    }

    _chan(name) {
      let ch = this.channels.get(name);
      if (!ch) {
        ch = { name, wanted: false, joined: false, resumeFrom: null, lastChange: null, epoch: null, info: null, seen: new Set(), synthetic: new Set(), waiters: [] };
        this.channels.set(name, ch);
      }
      return ch;
    }

    _onMessage(m) {
      const ch = this._chan(m.channel);
      // Messages pushed on a channel arrive in seq order with no gap (joined channels, and DMs
      // delivered directly), so the highest seen is where a resume starts.
      if (ch.resumeFrom == null || m.seq > ch.resumeFrom) ch.resumeFrom = m.seq;
      if (isDm(m.channel) && !ch.wanted) { ch.wanted = true; this._join(ch); }
      this._accept(ch, m, true);
    }

    /** Dedupe by (channel, seq); returns true when the message is new. */
    _accept(ch, m, live) {
      if (ch.seen.has(m.seq)) {
        if (live && ch.synthetic.delete(m.seq)) {
          this._noteOwnFlag(m);
          this.emit('message', { ...m, client_msg_id: this._ackedSeq.get(ch.name + '#' + m.seq), replace: true });
        } else {
          this.stats.duplicates++;
        }
        return false;
      }
      ch.seen.add(m.seq);
      if (live) {
        const cmid = this._ackedSeq.get(ch.name + '#' + m.seq);
        if (cmid) this._noteOwnFlag(m);
        this.emit('message', cmid ? { ...m, client_msg_id: cmid } : m);
      }
      return true;
    }

    /** The server's echo of a send of ours shows our advocate flag as it is now (the welcome
     *  does not say) — unless an `advocate` event already told us, which is newer. */
    _noteOwnFlag(m) {
      if (!this.user || !m.from || m.from.id !== this.user.id || this._flagFromEvent) return;
      if (!!this.user.advocate !== !!m.from.advocate) this.user = { ...this.user, advocate: !!m.from.advocate };
    }

    // ---- channels ---------------------------------------------------------------------
    /** Joins (and keeps joined across reconnects) a channel. Resolves with the join reply. */
    join(channel) {
      const ch = this._chan(channel);
      ch.wanted = true;
      return new Promise((resolve, reject) => {
        ch.waiters.push({ resolve, reject });
        if (this.state === 'open' && !ch.joining) this._join(ch);
      });
    }

    leave(channel) {
      const ch = this.channels.get(channel);
      if (!ch) return;
      ch.wanted = false;
      ch.joined = false;
      this._raw({ op: 'leave', channel });
    }

    _join(ch) {
      const fresh = ch.resumeFrom == null;
      const frame = { op: 'join', channel: ch.name };
      if (!fresh) frame.since = ch.resumeFrom;
      // The changes made meanwhile (edits, deletions, reactions, marks) come back too.
      const askedChanges = !fresh && ch.lastChange != null;
      if (askedChanges) frame.changes_since = ch.lastChange;
      ch.joining = true;
      this._call(frame, (ok) => {
        ch.joining = false;
        let changes = askedChanges ? (ok.changes_reset ? 'reset' : 'replayed') : null;
        // A new epoch, or (same epoch) a channel that ends before what this client saw: a store
        // restored from a backup (since_reset, §3.1). Either way what it holds is not this
        // channel's any more: start over.
        const behind = !fresh && (ok.since_reset || ok.last_seq < ch.resumeFrom);
        if (behind || (ch.epoch != null && ok.epoch != null && ok.epoch !== ch.epoch)) {
          ch.seen.clear();
          ch.synthetic.clear();
          ch.resumeFrom = Math.min(ch.resumeFrom ?? 0, ok.last_seq);
          ch.lastChange = null;
          changes = null; // everything is reloaded
          this.emit('reset', { channel: ch.name, info: ok });
        }
        ch.epoch = ok.epoch ?? ch.epoch;
        ch.info = ok;
        ch.joined = true;
        if (fresh) ch.resumeFrom = Math.max(ch.resumeFrom ?? 0, ok.last_seq || 0);
        if (changes !== 'replayed') ch.lastChange = ok.last_change ?? ch.lastChange;
        this.emit('joined', { channel: ch.name, info: ok, resumed: !fresh, changes });
        for (const w of ch.waiters.splice(0)) w.resolve(ok);
      }, (err) => {
        ch.joining = false;
        if (err.code === 'disconnected') return; // rejoined after the reconnect
        if (err.code === 'not_found' || err.code === 'forbidden') ch.wanted = false;
        this.emit('error', { code: err.code, message: `join ${ch.name}: ${err.message}` });
        for (const w of ch.waiters.splice(0)) w.reject(err);
      });
    }

    /** A page of older messages: {messages (ascending, only ones not seen before), has_more,
     *  oldest (lowest seq in the page, for the next `before`)}. */
    async history(channel, opts) {
      const o = opts || {};
      const frame = { op: 'history', channel, limit: o.limit || 50 };
      if (o.before) frame.before = o.before;
      const ok = await this._request(frame);
      const ch = this._chan(channel);
      const msgs = ok.messages || [];
      const fresh = msgs.filter((m) => this._accept(ch, m, false));
      return { messages: fresh, all: msgs, has_more: !!ok.has_more, oldest: msgs.length ? msgs[0].seq : null };
    }

    /** Any request (e.g. staff operations): resolves with the `ok` reply, rejects with the
     *  error (err.code, err.retry_after_ms) or `disconnected`. */
    request(frame) { return this._request(frame); }

    /** Throttled typing notice (at most one every 3 s per channel). */
    typing(channel) {
      const now = this._now(), last = this._lastTyping.get(channel) || 0;
      if (now - last < 3000 || this.state !== 'open') return;
      this._lastTyping.set(channel, now);
      this._raw({ op: 'typing', channel });
    }

    // ---- message lifecycle and answers (all resolve with the ok, reject with the error) ----
    edit(channel, seq, text) { return this._request({ op: 'edit', channel, seq, text }); }
    deleteMessage(channel, seq) { return this._request({ op: 'delete', channel, seq }); }
    react(channel, seq, emoji) { return this._request({ op: 'react', channel, seq, emoji }); }
    unreact(channel, seq, emoji) { return this._request({ op: 'unreact', channel, seq, emoji }); }
    report(channel, seq, reason) { return this._request({ op: 'report', channel, seq, reason }); }
    /** Marks an answer helpful (the asker or staff). */
    helpful(channel, seq) { return this._request({ op: 'helpful', channel, seq }); }
    /** Accepts an answer for its question (the asker or staff); accepting another moves it. */
    solve(channel, seq) { return this._request({ op: 'solve', channel, seq }); }

    // ---- sending ----------------------------------------------------------------------
    /** Optimistic send: returns the outbox entry at once; `message` + `ack` (or
     *  `send-failed`) follow. Kept across reconnects and retried with the same client_msg_id.
     *  opts.reply_to: the message answered; opts.actions (bots only): up to 5 buttons
     *  [{id, label}] under the message, clicks come back as `action` events. */
    send(channel, text, opts) {
      const e = { client_msg_id: newMessageId(), kind: 'send', channel, text, created: this._now(), state: 'pending', reqId: null };
      if (opts && opts.reply_to) e.reply_to = opts.reply_to;
      if (opts && opts.actions) e.actions = opts.actions;
      return this._enqueue(e);
    }

    /** Full-text search (PROTOCOL.md §3.6). `opts`: channel, solved, limit, cursor, match
     *  ("any": any of the words, ranked). Resolves with the ok frame ({results, cursor?}). */
    search(query, opts) {
      return this._request({ op: 'search', query, ...(opts || {}) });
    }

    /** The user's conversation list (PROTOCOL.md §3.7): resolves with the ok frame
     *  ({channels:[{name, kind, title?, last_seq, last_read, unread, mentions, with?, last_message?}]}). */
    listChannels() {
      return this._request({ op: 'channels' });
    }

    /** The slash commands bots registered (PROTOCOL.md §3.8; anyone may ask): resolves with
     *  the ok frame ({commands:[{name, description, usage?, bot:{id, name}, online}]}, by name). */
    listCommands() {
      return this._request({ op: 'commands' });
    }

    /** Runs slash command `name` in `channel` with `args` (the rest of the line). Resolves with
     *  {command_id}; the bot's answer comes as a `command_reply` event to this user alone.
     *  Rejects with the error: `unavailable` (the bot is offline), `not_found` (no such command). */
    runCommand(channel, name, args) {
      const frame = { op: 'command', channel, name };
      if (args) frame.args = String(args);
      return this._request(frame);
    }

    /** Clicks button `actionId` of a bot's message `seq` in `channel` (its `actions`). Resolves
     *  with {channel, seq, action_id} once it is on its way to the bot (an `action` event);
     *  rejects with the error: `unavailable` (the bot is offline), `bad_request` (no such
     *  button on this message), `not_found` (message not found). */
    action(channel, seq, actionId) {
      return this._request({ op: 'action', channel, seq, action_id: actionId });
    }

    /** Marks `channel` read up to `seq` (never backwards); the user's other connections get a
     *  `read` event. Resolves with {channel, last_read}. */
    read(channel, seq) {
      return this._request({ op: 'read', channel, seq });
    }

    /** "This answered my question": the user read solved question `seq` instead of asking. */
    deflected(channel, seq) {
      return this._request({ op: 'deflected', channel, seq });
    }

    /** Private message to a user; the conversation is channel dm:<a>:<b>. */
    sendDm(to, text) {
      const e = { client_msg_id: newMessageId(), kind: 'dm', to, text, created: this._now(), state: 'pending', reqId: null };
      if (this.user) e.channel = dmChannel(this.user.id, to);
      return this._enqueue(e);
    }

    _enqueue(e) {
      this.outbox.push(e);
      this._outboxChanged();
      if (this.state === 'open') this._transmit(e);
      return e;
    }

    retry(clientMsgId) {
      const e = this.outbox.find((x) => x.client_msg_id === clientMsgId);
      if (!e || e.state !== 'failed') return;
      e.state = 'pending';
      delete e.error;
      this._outboxChanged();
      if (this.state === 'open') this._transmit(e);
    }

    discard(clientMsgId) {
      const i = this.outbox.findIndex((x) => x.client_msg_id === clientMsgId);
      if (i < 0) return;
      const [e] = this.outbox.splice(i, 1);
      if (e.reqId) this._requests.delete(e.reqId);
      this._outboxChanged();
    }

    _transmit(e) {
      const id = 'r' + ++this._reqCounter;
      const frame = e.kind === 'dm'
        ? { op: 'dm', to: e.to, text: e.text, client_msg_id: e.client_msg_id, id }
        : { op: 'send', channel: e.channel, text: e.text, client_msg_id: e.client_msg_id, id };
      if (e.reply_to) frame.reply_to = e.reply_to;
      if (e.actions) frame.actions = e.actions;
      if (!this._raw(frame)) return; // still pending; sent after the next welcome
      e.state = 'sending';
      e.reqId = id;
      // No timeout: the ack comes after a durable write, or the connection drops and we resend.
      this._requests.set(id, { kind: 'send', entry: e, timer: null });
    }

    _onAck(e, ok) {
      const i = this.outbox.indexOf(e);
      if (i < 0) return; // discarded meanwhile
      this.outbox.splice(i, 1);
      this._outboxChanged();
      const ch = this._chan(ok.channel);
      this._ackedSeq.set(ok.channel + '#' + ok.seq, e.client_msg_id);
      if (!ch.seen.has(ok.seq)) {
        // Stand-in until the server's own `message` event (which also carries from.advocate):
        // an ack repeated for a retried send is not followed by one unless we are joined.
        const u = this.user || {};
        const m = { op: 'message', channel: ok.channel, seq: ok.seq, ts: ok.ts, from: { id: u.id, name: u.name, role: u.role, advocate: !!u.advocate }, text: e.text, client_msg_id: e.client_msg_id, synthetic: true };
        if (e.reply_to) m.reply_to = e.reply_to;
        if (e.actions) m.actions = e.actions;
        ch.seen.add(ok.seq);
        ch.synthetic.add(ok.seq);
        this.emit('message', m);
      }
      if (isDm(ok.channel) && !ch.wanted) { ch.wanted = true; this._join(ch); }
      // A stored message proves no mute is in force there any more.
      this._clearHold(ok.channel, 'muted');
      // Slow mode: the next send would be refused for slow_mode_s; say so before it is.
      const slow = ch.info && ch.info.slow_mode_s;
      const u = this.user || {};
      if (slow > 0 && u.role === 'customer' && e.kind !== 'dm') {
        this._setHold(ok.channel, { code: 'slow_mode', message: `slow mode: one message every ${slow} s`, until: this._now() + slow * 1000 });
      }
      this.emit('ack', { client_msg_id: e.client_msg_id, channel: ok.channel, seq: ok.seq, ts: ok.ts });
    }

    // ---- holds (muted / slow mode) ------------------------------------------------------
    /** The hold on sending in `channel`: {code: 'muted'|'slow_mode', message, until} (until in
     *  ms since the epoch, null = until staff lift it), or null. Learnt from refused sends (and,
     *  for slow mode, from our own accepted ones); ends by itself at `until`, at an accepted
     *  send (muted), or when the channel's slow mode is turned off. */
    hold(channel) {
      const h = this._holds.get(channel);
      if (!h) return null;
      if (h.until != null && h.until <= this._now()) { this._holds.delete(channel); return null; }
      return h;
    }

    _setHold(channel, h) {
      this._holds.set(channel, h);
      this.emit('hold', { channel, hold: h });
    }

    _clearHold(channel, code) {
      const h = this._holds.get(channel);
      if (!h || (code && h.code !== code)) return;
      this._holds.delete(channel);
      this.emit('hold', { channel, hold: null });
    }

    _onSendError(e, err) {
      e.reqId = null;
      if (RETRYABLE.has(err.code) && err.retry_after_ms != null) {
        e.state = 'pending';
        this._setTimeout(() => {
          if (e.state === 'pending' && this.outbox.includes(e) && this.state === 'open') this._transmit(e);
        }, Math.max(50, err.retry_after_ms));
        return;
      }
      e.state = 'failed';
      e.error = { code: err.code, message: err.message };
      if (err.retry_after_ms != null) e.error.retry_after_ms = err.retry_after_ms;
      if (HOLDS.has(err.code)) {
        const channel = e.channel || (this.user && e.to ? dmChannel(this.user.id, e.to) : null);
        if (channel) {
          this._setHold(channel, { code: err.code, message: err.message,
            until: err.retry_after_ms != null ? this._now() + err.retry_after_ms : null });
        }
      }
      this._outboxChanged();
      this.emit('send-failed', e);
    }

    _outboxChanged() {
      this.emit('outbox', this.outbox.map(({ client_msg_id, kind, channel, to, text, reply_to, created, state, error }) =>
        ({ client_msg_id, kind, channel, to, text, reply_to, created, state, error })));
    }
  }

  return { ParleyClient, backoffDelay, splitFrame, dmChannel, dmPeer, isDm, newMessageId,
    threadRoot, canMarkAnswer, applyLifecycle, Marks, formatWait, isStaffRole };
});
