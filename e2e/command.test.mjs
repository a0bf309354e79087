// Command and crew: the positive exchange across two browsers, its decline and cancel paths,
// assuming command from a commander whose browser has gone, and notes that try to be HTML.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  commanderName, declare, live, person, postNote, shot, timeline,
  withScreenshots, suite,
} from './harness.mjs';

/** Alice declares; Bob joins by the link. */
async function crew(browser, server, title) {
  const alice = await person(browser, server, 'Alice');
  const bob = await person(browser, server, 'Bob');
  const url = await declare(alice, title);
  await bob.page.goto(url);
  await live(bob.page);
  // Both see each other connected before anything is handed over.
  await alice.page.getByRole('listitem').filter({ hasText: /Bob\s*\(connected\)/ }).waitFor();
  await bob.page.getByRole('listitem').filter({ hasText: /Alice\s*\(connected\)/ }).waitFor();
  return { alice, bob, url };
}

async function offerCommand(from, toName) {
  await from.page.getByRole('button', { name: 'Hand over Commander' }).click();
  const dialog = from.page.getByRole('dialog', { name: 'Hand over COMMAND' });
  await dialog.getByLabel('To (connected people only)').selectOption({ label: toName });
  // The brief is drafted from the board and editable.
  const situation = dialog.getByLabel('Situation');
  assert.match(await situation.inputValue(), /SEV2 Investigating/);
  await situation.fill((await situation.inputValue()) + ' Checkout p99 at 4 s.');
  await dialog.getByRole('button', { name: 'Offer COMMAND' }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe('command and crew', () => {
  const ctx = suite();

  it('hands command over by positive exchange: offer, "I have control", "You have control"', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Payments latency');
    await withScreenshots('handoff', [alice, bob], async () => {
      await offerCommand(alice, 'Bob');
      // Bob's unmissable prompt, with the brief.
      const prompt = bob.page.getByRole('region', { name: 'Alice is handing you COMMAND' });
      await prompt.waitFor();
      assert.match(await prompt.textContent(), /Checkout p99 at 4 s\./);
      await shot(bob.page, 'handoff-prompt');
      // Until the exchange completes, Alice still holds command on both screens.
      assert.equal(await commanderName(bob.page).textContent(), 'Alice');
      await prompt.getByRole('button', { name: 'I have control' }).click();
      await prompt.waitFor({ state: 'detached' });

      await alice.page.getByText('Bob says: I have control').waitFor();
      assert.equal(await commanderName(alice.page).textContent(), 'Alice');
      await shot(alice.page, 'handoff-confirm');
      await alice.page.getByRole('button', { name: 'You have control' }).click();

      // Each is told their own part in the second person, the other's by name.
      const told = {
        Alice: ['You offered COMMAND to Bob', 'Bob: "I have control" (Commander)', 'You: "You have control" — Bob is now Commander'],
        Bob: ['Alice offered COMMAND to you', 'You: "I have control" (Commander)', 'Alice: "You have control" — you are now Commander'],
      };
      for (const p of [alice, bob]) {
        await p.page.locator('.commander-name', { hasText: 'Bob' }).waitFor();
        const announced = p === bob ? 'You are now in COMMAND' : 'Bob is now in COMMAND';
        await p.page.locator('.announcement', { hasText: announced }).waitFor();
        const entries = timeline(p.page);
        for (const line of told[p.name]) await entries.getByText(line, { exact: true }).waitFor();
      }
      // Only the commander may change the severity now.
      assert.equal(await alice.page.getByLabel('Severity', { exact: true }).isDisabled(), true);
      assert.equal(await bob.page.getByLabel('Severity', { exact: true }).isDisabled(), false);
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('a declined offer leaves command where it was and says why', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Search index stale');
    await withScreenshots('decline', [alice, bob], async () => {
      await offerCommand(alice, 'Bob');
      const prompt = bob.page.getByRole('region', { name: 'Alice is handing you COMMAND' });
      await prompt.getByRole('button', { name: 'Decline' }).click();
      await prompt.getByLabel('Why are you declining?').fill('I am driving the rollback');
      await prompt.getByRole('button', { name: 'Decline' }).click();
      await prompt.waitFor({ state: 'detached' });
      for (const [p, who] of [[alice, 'Bob'], [bob, 'You']]) {
        await timeline(p.page).getByText(`${who} declined COMMAND: I am driving the rollback`).waitFor();
        assert.equal(await commanderName(p.page).textContent(), 'Alice');
      }
      await alice.page.locator('.announcement', { hasText: 'Bob declined COMMAND' }).waitFor();
      // The role can be offered again.
      await alice.page.getByRole('button', { name: 'Hand over Commander' }).waitFor();
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('an offer cancelled by the offerer disappears from the recipient\'s screen', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'CDN purge stuck');
    await withScreenshots('cancel', [alice, bob], async () => {
      await offerCommand(alice, 'Bob');
      const prompt = bob.page.getByRole('region', { name: 'Alice is handing you COMMAND' });
      await prompt.waitFor();
      await alice.page.getByRole('button', { name: 'Cancel offer' }).click();
      await prompt.waitFor({ state: 'detached' });
      for (const p of [alice, bob]) {
        await timeline(p.page).getByText('Offer of COMMAND cancelled: Cancelled by the offerer.').waitFor();
        assert.equal(await commanderName(p.page).textContent(), 'Alice');
      }
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('command can be assumed, with a reason, once the commander\'s browser has gone', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Queue backlog growing');
    await withScreenshots('assume', [alice, bob], async () => {
      // While Alice is connected, there is nothing to assume.
      assert.equal(await bob.page.getByRole('button', { name: 'Assume Commander' }).count(), 0);
      await alice.context.close();
      await bob.page.locator('.commander', { hasText: 'not connected' }).waitFor();
      await bob.page.getByRole('button', { name: 'Assume Commander' }).click();
      await bob.page.getByLabel('Why are you assuming Commander?').fill('Alice dropped off the bridge');
      await bob.page.getByRole('button', { name: 'Assume Commander now' }).click();
      await bob.page.locator('.commander-name', { hasText: 'Bob' }).waitFor();
      await timeline(bob.page)
        .getByText('You assumed COMMAND from Alice (not connected): Alice dropped off the bridge')
        .waitFor();
    });
    await bob.context.close();
  });

  it('shows notes that look like HTML as text and runs nothing', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Injection check');
    await withScreenshots('xss', [alice, bob], async () => {
      const payloads = [
        '<script>window.__pwned = 1</script>',
        '<img src=x onerror="window.__pwned = 2">',
      ];
      for (const text of payloads) await postNote(alice.page, text);
      for (const p of [alice, bob]) {
        for (const text of payloads) await timeline(p.page).getByText(text, { exact: true }).waitFor();
        assert.equal(await p.page.evaluate(() => window.__pwned), undefined);
        assert.equal(await p.page.locator('.entries img').count(), 0);
      }
    });
    await alice.context.close();
    await bob.context.close();
  });
});
