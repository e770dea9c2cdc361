// @ts-check
/**
 * faq: answers a customer's new question in a support channel with up to `max_links` published
 * knowledge pages of solved threads that match it well enough (the search result's `score` ≥
 * `threshold`), and two buttons: "This solved it" (the bot solves the question with its own
 * message, crediting the author of the matched thread's accepted answer) and "Not it".
 * Never twice in one thread; never to staff, admins or bots.
 *
 *   PARLEY_BOT_TOKEN=… clients/bots/run.sh faq [faq.json]
 * Config (README.md): {"channels": ["help"], "threshold": 50, "max_links": 3, "kb_base_url": "…"}
 */
import {
  createLogger, loadConfig, environment, exitWith, createBot, run, isQuestion, within, list,
  channelName, integer, httpUrl, readMessage, BoundedSet,
} from './lib.js';

/** @typedef {import('./lib.js').Message} Message */

const NAME = 'faq';
const TIMEOUT_MS = 30000;
const KB_TIMEOUT_MS = 5000;
const REMEMBER = 100000;
const INTRO = 'These solved threads look like your question:';
const BUTTONS = [{ id: 'solved', label: 'This solved it' }, { id: 'not_it', label: 'Not it' }];

/** http(s)://host[:port] of a ws(s):// URL. @param {string} url */
const kbBaseOf = (url) => { const u = new URL(url); return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`; };

/**
 * The question as a search query: at most 256 characters, cut at a word boundary; quotes and
 * colons become spaces, so that the customer's words are words, never phrases or filters.
 * @param {string} text
 */
function toQuery(text) {
  const words = text.replace(/["\u201c\u201d:]/g, ' ').split(/\s+/).filter(Boolean);
  let q = '';
  for (const w of words) {
    const next = q ? `${q} ${w}` : w;
    if ([...next].length > 256) break;
    q = next;
  }
  return q;
}

async function main() {
  const schema = {
    channels: { default: ['help'], check: list({ min: 1, max: 100, item: channelName, what: 'channel names' }) },
    threshold: { default: 50, check: integer(0, 100) },
    max_links: { default: 3, check: integer(1, 5) },
    kb_base_url: { default: null, check: (/** @type {any} */ v) => (v === null ? null : httpUrl(v)) },
  };
  const cfg = loadConfig(process.argv[2], schema);
  const { url, token } = environment();
  const kbBase = String(cfg.kb_base_url ?? kbBaseOf(url)).replace(/\/+$/, '');
  const log = createLogger(NAME);
  const { bot, kinds } = createBot({ url, token, channels: cfg.channels, log });
  /** Threads the bot answered, or is answering: `channel\nseq`. */
  const answered = new BoundedSet(REMEMBER);
  /** Threads where it said "not it" / "glad it helped". */
  const notIt = new BoundedSet(REMEMBER);
  const glad = new BoundedSet(REMEMBER);

  /** @param {string} channel @param {number} seq */
  async function published(channel, seq) {
    try {
      const res = await fetch(`${kbBase}/kb/${encodeURIComponent(channel)}/${seq}`, { method: 'GET', signal: AbortSignal.timeout(KB_TIMEOUT_MS), redirect: 'manual' });
      await res.body?.cancel();
      return res.status === 200;
    } catch (e) {
      log.warn(`cannot check ${kbBase}/kb/${channel}/${seq}: ${e instanceof Error ? e.message : e}`);
      return false;
    }
  }

  /**
   * The solved threads that match `m`, best first: [{channel, seq, score}].
   * @param {Message} m
   */
  async function matches(m) {
    const query = toQuery(m.text);
    if (!query) return [];
    const { results } = await within(bot.search(query, { solved: true, match: 'any', limit: 20 }), TIMEOUT_MS, 'search');
    /** @type {Map<string, {channel: string, seq: number, score: number}>} */
    const threads = new Map();
    for (const r of results) {
      const qseq = r.solved_seq != null ? r.seq : r.question_seq;
      if (qseq == null || (r.channel === m.channel && qseq === m.seq)) continue;
      const score = typeof r.score === 'number' ? r.score : 0;
      const key = `${r.channel}\n${qseq}`;
      const t = threads.get(key);
      if (!t) threads.set(key, { channel: r.channel, seq: qseq, score });
      else if (score > t.score) t.score = score;
    }
    return [...threads.values()].filter((t) => t.score >= cfg.threshold).sort((a, b) => b.score - a.score);
  }

  bot.onMessage(async (m) => {
    if (!isQuestion(m, kinds) || !cfg.channels.includes(m.channel) || !m.text) return;
    const key = `${m.channel}\n${m.seq}`;
    if (answered.has(key)) return;
    answered.add(key); // before any await: never twice, even while this one is on its way
    const lines = [];
    for (const t of await matches(m)) {
      if (lines.length >= cfg.max_links) break;
      if (!(await published(t.channel, t.seq))) continue;
      const q = await within(readMessage(bot, t.channel, t.seq), TIMEOUT_MS, 'history');
      if (!q || q.deleted) continue;
      const first = String(q.text).split('\n')[0].trim();
      const title = [...first].length > 80 ? `${[...first].slice(0, 79).join('')}…` : first;
      lines.push(`• ${title} — ${kbBase}/kb/${encodeURIComponent(t.channel)}/${t.seq}`);
    }
    if (!lines.length) { log.debug(`no good match for ${m.channel}/${m.seq}`); return; }
    const sent = await within(bot.reply(m, `${INTRO}\n${lines.join('\n')}`, { actions: BUTTONS }), TIMEOUT_MS, 'send');
    log.info(`answered ${m.channel}/${m.seq} (${m.from.id}) with ${lines.length} link(s): seq ${sent.seq}`);
  });

  bot.onAction(async (a) => {
    if (a.action_id !== 'solved' && a.action_id !== 'not_it') return;
    // Stateless, so a click after a restart works: the bot's message names its question
    // (reply_to) and, in its first link, the best thread.
    const mine = await within(readMessage(bot, a.channel, a.seq), TIMEOUT_MS, 'history');
    if (!mine || mine.deleted || mine.from.id !== bot.user?.id || mine.reply_to == null) return;
    const question = await within(readMessage(bot, a.channel, mine.reply_to), TIMEOUT_MS, 'history');
    if (!question || question.deleted) return;
    if (a.from.id !== question.from.id) { log.info(`ignored a click by ${a.from.id} on ${a.channel}/${a.seq}: not the asker`); return; }
    const thread = `${a.channel}\n${question.seq}`;
    const say = (/** @type {string} */ t) => within(bot.send(a.channel, t, { replyTo: question.seq }), TIMEOUT_MS, 'send');

    if (a.action_id === 'not_it') {
      if (notIt.has(thread) || question.solved_seq != null) return; // once; and a solved question is not open
      notIt.add(thread);
      await say('Thanks — I\'ll leave this open for the community.');
      return;
    }
    if (question.solved_seq === mine.seq) return; // solved with this message already: nothing to do
    const link = /\/kb\/([^/\s]+)\/(\d+)/.exec(mine.text);
    /** @type {{channel: string, seq: number} | undefined} */
    let credit;
    if (link) {
      const best = await within(readMessage(bot, decodeURIComponent(link[1]), Number(link[2])), TIMEOUT_MS, 'history');
      if (best && best.solved_seq != null) credit = { channel: best.channel, seq: best.solved_seq };
    }
    try {
      await bot.markSolved(a.channel, mine.seq, credit ? { credit } : {});
    } catch (e) {
      const err = /** @type {any} */ (e);
      if (!credit || err.code !== 'bad_request' || !/credit/.test(err.message)) throw e;
      log.info(`${a.channel}/${question.seq}: ${err.message}; solving without credit`);
      await bot.markSolved(a.channel, mine.seq);
    }
    log.info(`solved ${a.channel}/${question.seq} for ${a.from.id}${credit ? `, credit to ${credit.channel}/${credit.seq}` : ''}`);
    if (glad.has(thread)) return;
    glad.add(thread);
    await say('Glad it helped — marked as solved.');
  });

  await run(bot, log, { channels: cfg.channels });
}

main().catch((e) => exitWith(NAME, e));
