// Half-typed text survives what other people do meanwhile: a board row is keyed by what it
// shows, not by its content, and drafts live outside the rows, so a remote change to a row (or
// to its neighbours) never wipes what someone is typing into it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, postNote, timeline, withScreenshots, suite,
} from './harness.mjs';

/** Alice declares; Bob joins the board. */
async function crew(browser, server, title) {
  const alice = await person(browser, server, 'Alice');
  const bob = await person(browser, server, 'Bob');
  const url = await declare(alice, title);
  await bob.page.goto(url);
  await live(bob.page);
  await alice.page.getByRole('listitem').filter({ hasText: /Bob\s*\(connected\)/ }).waitFor();
  return { alice, bob };
}

describe('drafts survive remote changes', () => {
  const ctx = suite();

  it('a half-typed checklist answer survives another person ticking another item', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Checkout errors');
    await withScreenshots('draft-checklist', [alice, bob], async () => {
      await alice.page.getByLabel('Template').selectOption('declare');
      await alice.page.getByRole('button', { name: 'Start checklist' }).click();
      const card = (p) => p.page.getByRole('article', { name: 'Declare and mobilise' });
      await card(bob).getByText('0/7 done').waitFor();

      const answer = card(alice).getByPlaceholder('Who is affected and how');
      await answer.fill('EU checkout, about 12');
      const killer = 'Commander named and announced in the incident channel';
      await card(bob).getByRole('button', { name: `Check: ${killer}` }).click();
      await card(alice).getByRole('listitem', { name: killer }).getByText(/^✓ Bob at /).waitFor();
      await card(alice).getByText('1/7 done').waitFor();

      assert.equal(await answer.inputValue(), 'EU checkout, about 12');
      await answer.press('End');
      await answer.pressSequentially('% of orders');
      await card(alice).getByRole('button', { name: 'Check: Customer impact stated' }).click();
      await card(bob).getByRole('listitem', { name: 'Customer impact stated' })
        .getByText(/— EU checkout, about 12% of orders$/).waitFor();
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('a half-typed amendment survives another person pinning that note', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Queue backlog');
    await withScreenshots('draft-amend', [alice, bob], async () => {
      await postNote(alice.page, 'Backlog at 40k messages');
      const entry = (p) => timeline(p.page).getByRole('listitem').filter({ hasText: 'Backlog at 40k messages' });
      await entry(bob).waitFor();

      await entry(alice).getByRole('button', { name: 'Amend' }).click();
      const box = alice.page.getByLabel('Amended text');
      await box.fill('Backlog at 45k messages and');
      await entry(bob).getByRole('button', { name: 'Pin' }).click();
      await entry(alice).getByText('pinned', { exact: true }).waitFor();

      assert.equal(await box.inputValue(), 'Backlog at 45k messages and');
      await box.press('End');
      await box.pressSequentially(' rising');
      await alice.page.getByRole('button', { name: 'Save amendment' }).click();
      await timeline(bob.page).getByRole('listitem')
        .filter({ hasText: 'Backlog at 45k messages and rising' }).getByText('pinned', { exact: true }).waitFor();
    });
    await alice.context.close();
    await bob.context.close();
  });
});
