// @ts-check
/**
 * @module parley-bot
 * A bot SDK for Parley over its wire protocol (protocol/PROTOCOL.md), for Node.js 20.
 *
 * One WebSocket (the `ws` package) authenticated with the bot's token; the channels it follows
 * are resumed after every reconnect with `join … since` (PROTOCOL.md §8), so handlers see each
 * message exactly once, in seq order, across reconnects and server restarts. Sends carry a
 * `client_msg_id` kept across retries, so a send is stored once. See README.md.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/**
 * @typedef {{id: string, name: string, role: string, advocate?: boolean}} Sender
 * @typedef {{id: string, label: string}} Button
 *
 * @typedef {object} Message A `message` push (PROTOCOL.md §4).
 * @property {'message'} op
 * @property {string} channel
 * @property {number} seq
 * @property {number} ts
 * @property {Sender} from
 * @property {string} text
 * @property {number} [reply_to]
 * @property {string[]} [mentions]
 * @property {Button[]} [actions]
 * @property {number} [edited_at]
 * @property {number} [solved_seq]
 * @property {boolean} [deleted]
 * @property {{emoji: string, count: number}[]} [reactions]
 *
 * @typedef {object} CommandEvent A `command` event (§3.8): a user ran one of the bot's slash commands.
 * @property {'command'} op
 * @property {string} command_id
 * @property {string} channel
 * @property {string} name
 * @property {string} args
 * @property {{id: string, name: string, role: string}} from
 *
 * @typedef {object} ActionEvent An `action` event (§3.8): a user clicked a button of a bot's message.
 * @property {'action'} op
 * @property {string} channel
 * @property {number} seq
 * @property {string} action_id
 * @property {{id: string, name: string, role: string}} from
 *
 * @typedef {object} SendOptions
 * @property {number} [replyTo] the seq of the message this one answers (`reply_to`)
 * @property {Button[]} [actions] up to 5 buttons under the message
 * @property {string} [clientMsgId] the idempotency key; generated when absent
 *
 * @typedef {{channel: string, seq: number, ts: number, client_msg_id: string}} SendResult
 *
 * @typedef {object} MessageContext
 * @property {ParleyBot} bot
 * @property {(text: string, opts?: SendOptions) => Promise<SendResult>} reply send in the message's
 *   channel with `reply_to` = its seq
 * @property {(emoji: string) => Promise<Record<string, any>>} react react to the message
 *
 * @typedef {object} CommandContext
 * @property {ParleyBot} bot
 * @property {(text: string) => Promise<Record<string, any>>} reply `reply_command`: only the user
 *   who ran the command sees it
 *
 * @typedef {object} ActionContext
 * @property {ParleyBot} bot
 * @property {(text: string, opts?: SendOptions) => Promise<SendResult>} reply send in the channel
 *   with `reply_to` = the seq of the message whose button was clicked
 *
 * @typedef {{name: string, description: string, usage?: string}} CommandSpec
 *
 * @typedef {object} Logger Any object with some of these methods (console, pino, …).
 * @property {(...args: any[]) => void} [debug]
 * @property {(...args: any[]) => void} [info]
 * @property {(...args: any[]) => void} [warn]
 * @property {(...args: any[]) => void} [error]
 *
 * @typedef {object} ParleyBotOptions
 * @property {string} url `ws://host:port/ws` or `wss://…/ws`
 * @property {string} token the bot's token (`POST /api/bots`, docs/BOTS.md)
 * @property {string[]} [channels] channels to join at start (and rejoin after every reconnect)
 * @property {{base?: number, max?: number, factor?: number}} [backoff] reconnect delays in ms:
 *   attempt n waits uniformly between cap/2 and cap, cap = min(max, base * factor^n)
 *   (default base 1000, max 30000, factor 2)
 * @property {Logger} [logger] default: warnings and errors to the console
 * @property {'header' | 'frame'} [auth] how the token is presented: the `Authorization: Bearer`
 *   upgrade header (default) or an `auth` frame
 * @property {number} [pingIntervalMs] liveness ping interval (default 25000); a connection that
 *   received nothing for this plus `pongTimeoutMs` (default 10000) is dropped and resumed
 * @property {number} [pongTimeoutMs]
 * @property {number} [welcomeTimeoutMs] (default 15000)
 * @property {number} [gapTimeoutMs] a message that arrives after a gap in seqs waits this long
 *   (default 3000) for the gap to fill before the bot reads it with `history`
 * @property {number} [maxFrameBytes] the server's `limits.max_frame_bytes` (default 65536):
 *   larger requests are refused locally with `too_large`
 * @property {typeof WebSocket} [WebSocket] the WebSocket class (default: the `ws` package's)
 */

/** An error reply of the server (`code`, `message`, `retry_after_ms`), or a local failure
 *  (`stopped`, `disconnected`, `too_large`, `transport`, `handler`, …). */
export class ParleyError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{retry_after_ms?: number, op?: string, closeCode?: number, cause?: unknown}} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'ParleyError';
    /** @type {string} */
    this.code = code;
    /** @type {number | undefined} */
    this.retry_after_ms = extra.retry_after_ms;
    /** @type {string | undefined} the op of the request that failed */
    this.op = extra.op;
    /** @type {number | undefined} the WebSocket close code of a fatal error */
    this.closeCode = extra.closeCode;
  }
}

const OPEN = 1;
const isDm = (/** @type {string} */ channel) => channel.startsWith('dm:');
const STATES = /** @type {const} */ (['idle', 'connecting', 'authenticating', 'open', 'waiting', 'stopped', 'failed']);
/** @typedef {typeof STATES[number]} BotState */

/**
 * @typedef {object} Pending a request to the server
 * @property {Record<string, any>} frame without `id`
 * @property {(ok: any) => void} resolve
 * @property {(err: ParleyError) => void} reject
 * @property {boolean} resend sent again after a reconnect when its reply was lost
 * @property {boolean} internal part of the connection's setup: dropped when it closes
 * @property {number} gen the connection it was sent on (internal requests)
 * @property {string | null} id
 *
 * @typedef {object} Channel what the bot keeps per channel to resume it
 * @property {string} name
 * @property {boolean} wanted joined, and rejoined after every reconnect
 * @property {boolean} joined
 * @property {boolean} joining
 * @property {number | null} lastSeq the highest seq delivered (null: not joined yet)
 * @property {number | null} lastChange the highest change number seen (edited, deleted, reaction,
 *   helpful, solved; null: not joined yet), resumed with `changes_since`
 * @property {number | null} epoch from the last join ok
 * @property {Record<string, any> | null} info the last join ok
 * @property {Map<number, Message>} buffer messages that came after a gap, by seq
 * @property {ReturnType<typeof setTimeout> | null} gapTimer
 * @property {{resolve: (ok: any) => void, reject: (e: ParleyError) => void}[]} waiters
 */

const silentOrConsole = {
  warn: (/** @type {any[]} */ ...a) => console.warn('[parley-bot]', ...a),
  error: (/** @type {any[]} */ ...a) => console.error('[parley-bot]', ...a),
};

export class ParleyBot {
  /** @param {ParleyBotOptions} opts */
  constructor(opts) {
    if (!opts || typeof opts.url !== 'string' || !/^wss?:\/\//.test(opts.url)) {
      throw new TypeError('ParleyBot: opts.url must be a ws:// or wss:// URL (e.g. ws://127.0.0.1:8080/ws)');
    }
    if (typeof opts.token !== 'string' || !opts.token) throw new TypeError('ParleyBot: opts.token is required');
    this.url = opts.url;
    /** @private */ this._token = opts.token;
    /** @private */ this._auth = opts.auth ?? 'header';
    /** @private */ this._backoff = { base: 1000, max: 30000, factor: 2, ...(opts.backoff || {}) };
    /** @private @type {Logger} */ this._log = opts.logger ?? silentOrConsole;
    /** @private */ this._WS = opts.WebSocket ?? WebSocket;
    /** @private */ this._pingIntervalMs = opts.pingIntervalMs ?? 25000;
    /** @private */ this._pongTimeoutMs = opts.pongTimeoutMs ?? 10000;
    /** @private */ this._welcomeTimeoutMs = opts.welcomeTimeoutMs ?? 15000;
    /** @private */ this._gapTimeoutMs = opts.gapTimeoutMs ?? 3000;
    /** @private */ this._maxFrameBytes = opts.maxFrameBytes ?? 65536;
    /** @private */ this._initialChannels = [...(opts.channels || [])];

    /** @type {BotState} */
    this.state = 'idle';
    /** @type {{id: string, name: string, role: string, guest: boolean} | null} the bot's user, from `welcome` */
    this.user = null;
    /** Counters: connection attempts, welcomes, duplicates dropped, channel resets seen. */
    this.stats = { connects: 0, welcomes: 0, duplicates: 0, resets: 0, gapFills: 0 };

    /** @private @type {Map<string, Channel>} */ this._channels = new Map();
    /** @private @type {Map<string, Set<(...args: any[]) => void>>} */ this._listeners = new Map();
    /** @private @type {((m: Message, ctx: MessageContext) => any)[]} */ this._messageHandlers = [];
    /** @private @type {{name: string | null, fn: (c: CommandEvent, ctx: CommandContext) => any}[]} */ this._commandHandlers = [];
    /** @private @type {((a: ActionEvent, ctx: ActionContext) => any)[]} */ this._actionHandlers = [];
    /** @private @type {Pending[]} */ this._queue = [];
    /** @private @type {Map<string, Pending>} */ this._inflight = new Map();
    /** @private @type {Set<ReturnType<typeof setTimeout>>} */ this._retryTimers = new Set();
    /** @private @type {CommandSpec[] | null} */ this._commands = null;
    /** @private @type {Map<string, number> | null} DM conversations and their last_seq at the first welcome */
    this._dmBaseline = null;
    /** @private @type {import('ws').WebSocket | null} */ this._ws = null;
    /** @private */ this._gen = 0;
    /** @private */ this._reqSeq = 0;
    /** @private */ this._attempt = 0;
    /** @private */ this._stopped = true;
    /** @private */ this._openedAt = 0;
    /** @private */ this._lastRx = 0;
    /** @private @type {ReturnType<typeof setTimeout> | null} */ this._reconnectTimer = null;
    /** @private @type {ReturnType<typeof setTimeout> | null} */ this._welcomeTimer = null;
    /** @private @type {ReturnType<typeof setInterval> | null} */ this._pingTimer = null;
    /** @private @type {Record<string, any> | null} the last error frame without a request id */
    this._lastServerError = null;
    /** @private @type {Promise<void> | null} */ this._startPromise = null;
    /** @private @type {ParleyError | null} why the bot failed (4401, 4403) */ this._fatal = null;
    /** @private @type {{resolve: () => void, reject: (e: ParleyError) => void} | null} */ this._welcomeWaiter = null;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /**
   * Connects, authenticates and joins `opts.channels`. Resolves once the `welcome` came and every
   * channel was joined. Connection failures are retried with backoff (a bot may start before its
   * server); rejects when the token is refused (4401) or the bot is banned (4403), when a channel
   * cannot be joined, or when stop() is called first. After a rejection the bot is stopped.
   * @returns {Promise<void>}
   */
  start() {
    if (this._startPromise) return this._startPromise;
    this._stopped = false;
    this._fatal = null;
    this._attempt = 0;
    this._setState('connecting');
    const welcomed = new Promise((resolve, reject) => { this._welcomeWaiter = { resolve: () => resolve(undefined), reject }; });
    const joins = this._initialChannels.map((c) => this.join(c));
    this._connect();
    this._startPromise = Promise.all([welcomed, ...joins]).then(() => undefined, async (e) => {
      this._startPromise = null;
      await this.stop();
      throw e;
    });
    return this._startPromise;
  }

  /**
   * Stops for good: waits up to `drainMs` for requests already sent to be answered, closes the
   * connection with 1000, and rejects whatever is still pending with code `stopped`. No
   * reconnect follows. The channels' positions are kept: start() again resumes them.
   * @param {{drainMs?: number}} [opts]
   * @returns {Promise<void>}
   */
  async stop({ drainMs = 2000 } = {}) {
    if (this._stopped && !this._ws) { this._settleStopped(); return; }
    if (this.state === 'open' && this._inflight.size > 0) {
      const end = Date.now() + drainMs;
      while (this._inflight.size > 0 && this.state === 'open' && Date.now() < end) await sleep(20);
    }
    this._stopped = true;
    this._startPromise = null;
    this._clearTimers();
    const ws = this._ws;
    if (ws) {
      const closed = new Promise((resolve) => ws.once('close', resolve));
      try { ws.close(1000, 'bot stopping'); } catch { /* not open yet */ }
      const t = setTimeout(() => { try { ws.terminate(); } catch { /* gone */ } }, 2000);
      await closed;
      clearTimeout(t);
    }
    this._settleStopped();
  }

  /** @private */
  _settleStopped() {
    this._stopped = true;
    this._clearTimers();
    this._rejectAll(new ParleyError('stopped', 'the bot was stopped'));
    if (this.state !== 'failed') this._setState('stopped');
  }

  // ---- handlers and events ---------------------------------------------------------------

  /**
   * Every `message` of other users in the channels the bot follows (its own are skipped), and
   * DMs to the bot; each (channel, seq) once, in seq order per channel.
   * @param {(msg: Message, ctx: MessageContext) => any} fn may return a promise; a rejection or
   *   a throw is reported as an `error` event
   * @returns {() => void} removes the handler
   */
  onMessage(fn) {
    this._messageHandlers.push(fn);
    return () => { this._messageHandlers = this._messageHandlers.filter((f) => f !== fn); };
  }

  /**
   * A user ran one of the bot's slash commands (`registerCommands`). With a name, only that one.
   * @overload
   * @param {(cmd: CommandEvent, ctx: CommandContext) => any} fn
   * @returns {() => void}
   */
  /**
   * @overload
   * @param {string} name
   * @param {(cmd: CommandEvent, ctx: CommandContext) => any} fn
   * @returns {() => void}
   */
  /**
   * @param {string | ((cmd: CommandEvent, ctx: CommandContext) => any)} nameOrFn
   * @param {(cmd: CommandEvent, ctx: CommandContext) => any} [maybeFn]
   * @returns {() => void}
   */
  onCommand(nameOrFn, maybeFn) {
    const entry = typeof nameOrFn === 'function'
      ? { name: null, fn: nameOrFn }
      : { name: nameOrFn, fn: /** @type {(cmd: CommandEvent, ctx: CommandContext) => any} */ (maybeFn) };
    if (typeof entry.fn !== 'function') throw new TypeError('onCommand needs a function');
    this._commandHandlers.push(entry);
    return () => { this._commandHandlers = this._commandHandlers.filter((e) => e !== entry); };
  }

  /**
   * A user clicked a button (`actions` of send) of one of the bot's messages.
   * @param {(action: ActionEvent, ctx: ActionContext) => any} fn
   * @returns {() => void}
   */
  onAction(fn) {
    this._actionHandlers.push(fn);
    return () => { this._actionHandlers = this._actionHandlers.filter((f) => f !== fn); };
  }

  /**
   * Events: `connected` {user, session, resumed}, `disconnected` {code, reason},
   * `reconnecting` {attempt, delay}, `error` (a ParleyError), `fatal` (a ParleyError: the token
   * was refused or the bot banned; no reconnect follows), `reset` {channel, epoch,
   * previousEpoch} (the channel's store was reset: it starts over from seq 1), `joined` (the
   * join ok without `op` and `id`: `{channel, last_seq, kind, epoch, online, …}`, after every
   * join and rejoin, before the messages that follow it: the place to (re)build who is online
   * from `online`, then follow `presence`), `kicked`, and every other push by its op
   * (`reaction`, `edited`, `deleted`, `presence`, `solved`, …).
   * Without an `error` listener, errors go to the logger.
   * @param {string} event
   * @param {(...args: any[]) => void} fn
   * @returns {() => void} removes the listener
   */
  on(event, fn) {
    let set = this._listeners.get(event);
    if (!set) this._listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => this.off(event, fn);
  }

  /**
   * @param {string} event
   * @param {(...args: any[]) => void} fn
   */
  off(event, fn) { this._listeners.get(event)?.delete(fn); }

  /**
   * @private
   * @param {string} event
   * @param {any} value
   */
  _emit(event, value) {
    const set = this._listeners.get(event);
    if (event === 'error' && (!set || set.size === 0)) {
      this._logAt('error', value && value.message ? `${value.code || 'error'}: ${value.message}` : value);
      return;
    }
    if (!set) return;
    for (const fn of [...set]) {
      try { fn(value); } catch (e) {
        if (event !== 'error') this._emit('error', new ParleyError('handler', `a '${event}' listener threw: ${errText(e)}`, { cause: e }));
        else this._logAt('error', `an 'error' listener threw: ${errText(e)}`);
      }
    }
  }

  /**
   * @private
   * @param {'debug' | 'info' | 'warn' | 'error'} level
   * @param {any[]} args
   */
  _logAt(level, ...args) {
    const f = this._log && this._log[level];
    if (typeof f === 'function') { try { f.apply(this._log, args); } catch { /* a broken logger */ } }
  }

  // ---- operations ------------------------------------------------------------------------

  /**
   * Posts `text` in `channel` (a public channel, or `dm:a:b` of a conversation of the bot).
   * Resolves with the server's ack once the message is stored. The `client_msg_id` is kept for
   * every retry (a reconnect, `rate_limited`), so the message is stored once.
   * @param {string} channel
   * @param {string} text
   * @param {SendOptions} [opts]
   * @returns {Promise<SendResult>}
   */
  async send(channel, text, opts = {}) {
    const clientMsgId = opts.clientMsgId ?? `bot-${randomUUID()}`;
    /** @type {Record<string, any>} */
    const frame = { op: 'send', channel, text, client_msg_id: clientMsgId };
    if (opts.replyTo != null) frame.reply_to = opts.replyTo;
    if (opts.actions != null) frame.actions = opts.actions;
    const ok = await this._request(frame, { resend: true });
    return { channel: ok.channel, seq: ok.seq, ts: ok.ts, client_msg_id: clientMsgId };
  }

  /**
   * Answers `msg` in its channel (`reply_to` = its seq).
   * @param {Message} msg
   * @param {string} text
   * @param {SendOptions} [opts]
   * @returns {Promise<SendResult>}
   */
  reply(msg, text, opts = {}) {
    return this.send(msg.channel, text, { ...opts, replyTo: msg.seq });
  }

  /**
   * A direct message to user `to` (the `dm` op; idempotent like send).
   * @param {string} to
   * @param {string} text
   * @param {{clientMsgId?: string}} [opts]
   * @returns {Promise<SendResult>}
   */
  async dm(to, text, opts = {}) {
    const clientMsgId = opts.clientMsgId ?? `bot-${randomUUID()}`;
    const ok = await this._request({ op: 'dm', to, text, client_msg_id: clientMsgId }, { resend: true });
    return { channel: ok.channel, seq: ok.seq, ts: ok.ts, client_msg_id: clientMsgId };
  }

  /**
   * @param {string} channel
   * @param {number} seq
   * @param {string} emoji
   * @returns {Promise<{channel: string, seq: number, emoji: string, count: number}>}
   */
  react(channel, seq, emoji) {
    return this._request({ op: 'react', channel, seq, emoji }, { resend: true }).then(strip);
  }

  /**
   * @param {string} channel
   * @param {number} seq
   * @param {string} emoji
   * @returns {Promise<{channel: string, seq: number, emoji: string, count: number}>}
   */
  unreact(channel, seq, emoji) {
    return this._request({ op: 'unreact', channel, seq, emoji }, { resend: true }).then(strip);
  }

  /**
   * Accepts answer `answerSeq` as the solution of its question (the `solve` op, §3.5). The
   * server allows it to the asker and to staff, and to a bot for **its own message** in a
   * question's thread, only after that question's asker clicked one of the message's buttons
   * (within 15 minutes): the question is then solved with the bot's message as accepted answer,
   * on the asker's behalf; anything else gets `forbidden`. With `credit`, the advocacy credit
   * goes to the author of that answer instead, which must be an accepted answer (its question's
   * `solved_seq`; else `bad_request` `credit must name an accepted answer`) written by someone
   * other than the asker (else `bad_request` `the asker's own answers cannot be credited`: solve
   * again without credit). Solving the same answer again with the same `credit` changes nothing,
   * so nobody is credited twice.
   * @param {string} channel
   * @param {number} answerSeq
   * @param {{credit?: {channel: string, seq: number}}} [opts] `credit`: the accepted answer
   *   (channel, seq) whose author earns the credit (bots, §3.5)
   * @returns {Promise<{channel: string, question_seq: number, seq: number, credit?: {channel: string, seq: number, user: string}}>}
   *   `credit` when one was given: the answer and its author, who was credited
   */
  markSolved(channel, answerSeq, opts = {}) {
    /** @type {Record<string, any>} */
    const frame = { op: 'solve', channel, seq: answerSeq };
    if (opts.credit != null) frame.credit = { channel: opts.credit.channel, seq: opts.credit.seq };
    return this._request(frame, { resend: true }).then(strip);
  }

  /**
   * Replaces the bot's slash commands (`[]` removes them). The set is registered again after
   * every reconnect.
   * @param {CommandSpec[]} commands
   * @returns {Promise<{registered: number}>}
   */
  registerCommands(commands) {
    if (!Array.isArray(commands)) return Promise.reject(new TypeError('registerCommands needs an array'));
    this._commands = commands.map((c) => ({ ...c }));
    return this._request({ op: 'register_commands', commands: this._commands }, { resend: true }).then(strip);
  }

  /**
   * Answers a `command` event: only the user who ran it sees `text` (never stored). Not resent
   * after a reconnect when its reply was lost (it rejects with `disconnected`): it might show twice.
   * @param {string} commandId
   * @param {string} text
   * @returns {Promise<{command_id: string}>}
   */
  replyCommand(commandId, text) {
    return this._request({ op: 'reply_command', command_id: commandId, text }, { resend: false }).then(strip);
  }

  /**
   * Full-text search (§3.6).
   * @param {string} query
   * @param {{channel?: string, solved?: boolean, limit?: number, cursor?: string, match?: 'all' | 'any'}} [opts]
   * @returns {Promise<{results: Record<string, any>[], cursor?: string}>}
   */
  search(query, opts = {}) {
    /** @type {Record<string, any>} */
    const frame = { op: 'search', query };
    for (const k of /** @type {const} */ (['channel', 'solved', 'limit', 'cursor', 'match'])) if (opts[k] != null) frame[k] = opts[k];
    return this._request(frame, { resend: true }).then(strip);
  }

  /**
   * Reads stored messages (§3.1 history).
   * @param {string} channel
   * @param {{before?: number, limit?: number}} [opts]
   * @returns {Promise<{messages: Record<string, any>[], has_more: boolean}>}
   */
  history(channel, opts = {}) {
    /** @type {Record<string, any>} */
    const frame = { op: 'history', channel };
    if (opts.before != null) frame.before = opts.before;
    if (opts.limit != null) frame.limit = opts.limit;
    return this._request(frame, { resend: true }).then(strip);
  }

  /**
   * Follows `channel` from now on (and after every reconnect, resumed with `since`). Resolves
   * with the join ok (§3.1: `last_seq`, `kind`, `epoch`, …); at once when already joined.
   * @param {string} channel
   * @returns {Promise<Record<string, any>>}
   */
  join(channel) {
    if (typeof channel !== 'string' || !channel) return Promise.reject(new TypeError('join needs a channel name'));
    const ch = this._chan(channel);
    if (ch.joined && ch.info && ch.wanted) return Promise.resolve(ch.info);
    ch.wanted = true;
    const p = new Promise((resolve, reject) => ch.waiters.push({ resolve, reject }));
    if (this.state === 'open' && !ch.joining) this._joinChannel(ch);
    return p;
  }

  /**
   * Stops following `channel`.
   * @param {string} channel
   * @returns {Promise<void>}
   */
  async leave(channel) {
    const ch = this._channels.get(channel);
    if (ch) {
      ch.wanted = false;
      ch.joined = false;
      for (const w of ch.waiters.splice(0)) w.reject(new ParleyError('left', `left ${channel}`));
    }
    if (this.state === 'open') await this._request({ op: 'leave', channel }, { resend: false });
  }

  /**
   * Any other op: resolves with its `ok` (or `pong`), rejects with its `error`. Not resent after
   * a reconnect.
   * @param {Record<string, any>} frame
   * @returns {Promise<Record<string, any>>}
   */
  request(frame) {
    return this._request(frame, { resend: false });
  }

  /**
   * @private
   * @param {Record<string, any>} frame
   * @param {{resend: boolean}} opts
   * @returns {Promise<Record<string, any>>}
   */
  _request(frame, { resend }) {
    return new Promise((resolve, reject) => {
      if (this.state === 'failed' && this._fatal) return reject(this._fatal);
      if (this._stopped && this.state !== 'idle') {
        return reject(new ParleyError('stopped', `the bot is ${this.state}`, { op: frame.op }));
      }
      const size = Buffer.byteLength(JSON.stringify({ ...frame, id: 'b0000000000' }));
      if (size > this._maxFrameBytes) {
        return reject(new ParleyError('too_large', `the ${frame.op} frame is ${size} bytes; the server takes at most ${this._maxFrameBytes}`, { op: frame.op }));
      }
      /** @type {Pending} */
      const p = { frame, resolve, reject, resend, internal: false, gen: 0, id: null };
      this._queue.push(p);
      this._pump();
    });
  }

  /** @private */
  _pump() {
    if (this.state !== 'open') return;
    while (this._queue.length && this.state === 'open') this._transmit(/** @type {Pending} */ (this._queue.shift()));
  }

  /**
   * @private
   * @param {Pending} p
   */
  _transmit(p) {
    const ws = this._ws;
    if (!ws || ws.readyState !== OPEN) { if (!p.internal) this._queue.unshift(p); return; }
    p.id = `b${++this._reqSeq}`;
    p.gen = this._gen;
    this._inflight.set(p.id, p);
    ws.send(JSON.stringify({ ...p.frame, id: p.id }));
  }

  /**
   * A request that belongs to the current connection (join, register_commands, channels):
   * sent at once, dropped when the connection closes (the next welcome redoes it). onOk and
   * onErr run synchronously when the reply is read, before the objects after it in the frame.
   * @private
   * @param {Record<string, any>} frame
   * @param {(ok: Record<string, any>) => void} onOk
   * @param {(e: ParleyError) => void} onErr
   */
  _internal(frame, onOk, onErr) {
    /** @type {Pending} */
    const p = { frame, resolve: onOk, reject: onErr, resend: false, internal: true, gen: this._gen, id: null };
    this._transmit(p);
  }

  // ---- connection ------------------------------------------------------------------------

  /** @private */
  _connect() {
    if (this._stopped) return;
    this._reconnectTimer = null;
    this._setState('connecting');
    this.stats.connects++;
    const gen = ++this._gen;
    /** @type {Record<string, string>} */
    const headers = this._auth === 'header' ? { Authorization: `Bearer ${this._token}` } : {};
    /** @type {import('ws').WebSocket} */
    let ws;
    try {
      ws = new this._WS(this.url, { headers, handshakeTimeout: this._welcomeTimeoutMs, perMessageDeflate: false });
    } catch (e) {
      this._emit('error', new ParleyError('transport', `cannot connect to ${this.url}: ${errText(e)}`, { cause: e }));
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    let opened = false;
    /** @type {Error | null} */
    let transportError = null;
    ws.on('open', () => {
      if (gen !== this._gen) return;
      opened = true;
      this._lastRx = Date.now();
      this._setState('authenticating');
      if (this._auth === 'frame') ws.send(JSON.stringify({ op: 'auth', token: this._token, id: 'auth' }));
      this._welcomeTimer = setTimeout(() => {
        this._logAt('warn', `no welcome within ${this._welcomeTimeoutMs} ms; reconnecting`);
        ws.terminate();
      }, this._welcomeTimeoutMs);
    });
    ws.on('message', (data) => {
      if (gen !== this._gen) return;
      this._lastRx = Date.now();
      for (const line of String(data).split('\n')) {
        if (!line.trim()) continue;
        /** @type {any} */
        let obj;
        try { obj = JSON.parse(line); } catch {
          this._emit('error', new ParleyError('client_parse', `unparsable frame: ${line.slice(0, 80)}`));
          continue;
        }
        if (gen !== this._gen) return; // a handler stopped the bot or dropped the connection
        this._dispatch(obj);
      }
    });
    ws.on('ping', () => { this._lastRx = Date.now(); });
    ws.on('pong', () => { this._lastRx = Date.now(); });
    ws.on('error', (e) => { transportError = e; });
    ws.on('close', (code, reason) => {
      if (gen !== this._gen || this._ws !== ws) return;
      this._ws = null;
      this._onClose(code, String(reason), opened, transportError);
    });
  }

  /**
   * @private
   * @param {number} code
   * @param {string} reason
   * @param {boolean} opened
   * @param {Error | null} transportError
   */
  _onClose(code, reason, opened, transportError) {
    const wasWelcomed = this.state === 'open';
    this._clearConnectionTimers();
    if (wasWelcomed && Date.now() - this._openedAt >= 10000) this._attempt = 0; // it had stayed up
    for (const ch of this._channels.values()) { ch.joined = false; ch.joining = false; }
    // Requests whose reply was lost: idempotent ones go first in the queue again, in the order
    // they were sent; the others are rejected (they may or may not have taken effect).
    const resend = [];
    for (const p of this._inflight.values()) {
      if (p.internal) continue;
      if (p.resend) resend.push(p);
      else p.reject(new ParleyError('disconnected', `the connection closed before the ${p.frame.op} was answered; it may or may not have been done`, { op: p.frame.op }));
    }
    this._inflight.clear();
    this._queue.unshift(...resend);
    if (opened) this._emit('disconnected', { code, reason });
    else this._logAt('warn', `cannot connect to ${this.url}: ${transportError ? transportError.message : `closed ${code}`}`);
    if (this._stopped) { this._settleStopped(); return; }
    if (code === 4401 || code === 4403) {
      const last = this._lastServerError || {};
      const err = code === 4403
        ? new ParleyError('banned', last.message || 'the bot is banned', { closeCode: code, retry_after_ms: last.retry_after_ms })
        : new ParleyError('unauthorized', last.message || reason || 'unauthorized', { closeCode: code });
      this._fail(err);
      return;
    }
    this._lastServerError = null;
    this._scheduleReconnect();
  }

  /**
   * The token was refused or the bot banned: no reconnect; everything pending is rejected.
   * @private
   * @param {ParleyError} err
   */
  _fail(err) {
    this._fatal = err;
    this._stopped = true;
    this._startPromise = null;
    this._clearTimers();
    this._setState('failed');
    this._rejectAll(err);
    this._emit('error', err);
    this._emit('fatal', err);
  }

  /**
   * @private
   * @param {ParleyError} err
   */
  _rejectAll(err) {
    // Internal requests (join, channels, …) belong to a connection: the next one redoes them.
    const pending = [...this._inflight.values(), ...this._queue.splice(0)].filter((p) => !p.internal);
    this._inflight.clear();
    for (const p of pending) p.reject(err);
    for (const ch of this._channels.values()) for (const w of ch.waiters.splice(0)) w.reject(err);
    if (this._welcomeWaiter) { const w = this._welcomeWaiter; this._welcomeWaiter = null; w.reject(err); }
  }

  /** @private */
  _scheduleReconnect() {
    if (this._stopped) return;
    const { base, max, factor } = this._backoff;
    const cap = Math.min(max, base * Math.pow(factor, this._attempt));
    const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
    this._attempt++;
    this._setState('waiting');
    this._emit('reconnecting', { attempt: this._attempt, delay });
    this._reconnectTimer = setTimeout(() => this._connect(), delay);
  }

  /** @private */
  _clearConnectionTimers() {
    if (this._welcomeTimer) { clearTimeout(this._welcomeTimer); this._welcomeTimer = null; }
    if (this._pingTimer) { clearInterval(this._pingTimer); this._pingTimer = null; }
    for (const ch of this._channels.values()) if (ch.gapTimer) { clearTimeout(ch.gapTimer); ch.gapTimer = null; }
  }

  /** @private */
  _clearTimers() {
    this._clearConnectionTimers();
    if (this._reconnectTimer) { clearTimeout(this._reconnectTimer); this._reconnectTimer = null; }
    for (const t of this._retryTimers) clearTimeout(t);
    this._retryTimers.clear();
  }

  /** @private */
  _startPing() {
    this._pingTimer = setInterval(() => {
      const ws = this._ws;
      if (!ws || ws.readyState !== OPEN) return;
      if (Date.now() - this._lastRx > this._pingIntervalMs + this._pongTimeoutMs) {
        this._logAt('warn', 'the server has been silent too long; reconnecting');
        ws.terminate();
        return;
      }
      try { ws.ping(); } catch { /* closing */ }
    }, this._pingIntervalMs);
  }

  /**
   * @private
   * @param {BotState} state
   */
  _setState(state) { this.state = state; }

  // ---- inbound ---------------------------------------------------------------------------

  /**
   * @private
   * @param {Record<string, any>} m
   */
  _dispatch(m) {
    if ((m.op === 'ok' || m.op === 'error' || m.op === 'pong') && m.id != null && this._inflight.has(String(m.id))) {
      const p = /** @type {Pending} */ (this._inflight.get(String(m.id)));
      this._inflight.delete(String(m.id));
      if (m.op !== 'error') { p.resolve(m); return; }
      if (m.code === 'rate_limited') { this._retryLater(p, m.retry_after_ms); return; }
      p.reject(new ParleyError(m.code, m.message, { retry_after_ms: m.retry_after_ms, op: p.frame.op }));
      return;
    }
    switch (m.op) {
      case 'welcome': this._onWelcome(m); return;
      case 'message': this._onMessage(/** @type {Message} */ (m)); return;
      case 'command': this._onCommand(/** @type {CommandEvent} */ (m)); return;
      case 'action': this._onAction(/** @type {ActionEvent} */ (m)); return;
      case 'ok': case 'pong': return; // the reply to a request we gave up on
      case 'error':
        if (m.code === 'unauthorized' || m.code === 'banned') { this._lastServerError = m; return; } // the close follows
        this._emit('error', new ParleyError(m.code, m.message, { retry_after_ms: m.retry_after_ms }));
        return;
      case 'kicked': {
        const ch = this._channels.get(m.channel);
        if (ch) { ch.wanted = false; ch.joined = false; }
        this._emit('kicked', m);
        return;
      }
      default:
        if (typeof m.change === 'number' && m.channel) {  // edited, deleted, reaction, helpful, solved
          const ch = this._channels.get(m.channel);
          if (ch && ch.lastChange != null) {
            if (m.change <= ch.lastChange) return;  // seen before (a DM pushed to an unjoined socket)
            ch.lastChange = m.change;
          }
        }
        this._emit(m.op, m);
    }
  }

  /**
   * `rate_limited`: the frame was dropped; send it again after `retry_after_ms`.
   * @private
   * @param {Pending} p
   * @param {number | undefined} ms
   */
  _retryLater(p, ms) {
    const delay = Math.max(10, Number(ms) || 100) + Math.floor(Math.random() * 20);
    this._logAt('debug', `${p.frame.op} rate limited; retrying in ${delay} ms`);
    const t = setTimeout(() => {
      this._retryTimers.delete(t);
      if (this._stopped) return;
      if (p.internal) { if (p.gen === this._gen) this._transmit(p); return; }
      this._queue.unshift(p);
      this._pump();
    }, delay);
    this._retryTimers.add(t);
  }

  /**
   * @private
   * @param {Record<string, any>} m
   */
  _onWelcome(m) {
    if (this._welcomeTimer) { clearTimeout(this._welcomeTimer); this._welcomeTimer = null; }
    this.user = m.user;
    this._openedAt = Date.now();
    this.stats.welcomes++;
    const resumed = this.stats.welcomes > 1;
    this._setState('open');
    this._startPing();
    if (this._commands && !this._queue.some((p) => p.frame.op === 'register_commands')) {
      this._internal({ op: 'register_commands', commands: this._commands }, () => {}, (e) => this._emit('error', e));
    }
    for (const ch of this._channels.values()) if (ch.wanted) this._joinChannel(ch);
    this._discoverDms();
    this._emit('connected', { user: m.user, session: m.session, resumed });
    if (this._welcomeWaiter) { const w = this._welcomeWaiter; this._welcomeWaiter = null; w.resolve(); }
    this._pump();
  }

  /**
   * DMs reach the bot without a join. The conversations it had at its first welcome are its
   * baseline; after a reconnect, a conversation it does not follow yet got its messages while
   * the bot was away: join it from the baseline (or from 0), so they are delivered too.
   * @private
   */
  _discoverDms() {
    const first = this._dmBaseline == null;
    this._internal({ op: 'channels' }, (ok) => {
      const dms = (ok.channels || []).filter((/** @type {any} */ c) => c.kind === 'dm');
      if (first) {
        this._dmBaseline = new Map(dms.map((/** @type {any} */ c) => [c.name, c.last_seq]));
        return;
      }
      for (const c of dms) {
        if (this._channels.has(c.name)) continue;
        const since = this._dmBaseline?.get(c.name) ?? 0;
        if (c.last_seq <= since) continue;
        const ch = this._chan(c.name);
        ch.wanted = true;
        ch.lastSeq = since;
        this._joinChannel(ch);
      }
    }, (e) => this._logAt('warn', `channels: ${e.message}`));
  }

  /**
   * @private
   * @param {string} name
   * @returns {Channel}
   */
  _chan(name) {
    let ch = this._channels.get(name);
    if (!ch) {
      ch = { name, wanted: false, joined: false, joining: false, lastSeq: null, lastChange: null, epoch: null, info: null, buffer: new Map(), gapTimer: null, waiters: [] };
      this._channels.set(name, ch);
    }
    return ch;
  }

  /**
   * Joins (or rejoins) with `since` = the highest seq delivered, when there is one.
   * @private
   * @param {Channel} ch
   */
  _joinChannel(ch) {
    /** @type {Record<string, any>} */
    const frame = { op: 'join', channel: ch.name };
    const since = ch.lastSeq;
    if (since != null) frame.since = since;
    // The changes made meanwhile (edits, deletions, reactions, marks) come back as their events.
    if (since != null && ch.lastChange != null) frame.changes_since = ch.lastChange;
    ch.joining = true;
    this._internal(frame, (ok) => this._onJoined(ch, ok, since), (err) => {
      ch.joining = false;
      ch.wanted = false;
      const waiters = ch.waiters.splice(0);
      for (const w of waiters) w.reject(err);
      if (!waiters.length) this._emit('error', new ParleyError(err.code, `cannot rejoin ${ch.name}: ${err.message}`, { op: 'join' }));
    });
  }

  /**
   * @private
   * @param {Channel} ch
   * @param {Record<string, any>} ok
   * @param {number | null} since
   */
  _onJoined(ch, ok, since) {
    ch.joining = false;
    const previousEpoch = ch.epoch;
    const epochChanged = previousEpoch != null && ok.epoch != null && ok.epoch !== previousEpoch;
    if (ok.epoch != null) ch.epoch = ok.epoch;
    ch.info = ok;
    if (epochChanged || ok.since_reset || (since != null && ok.last_seq < since)) {
      // §8: the channel's history was reset, its old seqs mean nothing. Start over: everything
      // of the new store is new to the bot. The rejoin replays it from seq 1 (what this
      // subscription delivers meanwhile comes again, and is dropped as a duplicate).
      this.stats.resets++;
      ch.lastSeq = 0;
      ch.lastChange = null;
      ch.buffer.clear();
      this._emit('reset', { channel: ch.name, epoch: ok.epoch, previousEpoch });
      this._joinChannel(ch);
      return;
    }
    if (ch.lastSeq == null) ch.lastSeq = ok.last_seq; // a first join: live messages from here on
    // Without a replay of changes (a first join, or too long away: changes_reset) the next
    // change is the first after last_change; with one, the replayed events move lastChange on.
    if (ch.lastChange == null || ok.changes_reset) ch.lastChange = ok.last_change ?? null;
    if (ok.changes_reset) this._emit('changes_reset', { channel: ch.name });
    ch.joined = true;
    for (const w of ch.waiters.splice(0)) w.resolve(ok);
    this._emit('joined', strip(ok));
    this._flush(ch);
  }

  /**
   * @private
   * @param {Message} m
   */
  _onMessage(m) {
    let ch = this._channels.get(m.channel);
    if (!ch && isDm(m.channel)) {
      // A DM in a conversation the bot does not follow yet: follow it, so it is resumed after a
      // reconnect. On the first connection it starts with this message; later ones start from
      // the baseline, and the join replays what came while the bot was away.
      ch = this._chan(m.channel);
      ch.wanted = true;
      ch.lastSeq = this.stats.welcomes <= 1 || !this._dmBaseline ? m.seq - 1 : (this._dmBaseline.get(m.channel) ?? 0);
      this._accept(ch, m);
      if (this.state === 'open') this._joinChannel(ch);
      return;
    }
    if (!ch || !ch.wanted) return; // after leave(), a push already on its way
    this._accept(ch, m);
  }

  /**
   * Delivers `m` when it is the next seq of the channel; drops duplicates; keeps messages that
   * come after a gap until the gap is filled (by the join's replay, or by `history`).
   * @private
   * @param {Channel} ch
   * @param {Message} m
   */
  _accept(ch, m) {
    if (ch.lastSeq != null && m.seq <= ch.lastSeq) { this.stats.duplicates++; return; }
    if (ch.lastSeq == null || m.seq > ch.lastSeq + 1) {
      ch.buffer.set(m.seq, m);
      if (ch.lastSeq != null && !ch.joining) this._armGapTimer(ch);
      return;
    }
    this._deliver(ch, m);
    this._flush(ch);
  }

  /**
   * @private
   * @param {Channel} ch
   */
  _flush(ch) {
    if (ch.lastSeq == null) return;
    for (const seq of [...ch.buffer.keys()]) if (seq <= ch.lastSeq) ch.buffer.delete(seq);
    let next;
    while (ch.lastSeq != null && (next = ch.buffer.get(ch.lastSeq + 1))) {
      ch.buffer.delete(next.seq);
      this._deliver(ch, next);
    }
    if (ch.buffer.size === 0) {
      if (ch.gapTimer) { clearTimeout(ch.gapTimer); ch.gapTimer = null; }
    } else if (!ch.joining) {
      this._armGapTimer(ch);
    }
  }

  /**
   * @private
   * @param {Channel} ch
   */
  _armGapTimer(ch) {
    if (ch.gapTimer || this._stopped || this.state !== 'open') return;
    ch.gapTimer = setTimeout(() => { ch.gapTimer = null; this._fillGap(ch); }, this._gapTimeoutMs);
  }

  /**
   * A gap that did not fill by itself: read the missing messages with `history`.
   * @private
   * @param {Channel} ch
   */
  async _fillGap(ch) {
    if (!ch.wanted) { ch.buffer.clear(); return; }
    // Not connected, or a join is on its way: its ok flushes the buffer and re-arms the timer.
    if (this.state !== 'open' || ch.joining || ch.lastSeq == null || ch.buffer.size === 0) return;
    const first = Math.min(...ch.buffer.keys());
    const from = ch.lastSeq;
    this.stats.gapFills++;
    try {
      const page = await this.history(ch.name, { before: first, limit: Math.min(100, first - 1 - from) });
      if (ch.lastSeq !== from) { this._flush(ch); return; } // filled meanwhile
      for (const h of page.messages) if (h.seq > from && !ch.buffer.has(h.seq)) ch.buffer.set(h.seq, /** @type {Message} */ ({ op: 'message', ...h }));
      this._flush(ch);
    } catch (e) {
      this._logAt('warn', `cannot read the gap in ${ch.name}: ${errText(e)}`);
      if (ch.buffer.size) this._armGapTimer(ch);
    }
  }

  /**
   * @private
   * @param {Channel} ch
   * @param {Message} m
   */
  _deliver(ch, m) {
    ch.lastSeq = m.seq;
    if (this.user && m.from && m.from.id === this.user.id) return; // the bot's own message
    /** @type {MessageContext} */
    const ctx = {
      bot: this,
      reply: (text, opts) => this.reply(m, text, opts),
      react: (emoji) => this.react(m.channel, m.seq, emoji),
    };
    for (const fn of this._messageHandlers) this._run('onMessage', () => fn(m, ctx));
  }

  /**
   * @private
   * @param {CommandEvent} c
   */
  _onCommand(c) {
    /** @type {CommandContext} */
    const ctx = { bot: this, reply: (text) => this.replyCommand(c.command_id, text) };
    for (const h of this._commandHandlers) if (h.name == null || h.name === c.name) this._run('onCommand', () => h.fn(c, ctx));
    this._emit('command', c);
  }

  /**
   * @private
   * @param {ActionEvent} a
   */
  _onAction(a) {
    /** @type {ActionContext} */
    const ctx = { bot: this, reply: (text, opts) => this.send(a.channel, text, { ...opts, replyTo: a.seq }) };
    for (const fn of this._actionHandlers) this._run('onAction', () => fn(a, ctx));
    this._emit('action', a);
  }

  /**
   * Runs a handler; a throw or a rejected promise becomes an `error` event.
   * @private
   * @param {string} what
   * @param {() => any} f
   */
  _run(what, f) {
    const report = (/** @type {unknown} */ e) => this._emit('error', new ParleyError('handler', `${what} handler failed: ${errText(e)}`, { cause: e }));
    try {
      const r = f();
      if (r && typeof r.then === 'function') r.then(undefined, report);
    } catch (e) { report(e); }
  }
}

/**
 * The reply without `op` and `id`.
 * @param {Record<string, any>} ok
 * @returns {any}
 */
function strip(ok) {
  const { op, id, ...rest } = ok; // eslint-disable-line no-unused-vars
  return rest;
}

/** @param {unknown} e */
function errText(e) { return e instanceof Error ? e.message : String(e); }

/** @param {number} ms */
function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

export default ParleyBot;
