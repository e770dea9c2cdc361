// @ts-check
/**
 * @module parley-example-bots/lib
 * What the example bots (welcome.js, faq.js, escalate.js) share: the environment, a validated
 * JSON config, a logger, a bounded JSON state file written atomically, the start/stop/fatal
 * life of a bot process, and what counts as a question. See README.md here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ParleyBot } from '../bot-js/index.js';

/**
 * @typedef {import('../bot-js/index.js').Message} Message
 * @typedef {{debug: (...a: any[]) => void, info: (...a: any[]) => void, warn: (...a: any[]) => void, error: (...a: any[]) => void}} Log
 * @typedef {(value: any, key: string) => string | null} Check a validator: null when `value` is
 *   fine, else what it must be ("must be …")
 * @typedef {Record<string, {default: any, check: Check}>} Schema every key a config may hold
 */

const LEVELS = ['debug', 'info', 'warn', 'error'];

/**
 * Lines `2026-12-07T08:52:49.123Z welcome info: …`; debug and info to stdout, warn and error to
 * stderr. `PARLEY_BOT_LOG` (debug, info, warn, error; default info) sets the lowest level shown.
 * @param {string} name
 * @returns {Log}
 */
export function createLogger(name) {
  const min = Math.max(0, LEVELS.indexOf(process.env.PARLEY_BOT_LOG || 'info'));
  /** @param {string} level */
  const at = (level) => (/** @type {any[]} */ ...args) => {
    if (LEVELS.indexOf(level) < min) return;
    const line = `${new Date().toISOString()} ${name} ${level}: ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}\n`;
    (level === 'debug' || level === 'info' ? process.stdout : process.stderr).write(line);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A usage or configuration error: one line on stderr, exit status 2. */
export class UsageError extends Error {}

/**
 * @param {string} name the bot's name, for the message
 * @param {unknown} e
 * @returns {never}
 */
export function exitWith(name, e) {
  if (e instanceof UsageError) {
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

// ---- config ---------------------------------------------------------------------------------

const show = (/** @type {any} */ v) => (v === undefined ? 'nothing' : JSON.stringify(v));

/** @type {(min: number, max: number) => Check} an integer in [min, max] */
export const integer = (min, max) => (v) =>
  Number.isInteger(v) && v >= min && v <= max ? null : `must be an integer from ${min} to ${max}`;

/** @type {(min: number, max: number) => Check} a number > min and ≤ max (fractions allowed) */
export const positive = (min, max) => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > min && v <= max ? null : `must be a number greater than ${min} and at most ${max}`;

/** @type {Check} a non-empty string */
export const text = (v) => (typeof v === 'string' && v.trim() !== '' ? null : 'must be a non-empty string');

/** @type {Check} an http:// or https:// URL */
export const httpUrl = (v) => (typeof v === 'string' && /^https?:\/\/[^/\s]+/.test(v) ? null : 'must be an http:// or https:// URL');

/** A channel name as the bots accept it (public channels; DMs are no support channels). */
const CHANNEL = /^[A-Za-z0-9._-]{1,64}$/;

/** @type {(opts: {min: number, max: number, item: Check, what: string}) => Check} an array */
export const list = ({ min, max, item, what }) => (v, key) => {
  if (!Array.isArray(v) || v.length < min || v.length > max) return `must be an array of ${min}-${max} ${what}`;
  for (let i = 0; i < v.length; i++) { const e = item(v[i], `${key}[${i}]`); if (e) return `[${i}] ${e}`; }
  if (new Set(v).size !== v.length) return 'must not name the same one twice';
  return null;
};

/** @type {Check} a channel name */
export const channelName = (v) => (typeof v === 'string' && CHANNEL.test(v) ? null : 'must be a channel name (1-64 characters of A-Z a-z 0-9 . _ -)');

/** @type {Check} a user id */
export const userId = (v) => (typeof v === 'string' && /^[A-Za-z0-9._@+-]{1,64}$/.test(v) ? null : 'must be a user id (1-64 characters of A-Z a-z 0-9 . _ @ + -)');

/**
 * Reads the JSON config at `file` (none: every default), refusing unknown keys and values of
 * the wrong type with a UsageError that names the key. Keys and defaults: `schema`.
 * @param {string | undefined} file
 * @param {Schema} schema
 * @param {(cfg: Record<string, any>) => void} [extra] cross-key checks; throw a UsageError
 * @returns {Record<string, any>} every key of `schema`, plus `_dir`: the config file's directory
 *   (the current one without a file), against which relative paths are resolved
 */
export function loadConfig(file, schema, extra) {
  /** @type {Record<string, any>} */
  let raw = {};
  if (file) {
    let body;
    try { body = fs.readFileSync(file, 'utf8'); } catch (e) {
      throw new UsageError(`cannot read the config file ${file}: ${/** @type {any} */ (e).code || e}`);
    }
    try { raw = JSON.parse(body); } catch (e) {
      throw new UsageError(`the config file ${file} is not valid JSON: ${e instanceof Error ? e.message : e}`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`the config file ${file} must hold a JSON object`);
  }
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(schema, key)) throw new UsageError(`config: unknown key "${key}" (known: ${Object.keys(schema).join(', ')})`);
  }
  /** @type {Record<string, any>} */
  const cfg = {};
  for (const [key, spec] of Object.entries(schema)) {
    const v = Object.hasOwn(raw, key) ? raw[key] : spec.default;
    const err = spec.check(v, key);
    if (err) throw new UsageError(`config: "${key}" ${err} (got ${show(v)})`);
    cfg[key] = v;
  }
  if (extra) extra(cfg);
  cfg._dir = file ? path.dirname(path.resolve(file)) : process.cwd();
  return cfg;
}

/**
 * `PARLEY_URL` (default ws://127.0.0.1:8080/ws) and `PARLEY_BOT_TOKEN` (required).
 * @returns {{url: string, token: string}}
 */
export function environment() {
  const url = process.env.PARLEY_URL || 'ws://127.0.0.1:8080/ws';
  if (!/^wss?:\/\/[^/\s]+/.test(url)) throw new UsageError(`PARLEY_URL must be a ws:// or wss:// URL (got "${url}")`);
  const token = process.env.PARLEY_BOT_TOKEN || '';
  if (!token) {
    throw new UsageError('PARLEY_BOT_TOKEN is not set: an admin creates the bot with POST /api/bots and gets its token (clients/bots/README.md)');
  }
  return { url, token };
}

// ---- state ----------------------------------------------------------------------------------

/**
 * A bounded map kept in a JSON file: `{"version":1,"entries":[[key, value], …]}`, oldest first.
 * Past `max` entries the oldest are dropped. Writes go to `FILE.tmp`, then rename over FILE
 * (atomic: a crash leaves the old file or the new one), at most every `delayMs`, and at flush().
 */
export class JsonState {
  /**
   * @param {string} file
   * @param {{max?: number, delayMs?: number, log?: Log}} [opts]
   */
  constructor(file, { max = 100000, delayMs = 200, log } = {}) {
    this.file = file;
    this.max = max;
    this.delayMs = delayMs;
    this.log = log;
    /** @type {Map<string, any>} */
    this.map = new Map();
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    let body = null;
    try { body = fs.readFileSync(file, 'utf8'); } catch (e) {
      if (/** @type {any} */ (e).code !== 'ENOENT') throw new UsageError(`cannot read the state file ${file}: ${/** @type {any} */ (e).code || e}`);
    }
    if (body != null) {
      let data;
      try { data = JSON.parse(body); } catch { throw new UsageError(`the state file ${file} is not valid JSON; move it away to start afresh`); }
      if (!data || !Array.isArray(data.entries)) throw new UsageError(`the state file ${file} has no "entries" array; move it away to start afresh`);
      for (const e of data.entries) if (Array.isArray(e) && typeof e[0] === 'string') this.map.set(e[0], e[1]);
      this._trim();
    }
  }

  /** @param {string} key */
  has(key) { return this.map.has(key); }

  /** @param {string} key @param {any} value */
  set(key, value) {
    this.map.delete(key); // re-inserted as the newest
    this.map.set(key, value);
    this._trim();
    if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.flush(); }, this.delayMs);
  }

  /** @private */
  _trim() { while (this.map.size > this.max) this.map.delete(/** @type {string} */ (this.map.keys().next().value)); }

  /** Writes the file now (tmp + rename). */
  flush() {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const tmp = `${this.file}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify({ version: 1, entries: [...this.map] }));
      fs.renameSync(tmp, this.file);
    } catch (e) {
      this.log?.error(`cannot write the state file ${this.file}: ${e instanceof Error ? e.message : e}`);
    }
  }
}

/**
 * A Set that forgets its oldest members past `max` (what a bot remembers in memory).
 * @extends {Set<string>}
 */
export class BoundedSet extends Set {
  /** @param {number} max */
  constructor(max) { super(); this.max = max; }
  /** @param {string} v */
  add(v) {
    super.delete(v);
    super.add(v);
    while (this.size > this.max) super.delete(/** @type {string} */ (this.values().next().value));
    return this;
  }
}

// ---- the bot's life -------------------------------------------------------------------------

/**
 * The ParleyBot of an example bot, with the kind of each channel it follows (`kinds`, from the
 * join ok: only `support` channels have questions).
 * @param {{url: string, token: string, channels: string[], log: Log}} opts
 * @returns {{bot: ParleyBot, kinds: Map<string, string>}}
 */
export function createBot({ url, token, channels, log }) {
  const bot = new ParleyBot({ url, token, channels, logger: log });
  /** @type {Map<string, string>} */
  const kinds = new Map();
  bot.on('joined', (ok) => kinds.set(ok.channel, ok.kind));
  bot.on('error', (e) => { if (e.code !== 'unauthorized' && e.code !== 'banned') log.warn(`${e.code}: ${e.message}`); });
  bot.on('disconnected', ({ code, reason }) => { if (code !== 1000 && code !== 4401 && code !== 4403) log.warn(`disconnected (${code}${reason ? ` ${reason}` : ''}); reconnecting`); });
  bot.on('connected', ({ resumed }) => { if (resumed) log.info('reconnected; channels resumed'); });
  return { bot, kinds };
}

/**
 * Starts `bot`; stops it on SIGTERM/SIGINT (then `onStop`, exit 0); exits 1 on the SDK's
 * `fatal` (a refused or revoked token, 4401; a ban, 4403) or when start() fails.
 * @param {ParleyBot} bot
 * @param {Log} log
 * @param {{channels: string[], onStop?: () => void, onStarted?: () => Promise<void> | void}} opts
 */
export async function run(bot, log, { channels, onStop, onStarted }) {
  let stopping = false;
  const stop = async (/** @type {string} */ sig) => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: stopping`);
    await bot.stop().catch(() => {});
    onStop?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  bot.on('fatal', (e) => {
    log.error(`stopped for good: ${e.message}${e.closeCode ? ` (close ${e.closeCode})` : ''}`);
    onStop?.();
    process.exit(1);
  });
  try {
    await bot.start();
  } catch (e) {
    if (stopping) return;
    log.error(`cannot start: ${e instanceof Error ? e.message : e}`);
    onStop?.();
    process.exit(1);
  }
  await onStarted?.();
  log.info(`started as ${bot.user?.id} in ${channels.join(', ')}`);
}

/**
 * A question (PROTOCOL.md §3.5): a top-level message, not deleted, by a customer (guests are
 * customers too), in a channel whose join ok said `kind: "support"`.
 * @param {Message} m
 * @param {Map<string, string>} kinds
 */
export function isQuestion(m, kinds) {
  return kinds.get(m.channel) === 'support' && m.reply_to == null && !m.deleted && m.from?.role === 'customer';
}

/**
 * `promise`, or a rejection after `ms` (the SDK resends a rate-limited request after
 * `retry_after_ms` as often as needed: this bounds the whole wait).
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export function within(promise, ms, what) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); }),
  ]);
}

/**
 * One message (`history` of one seq), or null when the channel has no such message.
 * @param {ParleyBot} bot
 * @param {string} channel
 * @param {number} seq
 * @returns {Promise<Record<string, any> | null>}
 */
export async function readMessage(bot, channel, seq) {
  const page = await bot.history(channel, { before: seq + 1, limit: 1 });
  const m = page.messages[0];
  return m && m.seq === seq ? m : null;
}

/**
 * "1 second", "10 minutes", "2 hours", "90 seconds" (whole units only).
 * @param {number} s
 */
export function duration(s) {
  const plural = (/** @type {number} */ n, /** @type {string} */ u) => `${n} ${u}${n === 1 ? '' : 's'}`;
  if (s >= 3600 && s % 3600 === 0) return plural(s / 3600, 'hour');
  if (s >= 60 && s % 60 === 0) return plural(s / 60, 'minute');
  return plural(Math.round(s * 10) / 10, 'second');
}
