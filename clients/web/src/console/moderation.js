/* Parley staff console: the moderation dialogs: delete a message, mute, ban, kick. */
import { h } from '../shared/dom.js';
import { act, chipGroup, dialog, dur, reasonField } from './kit.js';
import { op } from './server.js';

export function deleteDialog(ch, m) {
  dialog({
    title: 'Delete this message?',
    description: `Everyone in #${ch.name} sees “Message removed” in its place. The deletion is recorded in the audit log.`,
    body: [h('p', { class: 'preview' }, h('b', { text: m.from.name + ': ' }), m.text)],
    confirm: 'Delete message', danger: true,
    onConfirm: () => act(`Could not delete message #${m.seq}`, () => op({ op: 'delete', channel: ch.name, seq: m.seq }), `Message #${m.seq} in #${ch.name} deleted`),
  });
}

const MUTE_FOR = [[600, '10 minutes'], [3600, '1 hour'], [86400, '1 day'], [604800, '1 week'], [0, 'Until lifted']];
export function muteDialog(user, channel, after) {
  const body = [];
  if (channel) body.push(chipGroup('scope', 'Where', [['all', 'Everywhere'], ['channel', `Only in #${channel}`]], 'all'));
  body.push(chipGroup('duration', 'For how long', MUTE_FOR, 3600));
  body.push(reasonField('reason', 'Reason', 'Shown to them when they try to post, and kept in the audit log.'));
  dialog({
    title: `Mute ${user.name}`,
    description: `${user.name} can still read, but cannot send, edit or react while muted.`,
    body, confirm: 'Mute',
    onConfirm: async (form) => {
      const f = new FormData(form);
      const frame = { op: 'mute', user: user.id, duration_s: Number(f.get('duration')) };
      if (channel && f.get('scope') === 'channel') frame.channel = channel;
      const reason = String(f.get('reason') || '').trim();
      if (reason) frame.reason = reason;
      await act(`Could not mute ${user.name}`, () => op(frame),
        `${user.name} muted ${frame.channel ? 'in #' + frame.channel + ' ' : ''}${frame.duration_s ? 'for ' + dur(frame.duration_s) : 'until lifted'}`);
      if (after) after();
    },
  });
}

const BAN_FOR = [[86400, '1 day'], [604800, '1 week'], [2592000, '30 days'], [0, 'Permanently']];
export function banDialog(user, after) {
  dialog({
    title: `Ban ${user.name}`,
    description: `Their open sessions are closed at once and they cannot sign in until the ban ends or is lifted.`,
    body: [chipGroup('duration', 'For how long', BAN_FOR, 604800), reasonField('reason', 'Reason', 'Shown to them when they try to connect, and kept in the audit log.')],
    confirm: 'Ban', danger: true,
    onConfirm: async (form) => {
      const f = new FormData(form);
      const frame = { op: 'ban', user: user.id, duration_s: Number(f.get('duration')) };
      const reason = String(f.get('reason') || '').trim();
      if (reason) frame.reason = reason;
      await act(`Could not ban ${user.name}`, () => op(frame), `${user.name} banned ${frame.duration_s ? 'for ' + dur(frame.duration_s) : 'permanently'}`);
      if (after) after();
    },
  });
}

export function kickDialog(user, channel, after) {
  dialog({
    title: `Kick ${user.name} from #${channel}?`,
    description: `Their open sessions leave #${channel} right away. They can join again; mute or ban them to keep them out.`,
    confirm: 'Kick', danger: true,
    onConfirm: async () => {
      await act(`Could not kick ${user.name}`, () => op({ op: 'kick', user: user.id, channel }), `${user.name} kicked from #${channel}`);
      if (after) after();
    },
  });
}
