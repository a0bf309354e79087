// The board's instruments across two browsers: closed-loop actions, concerns and the
// STOP THE LINE in the alarm bar, checklists, and the annunciator showing and clearing each condition.
// Time-boxes and cadences are tested with Playwright's clock: the browser's time jumps ahead,
// the server's does not.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, postNote, shot, timeline, withScreenshots, suite,
} from './harness.mjs';

/** Alice declares and commands; Bob joins. Both browsers run on a controllable clock. */
async function crew(browser, server, title) {
  const alice = await person(browser, server, 'Alice');
  const bob = await person(browser, server, 'Bob');
  for (const p of [alice, bob]) await p.context.clock.install();
  const url = await declare(alice, title);
  await bob.page.goto(url);
  await live(bob.page);
  await bob.page.getByRole('listitem').filter({ hasText: /Alice\s*\(connected\)/ }).waitFor();
  await alice.page.getByRole('listitem').filter({ hasText: /Bob\s*\(connected\)/ }).waitFor();
  // The alarm bar is one line; these tests read its whole list.
  for (const p of [alice, bob]) await showAlerts(p.page);
  return { alice, bob, url };
}

/** Opens the alarm bar's list of alerts (the annunciator). */
async function showAlerts(page) {
  await page.getByRole('region', { name: 'Alarm bar' }).getByRole('button', { name: /^Alerts \(\d+\)$/ }).click();
  await annunciator(page).waitFor();
}

/**
 * Moves a browser's clock `seconds` ahead in steps short enough for the heartbeat to keep the
 * link (a silent link longer than that is treated as dead and reconnected).
 */
async function advance(page, seconds) {
  for (let left = seconds; left > 0; left -= 20) {
    await page.clock.fastForward(Math.min(left, 20) * 1000);
    await page.waitForTimeout(150);
  }
}

function annunciator(page) {
  return page.getByRole('region', { name: 'Annunciator' });
}

function alertLine(page, title) {
  return annunciator(page).getByRole('listitem').filter({ hasText: title });
}

function action(page, text) {
  return page.getByRole('listitem', { name: new RegExp(`^Action \\d+: ${text}$`) });
}

async function assign(page, to, text, { lane = 'Mitigate', minutes = '15' } = {}) {
  const form = page.getByRole('form', { name: 'Assign an action' });
  await form.getByLabel('Assign to').selectOption({ label: to });
  await form.getByLabel('Action', { exact: true }).fill(text);
  await form.getByLabel('Lane').selectOption(lane);
  await form.getByLabel('Time box (min)').fill(minutes);
  await form.getByRole('button', { name: 'Assign' }).click();
}

describe('board instruments', () => {
  const ctx = suite();

  it('closes the loop on an action: assigned, read back, confirmed, overdue, done', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Payments failing');
    await withScreenshots('action-loop', [alice, bob], async () => {
      await assign(alice.page, 'Bob', 'Roll back deploy 4711', { minutes: '2' });
      const bobsAction = action(bob.page, 'Roll back deploy 4711');
      await bobsAction.getByText('awaiting readback').waitFor();
      await alertLine(bob.page, 'READ BACK YOUR ACTION').waitFor();

      await bobsAction.getByLabel('Read it back in your own words').fill('Rolling payments back to 4710 now');
      await bobsAction.getByRole('button', { name: 'Read back' }).click();
      const alicesAction = action(alice.page, 'Roll back deploy 4711');
      await alicesAction.getByText('Read back: “Rolling payments back to 4710 now”').waitFor();
      await alertLine(alice.page, 'READBACK TO CONFIRM').waitFor();
      await alicesAction.getByRole('button', { name: 'Confirm readback' }).click();
      for (const p of [alice, bob]) {
        await action(p.page, 'Roll back deploy 4711').getByText('in progress').waitFor();
      }
      await alertLine(bob.page, 'READ BACK YOUR ACTION').waitFor({ state: 'detached' });
      await alertLine(alice.page, 'READBACK TO CONFIRM').waitFor({ state: 'detached' });

      // The two-minute time box runs out on both screens.
      await Promise.all([advance(alice.page, 150), advance(bob.page, 150)]);
      for (const p of [alice, bob]) {
        await alertLine(p.page, 'ACTION OVERDUE').waitFor();
        await action(p.page, 'Roll back deploy 4711').getByText(/^OVERDUE/).waitFor();
      }
      await shot(alice.page, 'instrument-action-overdue');

      await action(bob.page, 'Roll back deploy 4711').getByRole('button', { name: 'Done' }).click();
      await action(bob.page, 'Roll back deploy 4711').getByLabel('Outcome').fill('Rolled back; errors at 0.1%');
      await action(bob.page, 'Roll back deploy 4711').getByRole('button', { name: 'Mark done' }).click();
      for (const p of [alice, bob]) {
        await action(p.page, 'Roll back deploy 4711').getByText('Outcome: Rolled back; errors at 0.1%').waitFor();
        await alertLine(p.page, 'ACTION OVERDUE').waitFor({ state: 'detached' });
      }
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('a concern raised, raised again to a safety issue, stops the line until acknowledged', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Disk filling on db-3');
    await withScreenshots('concerns', [alice, bob], async () => {
      await bob.page.getByText('I am uncomfortable', { exact: true }).click();
      await bob.page.getByLabel('What worries you').fill('Failover will drop in-flight payments');
      await bob.page.getByRole('button', { name: 'Raise concern' }).click();
      const concern = (p) => p.page.getByRole('listitem', { name: /^Concern \d+: Failover will drop in-flight payments$/ });
      await concern(alice).getByText('I am uncomfortable', { exact: true }).waitFor();
      await alertLine(alice.page, 'CONCERN NOT ACKNOWLEDGED').waitFor();

      // Two-challenge rule: raised again, it escalates to a safety issue and stops the line.
      await concern(bob).getByRole('button', { name: 'Raise again' }).click();
      for (const p of [alice, bob]) {
        await concern(p).getByText('This is a safety issue', { exact: true }).waitFor();
        await p.page.getByRole('alert').filter({ hasText: 'STOP THE LINE' }).waitFor();
        await alertLine(p.page, 'SAFETY ISSUE OPEN').waitFor();
      }
      await shot(bob.page, 'instrument-stop-the-line');
      // Only the commander acknowledges.
      assert.equal(await concern(bob).getByRole('button', { name: 'Acknowledge' }).count(), 0);
      await concern(alice).getByRole('button', { name: 'Acknowledge' }).click();
      await concern(alice).getByLabel('Your response').fill('Holding the failover; draining payments first');
      await concern(alice).getByRole('button', { name: 'Send acknowledgement' }).click();
      for (const p of [alice, bob]) {
        await concern(p).getByText('Acknowledged by Alice: Holding the failover; draining payments first').waitFor();
        await p.page.getByRole('alert').filter({ hasText: 'STOP THE LINE' }).waitFor({ state: 'detached' });
        await alertLine(p.page, 'SAFETY ISSUE OPEN').waitFor({ state: 'detached' });
      }
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('checklist items checked, valued and marked not applicable show in the other browser', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Latency in us-east');
    await withScreenshots('checklists', [alice, bob], async () => {
      await alice.page.getByLabel('Template').selectOption('declare');
      await alice.page.getByRole('button', { name: 'Start checklist' }).click();
      const card = (p) => p.page.getByRole('article', { name: 'Declare and mobilise' });
      await card(bob).getByText('0/7 done').waitFor();
      await card(bob).getByText('Read-do').waitFor();
      await card(bob).getByText('On declaring').waitFor();

      const killer = 'Commander named and announced in the incident channel';
      assert.match(await card(bob).getByRole('listitem', { name: killer }).textContent(), /KILLER/);
      await card(bob).getByRole('button', { name: `Check: ${killer}` }).click();
      await card(alice).getByRole('listitem', { name: killer }).getByText(/^✓ Bob at \d\d:\d\d:\d\dZ$/).waitFor();

      const valued = 'Customer impact stated';
      await card(alice).getByPlaceholder('Who is affected and how').fill('EU checkout, about 12% of orders');
      await card(alice).getByRole('button', { name: `Check: ${valued}` }).click();
      await card(bob).getByRole('listitem', { name: valued })
        .getByText(/^✓ Alice at \d\d:\d\d:\d\dZ — EU checkout, about 12% of orders$/).waitFor();

      const skipped = 'Bridge or channel opened and linked on the board';
      await card(bob).getByRole('button', { name: `Not applicable: ${skipped}` }).click();
      await card(bob).getByLabel('Why not applicable?').fill('Everyone is on this board already');
      await card(bob).getByRole('button', { name: 'Mark not applicable' }).click();
      await card(alice).getByRole('listitem', { name: skipped })
        .getByText(/^N\/A — Bob at \d\d:\d\d:\d\dZ: Everyone is on this board already$/).waitFor();
      await card(alice).getByText('3/7 done').waitFor();
      await timeline(alice.page).getByText(`Bob checked "${killer}"`).waitFor();
      await shot(alice.page, 'instrument-checklist');
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('the annunciator shows and clears each condition, and is dark when nothing is wrong', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Annunciator drill');
    await withScreenshots('annunciator', [alice, bob], async () => {
      // Fresh incident: nobody mitigating (caution), no cadence (advisory).
      await alertLine(alice.page, 'NOBODY MITIGATING').waitFor();
      await alertLine(alice.page, 'NO UPDATE CADENCE').waitFor();
      await alice.page.getByLabel('Status updates').selectOption({ label: 'every 5 min' });
      await alertLine(alice.page, 'NO UPDATE CADENCE').waitFor({ state: 'detached' });
      await assign(alice.page, 'Alice', 'Shift traffic to eu-west', { minutes: '' });
      await alertLine(alice.page, 'NOBODY MITIGATING').waitFor({ state: 'detached' });
      await alertLine(alice.page, 'READ BACK YOUR ACTION').waitFor();
      const mine = action(alice.page, 'Shift traffic to eu-west');
      await mine.getByLabel('Read it back in your own words').fill('Moving traffic to eu-west');
      await mine.getByRole('button', { name: 'Read back' }).click();
      await mine.getByRole('button', { name: 'Confirm readback' }).click();
      // Nothing is wrong: dark on both screens.
      for (const p of [alice, bob]) {
        await annunciator(p.page).getByText('Annunciator dark: no alerts.').waitFor();
        assert.equal(await annunciator(p.page).getByRole('listitem').count(), 0);
      }
      await shot(alice.page, 'instrument-annunciator-dark');

      // Status update overdue (caution), cleared by posting a status update. The browser's
      // clock runs 285 s ahead, so the 5-minute cadence lapses 15 s from now; a status update
      // then resets it to 5 minutes from the server's now, which is ahead of the browser again.
      await advance(alice.page, 285);
      await alertLine(alice.page, 'STATUS UPDATE OVERDUE').waitFor({ timeout: 40000 });
      await postNote(alice.page, 'Traffic shifting to eu-west; next update in 5 minutes', 'Status update');
      await alertLine(alice.page, 'STATUS UPDATE OVERDUE').waitFor({ state: 'detached' });

      // A handoff waits on the recipient, then on the offerer.
      await alice.page.getByRole('button', { name: 'Hand over Commander' }).click();
      await alice.page.getByLabel('To (connected people only)').selectOption({ label: 'Bob' });
      await alice.page.getByRole('button', { name: 'Offer COMMAND' }).click();
      await alertLine(bob.page, 'HANDOFF WAITS ON YOU').waitFor();
      await bob.page.getByRole('button', { name: 'I have control' }).click();
      await alertLine(bob.page, 'HANDOFF WAITS ON YOU').waitFor({ state: 'detached' });
      await alertLine(alice.page, 'HANDOFF WAITS ON YOU').waitFor();
      await alice.page.getByRole('button', { name: 'You have control' }).click();
      await alertLine(alice.page, 'HANDOFF WAITS ON YOU').waitFor({ state: 'detached' });

      // The link lost (warning): acknowledged, it stays listed until the link is back.
      await server.kill();
      await alertLine(alice.page, 'CONNECTION LOST').waitFor({ timeout: 15000 });
      await alice.page.getByRole('button', { name: 'MASTER WARNING' }).click();
      await alertLine(alice.page, 'CONNECTION LOST').getByText('acknowledged').waitFor();
      assert.equal(await alertLine(alice.page, 'CONNECTION LOST').count(), 1);
      await server.restart();
      for (const p of [alice, bob]) {
        await live(p.page);
        await alertLine(p.page, 'CONNECTION LOST').waitFor({ state: 'detached' });
      }

      // No commander present (warning), cleared when someone assumes command.
      await bob.context.close();
      await alertLine(alice.page, 'NO COMMANDER PRESENT').waitFor();
      await alice.page.getByRole('button', { name: 'Assume Commander' }).click();
      await alice.page.getByLabel('Why are you assuming Commander?').fill('Bob dropped off');
      await alice.page.getByRole('button', { name: 'Assume Commander now' }).click();
      await alertLine(alice.page, 'NO COMMANDER PRESENT').waitFor({ state: 'detached' });
      await annunciator(alice.page).getByText('Annunciator dark: no alerts.').waitFor();
    });
    await alice.context.close();
  });
});
