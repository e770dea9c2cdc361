/* The widget's settings, read once from its own <script> tag while it runs (document.currentScript
 * is only set then): the server origin (HTTP API and wss://…/ws) from the script's `src`, the
 * data-* attributes; and fixed limits and choices. */

const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
export const ORIGIN = new URL(script && script.src ? script.src : location.href).origin;
export const WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws';
export const DATA = (script && script.dataset) || {};
export const PAGE = 30; // messages per history page
export const LINK_PAGES = 5; // older pages a deep link may load to find its message
export const GROUP_MS = 5 * 60 * 1000;
export const CMD_TTL_MS = 30 * 1000; // the slash-command list is asked for again when older
export const EPH_MAX = 50; // ephemeral lines (command replies) kept per conversation, in memory only
export const ACTIONS_MAX = 200; // buttons clicked on bot messages, remembered per user (newest kept)

export const REACTIONS = [['👍', 'thumbs up'], ['❤️', 'heart'], ['🙏', 'thank you'], ['🎉', 'celebrate'], ['😂', 'laughing']];
export const EMAIL_CHOICES = [['off', 'Off'], ['batched', 'Every few minutes'], ['digest', 'Daily digest']];
export const REPORT_REASONS = ['Spam or advertising', 'Rude, abusive or harassing', 'Off-topic', 'Something else'];
