/* The console's fixed settings: the server it talks to (the page's own origin), storage key,
 * page sizes and limits. */

export const ORIGIN = location.origin;
export const WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws';
export const TOKEN_KEY = 'parley:console:token';
export const PAGE = 50;            // messages per history page
export const MAX_WATCHED = 90;     // channels joined for live activity (the server allows 100)
export const GROUP_MS = 5 * 60 * 1000;
export const REPORT_PAGE = 50;
export const AUDIT_PAGE = 50;
