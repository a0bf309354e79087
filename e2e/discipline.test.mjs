// Crew discipline through three browsers, by roles and visible text: the sterile phase (the
// strip says STERILE for everyone; a note not marked essential is queued for its author and
// kept off the others' timeline until the commander ends the phase, then it is released) and
// the span-of-control advisory (standing past the commander's limit, gone below it).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { declare, live, person, postNote, shot, timeline, withScreenshots, suite } from './harness.mjs';

/** Alice declares and commands; Bob and Carol join and are seen connected. */
async function crew(browser, server, title) {
  const alice = await person(browser, server, 'Alice');
  const bob = await person(browser, server, 'Bob');
  const carol = await person(browser, server, 'Carol');
  const url = await declare(alice, title);
  for (const p of [bob, carol]) {
    await p.page.goto(url);
    await live(p.page);
  }
  for (const who of ['Bob', 'Carol']) {
    await alice.page.getByRole('listitem').filter({ hasText: new RegExp(`${who}\\s*\\(connected\\)`) }).waitFor();
  }
  return { alice, bob, carol, people: [alice, bob, carol] };
}

function strip(page) {
  return page.getByRole('banner', { name: 'Command strip' });
}

function entry(page, text) {
  return timeline(page).getByRole('listitem').filter({ hasText: text });
}

async function showAlerts(page) {
  await page.getByRole('region', { name: 'Alarm bar' }).getByRole('button', { name: /^Alerts \(\d+\)$/ }).click();
  await page.getByRole('region', { name: 'Annunciator' }).waitFor();
}

function alertLine(page, title) {
  return page.getByRole('region', { name: 'Annunciator' }).getByRole('listitem').filter({ hasText: title });
}

async function assign(page, to, text) {
  const form = page.getByRole('form', { name: 'Assign an action' });
  await form.getByLabel('Assign to').selectOption({ label: to });
  await form.getByLabel('Action', { exact: true }).fill(text);
  await form.getByLabel('Lane').selectOption('Diagnose');
  await form.getByRole('button', { name: 'Assign' }).click();
  await page.getByRole('listitem', { name: new RegExp(`^Action \\d+: ${text}$`) }).waitFor();
}

describe('crew discipline', () => {
  const ctx = suite();

  it('a sterile phase queues a note that is not essential and releases it at the end', async () => {
    const { server, browser } = ctx;
    const { alice, bob, carol, people } = await crew(browser, server, 'Database failover');
    await withScreenshots('sterile', people, async () => {
      // Only the commander has the controls; the others have none.
      await bob.page.getByRole('heading', { name: 'Crew' }).waitFor();
      assert.equal(await bob.page.getByRole('button', { name: /Start sterile phase/ }).count(), 0);
      assert.equal(await bob.page.getByLabel('Essential').count(), 0, 'no Essential box outside a phase');

      await alice.page.getByRole('button', { name: 'Start sterile phase…' }).click();
      await alice.page.getByLabel('Why a sterile phase?').fill('Failover in progress');
      await alice.page.getByRole('button', { name: 'Start sterile phase', exact: true }).click();
      for (const p of people) {
        await strip(p.page).getByText('STERILE', { exact: true }).waitFor();
        await strip(p.page).getByText('Failover in progress').waitFor();
      }
      await entry(alice.page, 'You declared a sterile phase: Failover in progress').waitFor();
      await entry(carol.page, 'Alice declared a sterile phase: Failover in progress').waitFor();
      await bob.page.getByText(/notes not marked essential wait until it ends/).waitFor();

      // Bob's note is not marked essential: queued for him (and the commander), not on Carol's
      // timeline.
      await postNote(bob.page, 'Replica lag is 40 seconds');
      await entry(bob.page, 'Replica lag is 40 seconds').getByText('queued until the phase ends').waitFor();
      await entry(alice.page, 'Replica lag is 40 seconds').getByText('queued until the phase ends').waitFor();
      assert.equal(await entry(bob.page, 'Replica lag is 40 seconds').getByRole('button', { name: 'Pin' }).count(), 0,
        'a queued note cannot be pinned');
      // His essential one goes straight through; once Carol has it, she has everything sent
      // before it, and the queued note is not on her timeline.
      await bob.page.getByLabel('Essential').check();
      await postNote(bob.page, 'Primary is down');
      await entry(carol.page, 'Primary is down').waitFor();
      assert.equal(await entry(carol.page, 'Replica lag is 40 seconds').count(), 0, 'Carol does not see the queued note');
      assert.equal(await entry(bob.page, 'Primary is down').getByText('queued until the phase ends').count(), 0);
      await shot(bob.page, 'discipline-sterile-queued');

      await alice.page.getByRole('button', { name: 'End sterile phase' }).click();
      for (const p of people) {
        await strip(p.page).getByText('STERILE', { exact: true }).waitFor({ state: 'detached' });
        await entry(p.page, 'Replica lag is 40 seconds').getByText(/^held in the sterile phase, released T\+/).waitFor();
      }
      await entry(carol.page, 'Alice ended the sterile phase; 1 held note enters the timeline').waitFor();
      await entry(carol.page, 'Replica lag is 40 seconds').getByRole('button', { name: 'Pin' }).waitFor();
      assert.equal(await bob.page.getByText('queued until the phase ends').count(), 0);
      assert.equal(await bob.page.getByLabel('Essential').count(), 0, 'the Essential box goes with the phase');
      // Released where the phase ended: just above its end, newest first.
      const texts = await timeline(carol.page).getByRole('listitem').allInnerTexts();
      const released = texts.findIndex((t) => t.includes('Replica lag is 40 seconds'));
      const ended = texts.findIndex((t) => t.includes('ended the sterile phase'));
      const essential = texts.findIndex((t) => t.includes('Primary is down'));
      assert.ok(released >= 0 && released < ended && ended < essential, texts.join('\n---\n'));

      // The review shows the phase at the moments it was on, and both ends as key moments.
      await alice.page.getByRole('link', { name: 'Review' }).click();
      const boardAt = alice.page.getByRole('region', { name: 'Board at this moment' });
      await boardAt.waitFor();
      await alice.page.getByText(/^Key moments \(\d+\)$/).click();
      const moment = (text) => alice.page.getByRole('listitem').filter({ hasText: text }).getByRole('button');
      await moment('You declared a sterile phase: Failover in progress').click();
      await boardAt.getByText('STERILE', { exact: true }).waitFor();
      await boardAt.getByText('Failover in progress').first().waitFor();
      await moment('You ended the sterile phase; 1 held note enters the timeline').click();
      await boardAt.getByText('STERILE', { exact: true }).waitFor({ state: 'detached' });
      for (const p of people) assert.deepEqual(p.errors, []);
    });
    for (const p of people) await p.context.close();
  });

  it('the span-of-control advisory stands past the limit and goes below it', async () => {
    const { server, browser } = ctx;
    const { alice, carol, people } = await crew(browser, server, 'Cache stampede');
    await withScreenshots('span', people, async () => {
      // The annunciator's list opens from the alarm bar; closed, its lines would count as none.
      for (const p of [alice, carol]) await showAlerts(p.page);
      await alice.page.getByLabel('Span of control').fill('2');
      await alice.page.getByRole('button', { name: 'Set span' }).click();
      await entry(carol.page, 'Alice set the span of control to 2').waitFor();

      await assign(alice.page, 'Alice', 'Watch the hit rate');
      await assign(alice.page, 'Alice', 'Read the cache logs');
      // At the limit: no advisory (the board that shows both actions has evaluated its alerts).
      assert.equal(await alertLine(alice.page, 'SPAN OF CONTROL').count(), 0);
      await assign(alice.page, 'Alice', 'Call the CDN');
      await alertLine(alice.page, 'SPAN OF CONTROL').getByText(/You hold 3 open actions/).waitFor();
      await alertLine(carol.page, 'SPAN OF CONTROL').getByText(/Alice holds 3 open actions/).waitFor();
      await shot(alice.page, 'discipline-span-of-control');

      // One cancelled: back within the span, and the advisory goes.
      const action = alice.page.getByRole('listitem', { name: /^Action \d+: Call the CDN$/ });
      await action.getByRole('button', { name: 'Cancel action' }).click();
      await action.getByLabel('Why cancel it?').fill('The CDN called us');
      await action.getByRole('button', { name: 'Cancel it' }).click();
      for (const p of [alice, carol]) {
        await alertLine(p.page, 'SPAN OF CONTROL').waitFor({ state: 'detached' });
      }
      for (const p of people) assert.deepEqual(p.errors, []);
    });
    for (const p of people) await p.context.close();
  });
});
