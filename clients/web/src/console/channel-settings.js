/* Parley staff console: the channel dialogs: create, rename, archive, and the members of a private
 * channel (rebuilt from the audit log: the server has no member list endpoint). */
import { h } from '../shared/dom.js';
import { CHANNEL_NAME, act, avatar, chipGroup, dialog, fail, icon, inlineError, toast } from './kit.js';
import { api, op } from './server.js';
import { S, chanRecord, nameOf } from './state.js';
import { nameText } from './names.js';
import { patchChannel, renderChanList, watchChannels } from './channels.js';
import { go } from './shell.js';

export function createChannelDialog() {
  const name = h('input', { id: 'f-name', name: 'channel', required: true, maxlength: '64', autocomplete: 'off', spellcheck: 'false', pattern: '[a-z0-9][a-z0-9._\\-]{0,63}', placeholder: 'e.g. beta-testers', 'aria-describedby': 'f-name-hint' });
  dialog({
    title: 'New channel',
    body: [
      h('div', { class: 'field' }, h('label', { for: 'f-name', text: 'Name' }), name,
        h('span', { id: 'f-name-hint', class: 'hint', text: 'Lowercase letters, digits, dots, dashes and underscores; it cannot be changed later.' })),
      h('div', { class: 'field' }, h('label', { for: 'f-title', text: 'Title' }), h('input', { id: 'f-title', name: 'title', maxlength: '100', placeholder: 'Shown to customers, e.g. Beta testers' })),
      chipGroup('kind', 'Kind', [['support', 'Support'], ['chat', 'Chat'], ['announce', 'Announcements'], ['private', 'Private']], 'support'),
      h('p', { class: 'hint muted', style: 'margin:-6px 0 10px;font-size:12.5px', text: 'Support: questions and answers (they count for advocacy). Chat: social. Announcements: only staff post. Private: members you add.' }),
    ],
    confirm: 'Create channel',
    onConfirm: async (form) => {
      const f = new FormData(form);
      const channel = String(f.get('channel') || '').trim();
      if (!CHANNEL_NAME.test(channel)) throw inlineError('The name must start with a lowercase letter or digit and use only a-z, 0-9, “.”, “_” and “-” (at most 64).');
      const body = { channel, kind: String(f.get('kind')) };
      const title = String(f.get('title') || '').trim();
      if (title) body.title = title;
      const info = await act(`Could not create #${channel}`, () => api('POST', '/api/channels', body), `#${channel} created`);
      S.channels.set(info.channel, chanRecord(info));
      renderChanList();
      watchChannels();
      go('#/channels/' + encodeURIComponent(info.channel));
    },
  });
}

export function renameDialog(ch) {
  const input = h('input', { id: 'f-title', name: 'title', required: true, maxlength: '100', value: ch.title || ch.name });
  dialog({
    title: `Rename #${ch.name}`,
    description: 'The title is what customers see; the channel name stays.',
    body: [h('div', { class: 'field' }, h('label', { for: 'f-title', text: 'Title' }), input)],
    confirm: 'Save',
    onConfirm: async (form) => {
      const title = String(new FormData(form).get('title') || '').trim();
      if (!title) throw inlineError('The title cannot be empty.');
      await patchChannel(ch, { title }, `#${ch.name} renamed to “${title}”`);
    },
  });
  input.select();
}

export function archiveDialog(ch) {
  dialog({
    title: `Archive #${ch.name}?`,
    description: 'An archived channel stays readable, but nobody can post, edit or react in it, and it leaves the customers\' channel list. You can unarchive it later.',
    confirm: 'Archive', danger: true,
    onConfirm: () => patchChannel(ch, { archived: true }, `#${ch.name} archived`),
  });
}

/** Members of a private channel. The server has no member list endpoint; membership changes
 *  are all audited, so the list is rebuilt from the audit log. */
async function membersFromAudit(channel) {
  const members = new Map();
  const events = [];
  let before = 0;
  for (let page = 0; page < 20; page++) {
    const data = await api('GET', `/api/audit?limit=200${before ? '&before=' + before : ''}`);
    for (const a of data.entries) {
      if (a.channel === channel && (a.action === 'add_member' || a.action === 'remove_member')) events.push(a);
    }
    if (!data.has_more || !data.entries.length) break;
    before = data.entries[data.entries.length - 1].id;
  }
  events.sort((a, b) => a.id - b.id);
  for (const a of events) {
    if (a.action === 'add_member') members.set(a.target_user, a);
    else members.delete(a.target_user);
  }
  return members;
}

export function membersDialog(ch) {
  const list = h('ul', { class: 'member-list', 'aria-label': `Members of #${ch.name}`, 'aria-busy': 'true' }, h('li', { class: 'empty-row' }, h('span', { class: 'spinner', 'aria-hidden': 'true' })));
  const input = h('input', { id: 'f-member', name: 'user', autocomplete: 'off', spellcheck: 'false', maxlength: '64', placeholder: 'User id, e.g. alice or g-3f2a…', pattern: '[A-Za-z0-9._@+\\-]{1,64}' });
  const addBtn = h('button', { class: 'btn', type: 'button' }, icon('plus', 14), 'Add');
  const refresh = async () => {
    try {
      const members = await membersFromAudit(ch.name);
      list.setAttribute('aria-busy', 'false');
      list.replaceChildren(...(members.size ? [...members.keys()].sort().map((id) => h('li', null, avatar(id, nameOf(id), 'sm'),
        h('span', { class: 'nm' }, nameText(id, 'b'), h('span', { class: 'mono muted', text: ' ' + id })),
        h('button', { class: 'btn small subtle-danger', type: 'button', 'aria-label': `Remove ${nameOf(id)} from #${ch.name}`, onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await act(`Could not remove ${nameOf(id)}`, () => op({ op: 'remove_member', channel: ch.name, user: id }), `${nameOf(id)} removed from #${ch.name}`);
          } catch (ex) { /* toasted */ }
          refresh();
        } }, 'Remove'))) : [h('li', { class: 'empty-row', text: 'No members yet. Staff can always read private channels.' })]));
    } catch (e) {
      fail('Could not load the members', e);
      list.replaceChildren(h('li', { class: 'empty-row', text: 'Could not load the members.' }));
    }
  };
  const add = async () => {
    const user = input.value.trim();
    if (!/^[A-Za-z0-9._@+-]{1,64}$/.test(user)) { input.focus(); toast('Enter a user id', { kind: 'error', code: 'bad_request', detail: '1-64 characters of A-Z a-z 0-9 . _ @ + -' }); return; }
    addBtn.disabled = true;
    try {
      await act(`Could not add ${user}`, () => op({ op: 'add_member', channel: ch.name, user }), `${nameOf(user)} added to #${ch.name}`);
      input.value = '';
      refresh();
    } catch (e) { /* toasted */ }
    addBtn.disabled = false;
    input.focus();
  };
  addBtn.addEventListener('click', add);
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  dialog({
    title: `Members of #${ch.name}`,
    description: 'Members can read and post in this private channel. Removing someone takes them out of it at once.',
    body: [list, h('div', { class: 'field' }, h('label', { for: 'f-member', text: 'Add a member' }), h('div', { class: 'inline-form' }, input, addBtn)),
      h('p', { class: 'muted', style: 'font-size:12px;margin:0 0 8px', text: 'Rebuilt from the audit log (the server has no member list endpoint yet).' })],
    cancel: 'Done',
    focus: '#f-member',
  });
  refresh();
}
