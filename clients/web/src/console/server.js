/* Parley staff console: server access. The staff HTTP API (api(): Authorization: Bearer, errors
 * as ServerError) and ops over the console's WebSocket (op(): through the protocol client). */
import { ServerError } from './kit.js';
import { ORIGIN } from './config.js';
import { S } from './state.js';
import { signOut } from './boot.js';

/** Staff HTTP API. Errors become ServerError(code, message) from the JSON error body. */
export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(ORIGIN + path, {
      method,
      headers: Object.assign({ Authorization: 'Bearer ' + S.token }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch (e) {
    throw new ServerError('network', 'could not reach the server');
  }
  let data = null;
  try { data = await res.json(); } catch (e) { /* empty or not JSON */ }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ServerError(e.code || `http_${res.status}`, e.message || `HTTP ${res.status}`, { status: res.status });
    if (res.status === 401) signOut('The server no longer accepts this token. Sign in with a fresh staff token.', err);
    throw err;
  }
  return data;
}

/** A WebSocket op through the protocol client; resolves with the `ok` reply. */
export async function op(frame) {
  if (!S.client) throw new ServerError('disconnected', 'not connected');
  try {
    return await S.client.request(frame);
  } catch (e) {
    throw new ServerError(e.code || 'error', e.message, { retry_after_ms: e.retry_after_ms });
  }
}
