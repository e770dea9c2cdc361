// A customer becomes a community advocate by crossing the server's threshold, through marks made
// in the widget, and the badge then shows in other customers' widgets on their next message (and
// not on the one sent before the deciding mark). The server runs with a lowered [advocacy]
// threshold (10 points, 2 people helped, 1 active day); the scoring (server/src/advocacy/README.md,
// default weights: answer 2, helpful 4, solved 15, at most 12 points from any one asker):
//
//   Cleo answers Ann's question and Bob's           2 + 2 =  4   (2 people helped)
//   Ann marks Cleo's answer helpful                 + 4    =  8   (not yet)
//   Bob accepts Priya's answer first                       =  8
//   Bob accepts Cleo's answer instead               + 15 → Bob's share capped at 12: 6 + 12 = 18 ≥ 10
//
// Also checked on the way: the asker (only) sees Helpful / Accept on answers in their question's
// thread; helpful marks and the accepted answer show to everyone, live and after a reload
// (`solved_seq` in history); changing the accepted answer moves it; the new advocate is told.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, joinAsGuest, send, waitFor, sleep } = require('./helpers');

const CONFIG = `
[advocacy]
threshold = 10
min_people_helped = 2
min_active_days = 1

[limits]
guest_tokens_per_ip_per_min = 100
`;

let server, browser, priya, ann, bob, cleo, wa, wb, wc;
const q1 = 'How do I pair two Halo lamps so they fade together?';
const q2 = 'Can the Arc run its sunrise without Wi-Fi?';
const c1 = 'Hold both buttons until they pulse, then touch the lamps together for two seconds.';
const c2 = 'Yes: set the sunrise once in the app, it is stored on the lamp itself.';
const p2 = 'I think it needs Wi-Fi to know the time.';

before(async () => {
  server = await new Server('advocate', { config: CONFIG }).start();
  browser = await launch();
});

after(async () => {
  if (priya) priya.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

/** Replies to `parentText` through the widget's Reply action. */
async function reply(v, w, parentText, text) {
  const m = w.message(parentText);
  await m.hover();
  await m.getByRole('button', { name: /^Reply to / }).click();
  await v.page.locator('.replying').waitFor();
  await send(w, text);
  await w.message(text).and(v.page.locator(':not(.pending)')).waitFor();
}

const seqOf = async (w, text) => Number(await w.message(text).getAttribute('data-seq'));

test('two askers and two answerers', async () => {
  ann = await visitor(browser, 'advocate-ann');
  bob = await visitor(browser, 'advocate-bob');
  cleo = await visitor(browser, 'advocate-cleo');
  wa = await joinAsGuest(ann, server, 'Ann');
  wb = await joinAsGuest(bob, server, 'Bob');
  wc = await joinAsGuest(cleo, server, 'Cleo');
  await send(wa, q1);
  await send(wb, q2);
  await wc.message(q1).waitFor();
  await wc.message(q2).waitFor();
  await reply(cleo, wc, q1, c1);
  await reply(cleo, wc, q2, c2);
  // Priya answers Bob too, from a protocol client
  priya = nodeClient(server, server.token('priya', { name: 'Priya' }));
  await priya.ready;
  await priya.join('help');
  const acked = new Promise((r) => priya.on('ack', r));
  priya.send('help', p2, { reply_to: await seqOf(wc, q2) });
  await acked;
  await wa.message(p2).waitFor();
  await wb.message(p2).waitFor();
});

test('only the asker sees Helpful and Accept, on answers in their own question\'s thread', async () => {
  const marks = (w, text) => w.message(text).locator('.answer button');
  await marks(wa, c1).first().waitFor();
  assert.deepEqual(await marks(wa, c1).allTextContents(), ['Helpful', 'Accept answer']);
  assert.equal(await marks(wa, c2).count(), 0, 'Ann did not ask question 2');
  assert.equal(await marks(wa, p2).count(), 0);
  await marks(wb, c2).first().waitFor();
  assert.deepEqual(await marks(wb, c2).allTextContents(), ['Helpful', 'Accept answer']);
  assert.deepEqual(await marks(wb, p2).allTextContents(), ['Helpful', 'Accept answer']);
  assert.equal(await marks(wb, c1).count(), 0, 'Bob did not ask question 1');
  for (const t of [c1, c2, p2, q1, q2]) assert.equal(await marks(wc, t).count(), 0, `Cleo marks nothing (${t})`);
  assert.equal(await marks(wa, q1).count(), 0, 'a question is not an answer');
  await ann.shot('asker-actions');
  ann.check();
  bob.check();
  cleo.check();
});

test('Ann marks Cleo\'s answer helpful: everyone sees it', async () => {
  await wa.message(c1).getByRole('button', { name: 'Mark Cleo’s answer as helpful' }).click();
  await wa.message(c1).locator('.pill.helpful', { hasText: 'Marked helpful' }).waitFor();
  assert.equal(await wa.message(c1).getByRole('button', { name: /helpful/ }).count(), 0, 'marked: no button any more');
  await wc.message(c1).locator('.pill.helpful', { hasText: 'Marked helpful' }).waitFor();
  await wb.message(c1).locator('.pill.helpful').waitFor();
  await cleo.shot('marked-helpful');
  ann.check();
  cleo.check();
});

test('Bob accepts Priya\'s answer: shown on the answer and under the question', async () => {
  await wb.message(p2).getByRole('button', { name: 'Accept Priya’s answer' }).click();
  await wa.message(p2).locator('.tag-accepted', { hasText: 'Accepted answer' }).waitFor();
  const solution = (w) => w.message(q2).locator('.solution');
  await solution(wa).filter({ hasText: 'Solved · answer by Priya' }).waitFor();
  await wb.message(c2).getByRole('button', { name: 'Accept Cleo’s answer instead' }).waitFor();
  assert.equal(await wb.message(p2).getByRole('button', { name: /Accept/ }).count(), 0);
  await bob.shot('accepted-priya');
  bob.check();
});

test('Cleo is no advocate yet: no badge on her message before the deciding mark', async () => {
  await send(wc, 'Happy to help, both of you!');
  const before = wa.message('Happy to help, both of you!');
  await before.waitFor();
  await sleep(300);
  assert.equal(await before.locator('.badge.advocate').count(), 0);
  cleo.check();
});

test('Bob accepts Cleo\'s answer instead: she crosses the threshold and is told', async () => {
  await wb.message(c2).getByRole('button', { name: 'Accept Cleo’s answer instead' }).click();
  // the accepted answer moves, for everyone
  await wa.message(c2).locator('.tag-accepted').waitFor();
  await waitFor(async () => (await wa.message(p2).locator('.tag-accepted').count()) === 0, { what: 'Priya\'s answer no longer accepted' });
  await wa.message(q2).locator('.solution', { hasText: 'Solved · answer by Cleo' }).waitFor();
  await wb.message(p2).getByRole('button', { name: 'Accept Priya’s answer instead' }).waitFor();
  // Cleo hears about both
  await cleo.page.locator('.toast.celebrate', { hasText: 'You’re a community advocate!' }).waitFor();
  await cleo.shot('advocate-toast');
  await ann.shot('accepted-cleo');
  ann.check();
  bob.check();
  cleo.check();
});

test('Cleo\'s next message carries the Advocate badge in other widgets, the earlier one does not', async () => {
  const tip = 'Tip: the Drift pairs with a Halo the same way.';
  await send(wc, tip);
  const m = wa.message(tip);
  await m.waitFor();
  await m.locator('.badge.advocate', { hasText: 'Advocate' }).waitFor();
  assert.equal(await wa.message('Happy to help, both of you!').locator('.badge.advocate').count(), 0, 'sent before the deciding mark');
  await wb.message(tip).locator('.badge.advocate').waitFor();
  // and on her own view of it
  await wc.message(tip).locator('.badge.advocate').waitFor();
  await ann.shot('advocate-badge');
  await cleo.shot('own-badge');
  ann.check();
  cleo.check();
});

test('after a reload the accepted answer comes from history', async () => {
  await ann.page.reload();
  await ann.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  if (!(await wa.panel.isVisible())) await wa.launcher.click();
  await wa.message(q2).locator('.solution', { hasText: 'Solved · answer by Cleo' }).waitFor();
  await wa.message(c2).locator('.tag-accepted').waitFor();
  assert.equal(await wa.message(p2).locator('.tag-accepted').count(), 0);
  // the solution box jumps to the answer
  await wa.message(q2).locator('.solution').click();
  await waitFor(() => ann.page.evaluate(() => {
    const el = document.querySelector('[data-parley]').shadowRoot.activeElement;
    return el && el.classList.contains('accepted');
  }), { what: 'focus on the accepted answer' });
  await ann.shot('after-reload');
  ann.check();
});
