// Recording after the fact and reviewing it: an incident declared retrospectively (over the
// API here; the lobby's control is after-the-fact.test.mjs's) says so on its board; a note backdated through
// the composer's "When did it happen?" shows when it happened, "≈" and "entered later"; the
// Postmortem panel sets the impact window and adds a follow-up with a due date; the
// review scrubbed to before a handoff shows the metrics of that moment without it, the
// whole incident's apart; the downloaded Markdown has the postmortem's sections.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commanderName, live, person, timeline, withScreenshots, suite } from './harness.mjs';

/** The value cell of `metric` in the metrics table of the region named `region`. */
function metric(page, region, name) {
  return page.getByRole('region', { name: region })
    .getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) })
    .getByRole('cell').first();
}

describe('postmortem', () => {
  const ctx = suite();

  it('records an incident after the fact, scrubs its review to before a handoff and downloads the draft', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const bob = await person(browser, server, 'Bob');
    await withScreenshots('postmortem', [alice, bob], async () => {
      const start = new Date(Date.now() - 3 * 3600 * 1000);
      const r = await alice.context.request.post(server.url + '/api/incidents', {
        data: { title: 'Replica lag', severity: 'SEV2', retrospective: true, occurred_at: start.toISOString(), precision: 'about' },
      });
      assert.equal(r.status(), 201, await r.text());
      const { url } = await r.json();
      await alice.page.goto(server.url + url);
      await live(alice.page);
      await alice.page.getByRole('note').filter({ hasText: 'Recorded after the fact' }).waitFor();

      // A note that happened two hours ago, about then.
      await alice.page.getByText('When did it happen?').click();
      const twoHoursAgo = await alice.page.evaluate(() => {
        const d = new Date(Date.now() - 2 * 3600 * 1000);
        const p = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
      });
      await alice.page.getByLabel('Happened at (your time)').fill(twoHoursAgo);
      await alice.page.getByLabel('How exact').selectOption('about');
      const box = alice.page.getByLabel('Note', { exact: true });
      await box.fill('Replica 40 s behind');
      await box.press('Enter');
      const entry = timeline(alice.page).getByRole('listitem').filter({ hasText: 'Replica 40 s behind' });
      await entry.getByText('entered later').waitFor();
      const time = entry.locator('time');
      assert.match(await time.textContent(), /^≈T\+0[01]:\d\d:\d\d · ≈\d\d:\d\d:00Z$/);
      assert.match(await time.getAttribute('title'), /^Happened about .*; recorded \d{4}-\d\d-\d\d /);

      // The impact window and a follow-up with a due date, in the Postmortem panel.
      const panel = alice.page.getByRole('region', { name: 'Postmortem' });
      const local = (ms) => alice.page.evaluate((ms) => {
        const d = new Date(Date.now() - ms);
        const p = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
      }, ms);
      await panel.getByLabel('Impact began (your time)').fill(await local(4 * 3600 * 1000));
      await panel.getByLabel('Impact ended (your time)').fill(await local(3600 * 1000));
      await panel.getByLabel('Who and what was affected').fill('Stale reads for EU customers');
      await panel.getByRole('button', { name: 'Set impact' }).click();
      await panel.getByText(/^Impact: .* — Stale reads for EU customers$/).waitFor();
      await panel.getByLabel('Follow-up', { exact: true }).fill('Alert on replica lag');
      await panel.getByLabel('Owner').fill('Storage team');
      await panel.getByLabel('Due').fill('2031-01-15');
      await panel.getByRole('button', { name: 'Add follow-up' }).click();
      await panel.getByRole('listitem').filter({ hasText: 'Alert on replica lag — Storage team, due 2031-01-15' }).waitFor();

      // A handoff, after which Bob decides.
      await bob.page.goto(server.url + url);
      await live(bob.page);
      await bob.page.getByRole('listitem').filter({ hasText: /Alice\s*\(connected\)/ }).waitFor();
      await alice.page.getByRole('button', { name: 'Hand over Commander' }).click();
      await alice.page.getByLabel('To (connected people only)').selectOption({ label: 'Bob' });
      await alice.page.getByRole('button', { name: 'Offer COMMAND' }).click();
      await bob.page.getByRole('button', { name: 'I have control' }).click();
      await alice.page.getByRole('button', { name: 'You have control' }).click();
      await commanderName(bob.page).filter({ hasText: 'Bob' }).waitFor();

      // The review, scrubbed to before the handoff: that moment's metrics do not count it.
      await alice.page.getByRole('link', { name: 'Review' }).click();
      await alice.page.getByRole('region', { name: 'Board at this moment' }).waitFor();
      await alice.page.getByText('Recorded after the fact', { exact: true }).waitFor();
      await alice.page.getByText(/^Key moments \(\d+\)$/).click();
      const handoff = alice.page.getByRole('listitem').filter({ hasText: '"You have control" — Bob is now Commander' });
      const seq = Number((await handoff.getByRole('button').textContent()).replace('#', ''));
      const moment = alice.page.getByRole('slider', { name: 'Moment' });
      await moment.fill(String(seq));
      await alice.page.getByText(`Event ${seq} of`).waitFor();
      await metric(alice.page, 'Metrics at this moment', 'Command handoffs').filter({ hasText: /^1 \(1 by positive exchange/ }).waitFor();
      await moment.fill(String(seq - 1));
      await alice.page.getByText(`Event ${seq - 1} of`).waitFor();
      await metric(alice.page, 'Metrics at this moment', 'Command handoffs').filter({ hasText: /^0 \(/ }).waitFor();
      assert.match(await metric(alice.page, 'Whole-incident metrics', 'Command handoffs').textContent(), /^1 \(1 by positive exchange/);
      // Each figure's definition beside it.
      await alice.page.getByRole('region', { name: 'Metrics at this moment' })
        .getByText('From the impact start to the declaration', { exact: false }).waitFor();

      // The draft.
      const [md] = await Promise.all([
        alice.page.waitForEvent('download'),
        alice.page.getByRole('link', { name: 'Download the postmortem draft (Markdown)' }).click(),
      ]);
      const text = readFileSync(await md.path(), 'utf8');
      const sections = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
      assert.deepEqual(sections, [
        'Summary', 'Impact', 'Detection', 'Response', 'Recovery', 'Metrics', 'Timeline',
        'Root cause and contributing factors', 'What went well', 'What went wrong',
        'Where we got lucky', 'Follow-ups', 'Checklists', 'Concerns', 'Appendix: complete log',
      ]);
      assert.match(text, /^> \*\*Recorded after the fact\*\*/m);
      assert.match(text, /Replica 40 s behind \(entered later\)/);
      assert.match(text, /^- Duration: 03:0[01]:00$/m);
      assert.match(text, /^- Who and what was affected: Stale reads for EU customers$/m);
      assert.match(text, /^- Time to detect: (00:59|01:00):\d\d$/m);
      assert.match(text, /^\| 1 \| Alert on replica lag \| Storage team \| 2031-01-15 \| Open \| — \|$/m);
      assert.match(text, /^#### T\+\d\d:\d\d:\d\d \(.+ UTC\): Alice to Bob, by positive exchange$/m);
    });
    await alice.context.close();
    await bob.context.close();
  });
});
