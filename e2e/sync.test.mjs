// The foundation: two browsers on one incident, through the real server. What one does, the
// other sees — and the server being killed and restarted loses nothing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, postNote, timeline, withScreenshots, suite,
} from './harness.mjs';

describe('two browsers, one board', () => {
  const ctx = suite();

  it('a note posted in one browser appears in the other', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const bob = await person(browser, server, 'Bob');
    await withScreenshots('note-sync', [alice, bob], async () => {
      const url = await declare(alice, 'Checkout errors for EU customers', { severity: 'SEV1' });
      await bob.page.goto(url);
      await bob.page.getByRole('heading', { level: 1, name: 'Checkout errors for EU customers' }).waitFor();
      await live(bob.page);
      // Bob sees Alice in command, and the same severity.
      assert.equal(await bob.page.locator('.commander-name').textContent(), 'Alice');
      assert.equal(await bob.page.getByLabel('Severity', { exact: true }).inputValue(), 'SEV1');

      await postNote(alice.page, 'Error rate 12% on /checkout since 02:41');
      await timeline(bob.page).getByText('Error rate 12% on /checkout since 02:41').waitFor();
      await postNote(bob.page, 'Deploy 4711 went out at 02:39', 'Hypothesis');
      const aliceEntry = timeline(alice.page).locator('li.entry', { hasText: 'Deploy 4711 went out at 02:39' });
      await aliceEntry.waitFor();
      assert.match(await aliceEntry.textContent(), /Hypothesis/);
      assert.match(await aliceEntry.textContent(), /Bob/);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('survives the server being killed: outage shown, reconnect, nothing lost or doubled', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const bob = await person(browser, server, 'Bob');
    await withScreenshots('server-restart', [alice, bob], async () => {
      const url = await declare(alice, 'Database failover');
      await bob.page.goto(url);
      await live(bob.page);
      await postNote(alice.page, 'Before the outage');
      await timeline(bob.page).getByText('Before the outage').waitFor();

      await server.kill();
      for (const p of [alice, bob]) {
        await p.page.getByText(/OFFLINE — reconnecting/).waitFor({ timeout: 15000 });
      }
      // Typed while the server is down: kept, shown as not sent yet.
      await postNote(bob.page, 'Typed while offline');
      await bob.page.getByText('not sent yet — offline').waitFor();

      await server.restart();
      for (const p of [alice, bob]) await live(p.page);
      for (const p of [alice, bob]) {
        const entries = timeline(p.page);
        await entries.getByText('Typed while offline').waitFor();
        assert.equal(await entries.getByText('Typed while offline').count(), 1, `${p.name} sees it once`);
        assert.equal(await entries.getByText('Before the outage').count(), 1);
      }
      assert.equal(await bob.page.getByText('not sent yet — offline').count(), 0);
      // A reload shows the same, straight from the durable log.
      await alice.page.reload();
      await live(alice.page);
      await timeline(alice.page).getByText('Typed while offline').waitFor();
      assert.equal(await timeline(alice.page).getByText('Typed while offline').count(), 1);
    });
    await alice.context.close();
    await bob.context.close();
  });
});
