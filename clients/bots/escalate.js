// @ts-check
/**
 * escalate: a question nobody answered after `advocates_after_s` pings the advocates online in
 * its channel (`@id` mentions, in the thread); after `staff_after_s`, the staff (the configured
 * ids, and staff and admins online in the channel). Each stage at most once per question.
 *
 * Answered: someone other than the asker and other than a bot replied in the thread, a `solved`
 * event named it, or it was deleted. After a restart the open questions are rebuilt from the
 * latest 200 messages of each channel; the bot's own stage messages there count as done.
 *
 *   PARLEY_BOT_TOKEN=… clients/bots/run.sh escalate [escalate.json]
 * Config (README.md): {"channels": ["help"], "advocates_after_s": 600, "staff_after_s": 1800,
 *                      "staff": [], "check_interval_s": 15}
 */
import {
  createLogger, loadConfig, environment, exitWith, createBot, run, isQuestion, within, list,
  channelName, userId, positive, duration, UsageError,
} from './lib.js';

/** @typedef {import('./lib.js').Message} Message */
/** @typedef {{id: string, name: string, role?: string, advocate?: boolean}} Online */
/**
 * @typedef {object} Open an unanswered question
 * @property {string} channel
 * @property {number} seq
 * @property {string} asker
 * @property {number} ts when it was asked (ms, the server's clock)
 * @property {boolean} advocates stage 1 done (or skipped)
 * @property {boolean} staff stage 2 done (or skipped)
 */

const NAME = 'escalate';
const MAX_OPEN = 10000;
const MAX_REPLIES = 50000;
const TIMEOUT_MS = 30000;
const STAGE1 = 'this question has waited';
const STAGE2 = 'still unanswered after';

const SCHEMA = {
  channels: { default: ['help'], check: list({ min: 1, max: 100, item: channelName, what: 'channel names' }) },
  advocates_after_s: { default: 600, check: positive(0, 31536000) },
  staff_after_s: { default: 1800, check: positive(0, 31536000) },
  staff: { default: [], check: list({ min: 0, max: 100, item: userId, what: 'user ids' }) },
  check_interval_s: { default: 15, check: positive(0, 3600) },
};

async function main() {
  const cfg = loadConfig(process.argv[2], SCHEMA, (c) => {
    if (c.staff_after_s <= c.advocates_after_s) {
      throw new UsageError(`config: "staff_after_s" must be greater than "advocates_after_s" (got ${c.staff_after_s} and ${c.advocates_after_s})`);
    }
  });
  const { url, token } = environment();
  const log = createLogger(NAME);
  const { bot, kinds } = createBot({ url, token, channels: cfg.channels, log });
  /** @type {Map<string, Open>} open questions by `channel\nseq`, oldest first */
  const open = new Map();
  /** @type {Map<string, string>} a reply (`channel\nseq`) in an open thread -> the question's key */
  const roots = new Map();
  /** @type {Map<string, Map<string, Online>>} who is online, per channel */
  const online = new Map();
  /** Live messages that came while the open questions were rebuilt from history. */
  /** @type {Message[] | null} */
  let held = [];
  /** @type {Map<string, number>} each channel's last_seq at its first join: history covers up to it */
  const joinedAt = new Map();

  const k = (/** @type {string} */ ch, /** @type {number} */ seq) => `${ch}\n${seq}`;

  bot.on('joined', (ok) => {
    if (!joinedAt.has(ok.channel)) joinedAt.set(ok.channel, ok.last_seq);
    online.set(ok.channel, new Map((ok.online || []).map((/** @type {Online} */ u) => [u.id, u])));
  });
  bot.on('presence', (p) => {
    const users = online.get(p.channel);
    if (!users) return;
    if (p.state === 'online') users.set(p.user, { id: p.user, name: p.name, role: p.role, advocate: p.advocate });
    else users.delete(p.user);
  });
  // A flag that changes while someone is online (every connection gets the event).
  bot.on('advocate', (a) => {
    for (const users of online.values()) {
      const u = users.get(a.user);
      if (u) u.advocate = !!a.advocate;
    }
  });
  bot.on('solved', (s) => close(k(s.channel, s.question_seq), 'solved'));
  bot.on('deleted', (d) => close(k(d.channel, d.seq), 'deleted'));

  /** @param {string} key @param {string} why */
  function close(key, why) {
    if (open.delete(key)) log.debug(`${key.replace('\n', '/')} ${why}`);
  }

  /**
   * One message, live or from history: a new question, or a reply that answers one (or that
   * shows a stage this bot already posted, after a restart).
   * @param {Message} m
   */
  function take(m) {
    if (!cfg.channels.includes(m.channel) || kinds.get(m.channel) !== 'support') return;
    if (isQuestion(m, kinds)) {
      if (m.solved_seq != null) return;
      open.set(k(m.channel, m.seq), { channel: m.channel, seq: m.seq, asker: m.from.id, ts: m.ts, advocates: false, staff: false });
      while (open.size > MAX_OPEN) open.delete(/** @type {string} */ (open.keys().next().value));
      return;
    }
    if (m.reply_to == null) return;
    const parent = k(m.channel, m.reply_to);
    const root = open.has(parent) ? parent : roots.get(parent);
    if (!root) return;
    const q = open.get(root);
    if (!q) return;
    if (m.from.id === bot.user?.id) { // its own stage message (seen in history after a restart)
      if (m.text.includes(STAGE1)) q.advocates = true;
      if (m.text.includes(STAGE2)) q.advocates = q.staff = true;
    } else if (m.from.id !== q.asker && m.from.role !== 'bot' && !m.deleted) {
      close(root, `answered by ${m.from.id}`);
      return;
    }
    roots.set(k(m.channel, m.seq), root);
    while (roots.size > MAX_REPLIES) roots.delete(/** @type {string} */ (roots.keys().next().value));
  }

  bot.onMessage((m) => { if (held) held.push(m); else take(m); });

  /** The open questions as they stand in the latest 200 messages of each channel. */
  async function rebuild() {
    try {
      await readHistory();
    } catch (e) {
      log.warn(`cannot read the channels' history: ${e instanceof Error ? e.message : e}; following new questions only`);
    }
    for (const [key, q] of open) if (q.advocates && q.staff) open.delete(key); // both stages posted before
    const live = held || [];
    held = null;
    for (const m of live) take(m);
    log.info(`${open.size} open question(s) after reading history`);
  }

  async function readHistory() {
    for (const ch of cfg.channels) {
      if (kinds.get(ch) !== 'support') { log.warn(`${ch} is a ${kinds.get(ch)} channel, not a support channel: no questions there`); continue; }
      const upTo = joinedAt.get(ch) ?? 0;
      const newer = await within(bot.history(ch, { before: upTo + 1, limit: 100 }), TIMEOUT_MS, 'history');
      const older = newer.has_more && newer.messages.length
        ? await within(bot.history(ch, { before: newer.messages[0].seq, limit: 100 }), TIMEOUT_MS, 'history')
        : { messages: [] };
      for (const m of [...older.messages, ...newer.messages]) take(/** @type {Message} */ ({ op: 'message', ...m }));
    }
  }

  /** @param {Open} q @param {string[]} ids @param {string} text */
  async function ping(q, ids, text) {
    const mentions = ids.map((id) => `@${id}`).join(' ');
    await within(bot.send(q.channel, `${mentions} — ${text}`, { replyTo: q.seq }), TIMEOUT_MS, 'send');
    log.info(`${q.channel}/${q.seq}: pinged ${ids.join(', ')}`);
  }

  let busy = false;
  async function check() {
    if (busy || held || bot.state !== 'open') return;
    busy = true;
    try {
      const now = Date.now();
      for (const q of [...open.values()]) {
        if (!open.has(k(q.channel, q.seq))) continue; // answered meanwhile
        const age = (now - q.ts) / 1000;
        const here = [...(online.get(q.channel)?.values() || [])];
        if (!q.advocates && age >= cfg.advocates_after_s) {
          q.advocates = true;
          const ids = here.filter((u) => u.advocate === true && u.role === 'customer' && u.id !== q.asker).map((u) => u.id);
          if (ids.length) await ping(q, ids, `this question has waited ${duration(cfg.advocates_after_s)}. Can you help?`);
        }
        if (!q.staff && age >= cfg.staff_after_s) {
          q.staff = true;
          const ids = [...new Set([...cfg.staff, ...here.filter((u) => u.role === 'staff' || u.role === 'admin').map((u) => u.id)])]
            .filter((id) => id !== q.asker && id !== bot.user?.id);
          if (ids.length) await ping(q, ids, `still unanswered after ${duration(cfg.staff_after_s)}.`);
        }
        if (q.advocates && q.staff) open.delete(k(q.channel, q.seq));
      }
    } catch (e) {
      log.warn(`check: ${e instanceof Error ? e.message : e}`);
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(check, cfg.check_interval_s * 1000);
  await run(bot, log, { channels: cfg.channels, onStop: () => clearInterval(timer), onStarted: rebuild });
}

main().catch((e) => exitWith(NAME, e));
