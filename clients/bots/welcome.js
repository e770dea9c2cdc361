// @ts-check
/**
 * welcome: greets a customer's FIRST message in a support channel with that channel's
 * guidelines, as a reply in the message's thread ("Welcome, Ann! <guidelines>").
 *
 * "First": a user the bot greeted (or found to have posted before) in a channel is recorded in
 * the state file and never greeted there again; for a user not in it, `search`
 * (`from:USER in:CHANNEL`, newest first) tells whether they posted there before this message,
 * and then they are recorded without a greeting.
 *
 *   PARLEY_BOT_TOKEN=… clients/bots/run.sh welcome [welcome.json]
 * Config (README.md): {"channels": {"help": "<guidelines>", …}, "state_file": "welcome-state.json"}
 */
import path from 'node:path';
import {
  createLogger, loadConfig, environment, exitWith, createBot, run, isQuestion, within, text,
  channelName, JsonState, UsageError,
} from './lib.js';

/** @typedef {import('./lib.js').Message} Message */

const NAME = 'welcome';
const STATE_MAX = 100000;
const REQUEST_TIMEOUT_MS = 60000;

/** @type {import('./lib.js').Check} */
const guidelinesByChannel = (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) {
    return 'must be an object of channel name -> guidelines text, with at least one channel';
  }
  return null;
};

/** @param {Record<string, any>} cfg */
function checkChannels(cfg) {
  for (const [ch, g] of Object.entries(cfg.channels)) {
    if (channelName(ch)) throw new UsageError(`config: "channels" key ${JSON.stringify(ch)} ${channelName(ch)}`);
    const e = text(g, `channels.${ch}`);
    if (e) throw new UsageError(`config: "channels.${ch}" ${e} (got ${JSON.stringify(g)})`);
    if ([...g].length > 3800) throw new UsageError(`config: "channels.${ch}" must be at most 3800 characters`);
  }
}

/** @type {import('./lib.js').Schema} */
const SCHEMA = {
  channels: { default: { help: 'Please tell us your product model and firmware version, and be kind: everyone here is a volunteer.' }, check: guidelinesByChannel },
  state_file: { default: 'welcome-state.json', check: text },
};

async function main() {
  const cfg = loadConfig(process.argv[2], SCHEMA, checkChannels);
  const env = environment();
  const log = createLogger(NAME);
  const channels = Object.keys(cfg.channels);
  const state = new JsonState(path.resolve(cfg._dir, cfg.state_file), { max: STATE_MAX, log });
  const { bot, kinds } = createBot({ ...env, channels, log });
  /** Users being looked at now (a second message while the first is checked is no first). */
  const checking = new Set();

  /**
   * Did `m`'s author post in its channel before `m`? (search lists a filter-only query newest
   * first: `m` itself, if indexed yet, then the one before.) null when search cannot tell.
   * @param {Message} m
   * @returns {Promise<boolean | null>}
   */
  async function postedBefore(m) {
    try {
      const r = await within(bot.search(`from:${m.from.id} in:${m.channel}`, { limit: 2 }), REQUEST_TIMEOUT_MS, 'search');
      return r.results.some((x) => x.channel === m.channel && x.seq < m.seq);
    } catch (e) {
      log.warn(`cannot search for earlier messages of ${m.from.id} in ${m.channel}: ${e instanceof Error ? e.message : e}`);
      return null;
    }
  }

  bot.onMessage(async (m) => {
    if (!isQuestion(m, kinds) || !Object.hasOwn(cfg.channels, m.channel)) return;
    const key = `${m.channel}\n${m.from.id}`;
    if (state.has(key) || checking.has(key)) return;
    checking.add(key);
    try {
      const before = await postedBefore(m);
      if (before) {
        state.set(key, { at: Date.now(), greeted: false });
        log.info(`${m.from.id} posted in ${m.channel} before; not greeted`);
        return;
      }
      await within(bot.reply(m, `Welcome, ${m.from.name}! ${cfg.channels[m.channel]}`), REQUEST_TIMEOUT_MS, 'send');
      state.set(key, { at: Date.now(), greeted: true });
      log.info(`greeted ${m.from.id} in ${m.channel} (seq ${m.seq})`);
    } finally {
      checking.delete(key);
    }
  });

  await run(bot, log, {
    channels,
    onStop: () => state.flush(),
    onStarted: () => {
      for (const ch of channels) if (kinds.get(ch) !== 'support') log.warn(`${ch} is a ${kinds.get(ch)} channel, not a support channel: nobody is greeted there`);
    },
  });
}

main().catch((e) => exitWith(NAME, e));
