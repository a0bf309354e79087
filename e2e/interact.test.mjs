// Nothing steals input, dialogs keep and give back focus, closing is deliberate, a missing
// answer says so at its field, drafts survive remote changes with focus kept, and the small
// things: the master warning's state, "you" markers, the delete control only for who may
// delete, the name page of a shared link, the system's colour scheme, a blocked tone.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  commanderName, declare, live, person, postNote, shot, timeline,
  withScreenshots, suite,
} from './harness.mjs';

/** Alice declares; Bob joins by the link. */
async function crew(browser, server, title, options = {}) {
  const alice = await person(browser, server, 'Alice');
  const bob = await person(browser, server, 'Bob');
  const url = await declare(alice, title, options);
  await bob.page.goto(url);
  await live(bob.page);
  await alice.page.getByRole('listitem').filter({ hasText: /Bob\s*\(connected\)/ }).waitFor();
  await bob.page.getByRole('listitem').filter({ hasText: /Alice\s*\(connected\)/ }).waitFor();
  return { alice, bob, url };
}

/** Whether `locator`'s element has the keyboard focus. */
async function focused(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

/** Whether the keyboard focus is somewhere inside `locator`'s element. */
async function focusWithin(locator) {
  return locator.evaluate((el) => el.contains(document.activeElement) && document.activeElement !== document.body);
}

async function offerCommand(from, toName) {
  await from.page.getByRole('button', { name: 'Hand over Commander' }).click();
  const dialog = from.page.getByRole('dialog', { name: 'Hand over COMMAND' });
  await dialog.getByLabel('To (connected people only)').selectOption({ label: toName });
  await dialog.getByRole('button', { name: 'Offer COMMAND' }).click();
  await dialog.waitFor({ state: 'detached' });
}

function stripStatus(page) {
  return page.getByLabel('Status', { exact: true });
}

/** Picks `status` in the strip as a person does: the select has focus as they choose. */
async function pickStatus(page, status) {
  await stripStatus(page).focus();
  await stripStatus(page).selectOption(status);
}

describe('interaction', () => {
  const ctx = suite();

  it('an offer of command arriving mid-note takes no keystroke: Enter posts the note, the offer waits', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Queue backlog');
    await withScreenshots('no-steal', [alice, bob], async () => {
      const bobBox = bob.page.getByLabel('Note', { exact: true });
      await bobBox.click();
      await bob.page.keyboard.type('Queue depth 40k');
      await offerCommand(alice, 'Bob');
      const prompt = bob.page.getByRole('region', { name: 'Alice is handing you COMMAND' });
      await prompt.waitFor();
      assert.equal(await focused(bobBox), true, 'the prompt took no focus');
      await bob.page.keyboard.type(' and rising');
      await bob.page.keyboard.press('Enter');
      for (const p of [alice, bob]) {
        await timeline(p.page).getByText('Queue depth 40k and rising', { exact: true }).waitFor();
      }
      // The note went out; the offer is still waiting for a deliberate answer.
      assert.equal(await focused(bobBox), true);
      assert.equal(await bobBox.inputValue(), '');
      await prompt.getByRole('button', { name: 'I have control' }).waitFor();
      assert.equal(await timeline(bob.page).getByText('"I have control"').count(), 0);
      assert.equal(await commanderName(bob.page).textContent(), 'Alice');
      await shot(bob.page, 'offer-beside-the-composer');

      // The offerer's "You have control" arrives as Alice types: it takes nothing either.
      const aliceBox = alice.page.getByLabel('Note', { exact: true });
      await aliceBox.click();
      await alice.page.keyboard.type('Bridge moved');
      await prompt.getByRole('button', { name: 'I have control' }).click();
      await alice.page.getByText('Bob says: I have control').waitFor();
      assert.equal(await focused(aliceBox), true, '"You have control" took no focus');
      await alice.page.keyboard.type(' to room 2');
      await alice.page.keyboard.press('Enter');
      await timeline(alice.page).getByText('Bridge moved to room 2', { exact: true }).waitFor();
      assert.equal(await commanderName(alice.page).textContent(), 'Alice');
      await alice.page.getByRole('button', { name: 'You have control' }).click();
      for (const p of [alice, bob]) await p.page.locator('.commander-name', { hasText: 'Bob' }).waitFor();
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('Tab stays inside an open dialog; Escape gives focus back to its opener, an offer to the role', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Search index stale');
    await withScreenshots('dialog-focus', [alice, bob], async () => {
      const opener = alice.page.getByRole('button', { name: 'Hand over Commander' });
      await opener.click();
      const dialog = alice.page.getByRole('dialog', { name: 'Hand over COMMAND' });
      await dialog.waitFor();
      await alice.page.waitForFunction(() => document.querySelector('[role=dialog]')?.contains(document.activeElement));
      // More presses than the dialog has controls, both ways round: focus never leaves it.
      for (const key of ['Tab', 'Shift+Tab']) {
        for (let i = 0; i < 12; i++) {
          await alice.page.keyboard.press(key);
          assert.equal(await focusWithin(dialog), true, `${key} #${i + 1} left the dialog`);
        }
      }
      await alice.page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await alice.page.waitForFunction(() => document.activeElement?.textContent === 'Hand over Commander');
      assert.equal(await focused(opener), true);

      // Once offered, the button that opened it is gone: focus goes to the role's row.
      await opener.click();
      await dialog.getByLabel('To (connected people only)').selectOption({ label: 'Bob' });
      await dialog.getByRole('button', { name: 'Offer COMMAND' }).click();
      await dialog.waitFor({ state: 'detached' });
      const row = alice.page.getByRole('listitem', { name: 'Commander' });
      await row.getByText('Offered to Bob — waiting for an answer').waitFor();
      await alice.page.waitForFunction(() => document.activeElement !== document.body);
      assert.equal(await focusWithin(row), true, 'focus is on the Commander row');
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('resolving and closing ask first and list what is open; a closed board says CLOSED and its clocks stop', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Checkout errors');
    await withScreenshots('closing', [alice, bob], async () => {
      // Something of each kind left open.
      const assign = alice.page.getByRole('form', { name: 'Assign an action' });
      await assign.getByLabel('Assign to').selectOption({ label: 'Bob' });
      await assign.getByLabel('Action', { exact: true }).fill('Roll back deploy 4711');
      await assign.getByRole('button', { name: 'Assign' }).click();
      await alice.page.getByLabel('Template').selectOption('declare');
      await alice.page.getByRole('button', { name: 'Start checklist' }).click();
      await alice.page.getByRole('article', { name: 'Declare and mobilise' }).getByText('0/7 done').waitFor();
      await bob.page.getByLabel('What worries you').fill('The replica looks stale');
      await bob.page.getByRole('button', { name: 'Raise concern' }).click();
      await alice.page.getByLabel('Status updates').selectOption({ label: 'every 15 min' });
      await alice.page.getByText(/^next update in /).waitFor();
      await alice.page.getByText('The replica looks stale').first().waitFor();

      // Cancel: the status stays, and the select says so.
      await pickStatus(alice.page, 'Resolved');
      const resolve = alice.page.getByRole('dialog', { name: 'Mark the incident Resolved?' });
      await resolve.waitFor();
      await resolve.getByRole('list', { name: 'Open actions (1)' })
        .getByText('Roll back deploy 4711 — Bob (awaiting readback)').waitFor();
      const items = resolve.getByRole('list', { name: 'Unticked checklist items (7)' });
      await items.getByText('Declare and mobilise: Customer impact stated').waitFor();
      await resolve.getByRole('list', { name: 'Unanswered concerns (1)' })
        .getByText('I am concerned: The replica looks stale (raised by Bob)').waitFor();
      await shot(alice.page, 'confirm-resolve');
      await resolve.getByRole('button', { name: 'Cancel' }).click();
      await resolve.waitFor({ state: 'detached' });
      assert.equal(await stripStatus(alice.page).inputValue(), 'Investigating');
      // Focus is back on the select (restored once the dialog has gone).
      await alice.page.waitForFunction(() => document.activeElement?.id === 'strip-status');
      // Escape cancels too.
      await pickStatus(alice.page, 'Resolved');
      await resolve.waitFor();
      await alice.page.keyboard.press('Escape');
      await resolve.waitFor({ state: 'detached' });
      assert.equal(await stripStatus(alice.page).inputValue(), 'Investigating');
      assert.equal(await timeline(alice.page).getByText(/status/i).filter({ hasText: 'Resolved' }).count(), 0);
      assert.equal(await stripStatus(bob.page).inputValue(), 'Investigating');

      // Confirm: resolved, on every screen.
      await pickStatus(alice.page, 'Resolved');
      await resolve.getByRole('button', { name: 'Confirm' }).click();
      for (const p of [alice, bob]) {
        await p.page.waitForFunction(() => document.getElementById('strip-status')?.value === 'Resolved');
      }
      assert.equal(await alice.page.getByText('CLOSED', { exact: true }).count(), 0);

      // Closing asks too, then the board says CLOSED and its clocks stand still.
      await pickStatus(alice.page, 'Closed');
      const close = alice.page.getByRole('dialog', { name: 'Mark the incident Closed?' });
      await close.getByText('A closed incident is read-only').waitFor();
      await close.getByRole('button', { name: 'Confirm' }).click();
      for (const p of [alice, bob]) {
        await p.page.getByText('CLOSED', { exact: true }).waitFor();
        await p.page.getByText(/^next update in /).waitFor({ state: 'detached' });
        assert.equal(await p.page.getByLabel('Status updates').count(), 0);
      }
      const tPlus = alice.page.getByTitle('Time since the incident was declared');
      const tenure = alice.page.getByTitle('How long they have held command');
      const utc = alice.page.locator('.utc');
      const before = [await tPlus.textContent(), await tenure.textContent(), await utc.textContent()];
      await alice.page.waitForTimeout(2100);
      const after = [await tPlus.textContent(), await tenure.textContent(), await utc.textContent()];
      assert.match(before[0], /^T\+\d\d:\d\d:\d\d$/);
      assert.equal(after[0], before[0], 'T+ stopped at the closing');
      assert.equal(after[1], before[1], 'the tenure stopped at the closing');
      assert.notEqual(after[2], before[2], 'the UTC clock still runs (the page is alive)');
      await shot(alice.page, 'closed-board');
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('a required checklist answer left empty says so at the field, and focus stays there', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    await withScreenshots('missing-answer', [alice], async () => {
      await declare(alice, 'Disk filling');
      await alice.page.getByLabel('Template').selectOption('declare');
      await alice.page.getByRole('button', { name: 'Start checklist' }).click();
      const card = alice.page.getByRole('article', { name: 'Declare and mobilise' });
      await card.getByText('0/7 done').waitFor();
      const answer = card.getByPlaceholder('Who is affected and how');
      await card.getByRole('button', { name: 'Check: Customer impact stated' }).click();
      const message = card.getByText('Enter the answer first: who is affected and how.');
      await message.waitFor();
      assert.equal(await answer.getAttribute('aria-invalid'), 'true');
      assert.equal(await focused(answer), true);
      await card.getByText('0/7 done').waitFor();
      await alice.page.keyboard.type('EU customers cannot pay');
      await message.waitFor({ state: 'hidden' });
      assert.equal(await answer.getAttribute('aria-invalid'), 'false');
      await alice.page.keyboard.press('Enter');
      await card.getByRole('listitem', { name: 'Customer impact stated' })
        .getByText(/— EU customers cannot pay$/).waitFor();
      await card.getByText('1/7 done').waitFor();
    });
    await alice.context.close();
  });

  it('a half-typed answer and a half-typed amendment keep their text and focus through remote changes', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Latency spike');
    await withScreenshots('drafts-focus', [alice, bob], async () => {
      await alice.page.getByLabel('Template').selectOption('declare');
      await alice.page.getByRole('button', { name: 'Start checklist' }).click();
      const card = (p) => p.page.getByRole('article', { name: 'Declare and mobilise' });
      await card(bob).getByText('0/7 done').waitFor();
      const answer = card(alice).getByPlaceholder('Who is affected and how');
      await answer.click();
      await alice.page.keyboard.type('EU checkout, about 12');
      const killer = 'Commander named and announced in the incident channel';
      await card(bob).getByRole('button', { name: `Check: ${killer}` }).click();
      await card(alice).getByRole('listitem', { name: killer }).getByText(/^✓ Bob at /).waitFor();
      assert.equal(await answer.inputValue(), 'EU checkout, about 12');
      assert.equal(await focused(answer), true, 'the remote tick kept the focus');
      await alice.page.keyboard.type('% of orders');
      await alice.page.keyboard.press('Enter');
      await card(bob).getByRole('listitem', { name: 'Customer impact stated' })
        .getByText(/— EU checkout, about 12% of orders$/).waitFor();

      await postNote(alice.page, 'Backlog at 40k messages');
      const entry = (p) => timeline(p.page).getByRole('listitem').filter({ hasText: 'Backlog at 40k messages' });
      await entry(bob).waitFor();
      await entry(alice).getByRole('button', { name: 'Amend' }).click();
      const box = alice.page.getByLabel('Amended text');
      await box.fill('Backlog at 45k messages and');
      await entry(bob).getByRole('button', { name: 'Pin' }).click();
      await entry(alice).getByText('pinned', { exact: true }).waitFor();
      assert.equal(await box.inputValue(), 'Backlog at 45k messages and');
      assert.equal(await focused(box), true, 'the remote pin kept the focus');
      await alice.page.keyboard.type(' rising');
      await alice.page.getByRole('button', { name: 'Save amendment' }).click();
      await timeline(bob.page).getByRole('listitem')
        .filter({ hasText: 'Backlog at 45k messages and rising' }).getByText('pinned', { exact: true }).waitFor();
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('the master warning is a lamp, not a toggle; everyone sees "you" on their own rows', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Payments latency');
    await withScreenshots('lamp-and-you', [alice, bob], async () => {
      const lamp = alice.page.getByRole('button', { name: /^MASTER WARNING/ });
      await alice.page.getByRole('button', { name: 'MASTER WARNING — dark' }).waitFor();
      assert.equal(await lamp.getAttribute('aria-pressed'), null);

      const personRow = (p, name) => p.page.getByRole('list', { name: 'People' })
        .getByRole('listitem').filter({ hasText: name });
      await personRow(bob, 'Bob').getByText('you', { exact: true }).waitFor();
      assert.equal(await personRow(bob, 'Alice').getByText('you', { exact: true }).count(), 0);
      await personRow(alice, 'Alice').getByText('you', { exact: true }).waitFor();
      assert.equal(await personRow(alice, 'Bob').getByText('you', { exact: true }).count(), 0);
      // The role rows too: Bob claims Scribe and sees himself there.
      await bob.page.getByRole('button', { name: 'Claim Scribe' }).click();
      const scribe = (p) => p.page.getByRole('listitem', { name: 'Scribe' });
      await scribe(bob).getByText('you', { exact: true }).waitFor();
      await scribe(alice).getByText(/Bob/).waitFor();
      assert.equal(await scribe(alice).getByText('you', { exact: true }).count(), 0);

      // Lit, its name says so.
      await bob.page.getByText('This is a safety issue', { exact: true }).click();
      await bob.page.getByLabel('What worries you').fill('Failover will drop payments');
      await bob.page.getByRole('button', { name: 'Raise concern' }).click();
      await alice.page.getByRole('button', { name: 'MASTER WARNING — lit: press to acknowledge' }).waitFor();
      assert.equal(await lamp.getAttribute('aria-pressed'), null);
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('only whoever may delete an exercise is offered "Delete this exercise"', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Game day', { drill: true });
    await withScreenshots('delete-control', [alice, bob], async () => {
      await bob.page.getByRole('heading', { name: 'Exercise' }).waitFor();
      await alice.page.getByRole('button', { name: 'Delete this exercise…' }).waitFor();
      assert.equal(await bob.page.getByRole('button', { name: /Delete this exercise/ }).count(), 0);
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('the name page of a shared link names an open incident, and never a restricted one', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const carol = await person(browser, server, 'Carol', { signedIn: false });
    await withScreenshots('name-page', [alice, carol], async () => {
      const open = await declare(alice, 'Payments latency');
      await carol.page.goto(open);
      const form = carol.page.getByRole('form', { name: 'Sign in to join this incident' });
      await form.getByText('You are joining the incident “Payments latency”; its board opens once you are signed in.').waitFor();

      const secret = await declare(alice, 'Leaked signing key', { restricted: true });
      await carol.page.goto(secret);
      await form.getByText('You are joining an incident; its board opens once you are signed in.').waitFor();
      assert.equal(await carol.page.getByText(/Leaked signing key/).count(), 0);
    });
    await alice.context.close();
    await carol.context.close();
  });

  it('the theme follows the system until the person picks one', async () => {
    const { server, browser } = ctx;
    const light = await person(browser, server, 'Lee', { contextOptions: { colorScheme: 'light' } });
    const dark = await person(browser, server, 'Dee', { contextOptions: { colorScheme: 'dark' } });
    await withScreenshots('theme', [light, dark], async () => {
      const theme = (p) => p.page.locator('html').getAttribute('data-theme');
      for (const p of [light, dark]) {
        await p.page.goto(server.url + '/');
        await p.page.getByRole('button', { name: /^(Light|Dark) theme$/ }).waitFor();
      }
      assert.equal(await theme(light), 'light');
      assert.equal(await theme(dark), 'dark');
      // The system changes its mind: the page follows.
      await light.page.emulateMedia({ colorScheme: 'dark' });
      await light.page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
      // Picked, it stays, whatever the system says.
      await dark.page.getByRole('button', { name: 'Light theme' }).click();
      assert.equal(await theme(dark), 'light');
      await dark.page.reload();
      await dark.page.getByRole('button', { name: 'Dark theme' }).waitFor();
      assert.equal(await theme(dark), 'light');
    });
    await light.context.close();
    await dark.context.close();
  });

  it('a tone the browser blocked says so and starts with a click', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const bob = await person(browser, server, 'Bob');
    // Headless Chromium plays sound unasked; Bob's browser refuses to start it, as a desktop
    // browser does before the person has interacted with the page: audio starts suspended,
    // and only `resume()` (which the page may call from a click) starts it.
    await bob.context.addInitScript(() => {
      const Real = window.AudioContext;
      window.AudioContext = class extends Real {
        constructor(...args) {
          super(...args);
          this.suspend();
        }
      };
    });
    await withScreenshots('tone-blocked', [alice, bob], async () => {
      const url = await declare(alice, 'Disk full');
      // Bob only opens the board: no click, no key.
      await bob.page.goto(url);
      await live(bob.page);
      await alice.page.getByText('This is a safety issue', { exact: true }).click();
      await alice.page.getByLabel('What worries you').fill('Writes are failing');
      await alice.page.getByRole('button', { name: 'Raise concern' }).click();
      await bob.page.getByRole('button', { name: 'MASTER WARNING — lit: press to acknowledge' }).waitFor();
      const blocked = bob.page.getByRole('button', { name: 'Tone blocked by the browser — click to enable' });
      await blocked.waitFor();
      assert.equal(await bob.page.getByRole('button', { name: 'Tone on' }).count(), 0);
      await blocked.click();
      await bob.page.getByRole('button', { name: 'Tone on' }).waitFor();
    });
    await alice.context.close();
    await bob.context.close();
  });
});
