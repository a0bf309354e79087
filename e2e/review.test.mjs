// The flight recorder: scrub across a handoff and see command change hands, deep-link a
// moment, download both exports, and time the board's rebuild in an incident of 100,000
// events, and the live board's first board of that incident from navigation (figures
// printed, not asserted).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  artifacts, commanderName, declare, live, person, postNote, shot, timeline,
  withScreenshots, suite,
} from './harness.mjs';

const BIN = process.env.WARROOM_BIN;

function recorder(page) {
  return page.getByRole('region', { name: 'Board at this moment' });
}

/** How long the last move took to rebuild the board: kept for these figures, not shown. */
async function rebuiltMs(page) {
  const ms = await page.locator('[data-rebuild-ms]').getAttribute('data-rebuild-ms');
  assert.match(ms, /^[\d.]+$/);
  assert.equal(await page.getByText(/Board rebuilt in/).count(), 0, 'the figure is not shown to people');
  return Number(ms);
}

describe('postmortem review', () => {
  const ctx = suite();

  it('scrubs across a handoff, deep-links a moment and downloads both exports', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const bob = await person(browser, server, 'Bob');
    await withScreenshots('review', [alice, bob], async () => {
      const url = await declare(alice, 'Replayable incident');
      await bob.page.goto(url);
      await live(bob.page);
      await bob.page.getByRole('listitem').filter({ hasText: /Alice\s*\(connected\)/ }).waitFor();
      await postNote(alice.page, 'Before the handoff', 'Observation');
      await alice.page.getByRole('button', { name: 'Hand over Commander' }).click();
      await alice.page.getByLabel('To (connected people only)').selectOption({ label: 'Bob' });
      await alice.page.getByRole('button', { name: 'Offer COMMAND' }).click();
      await bob.page.getByRole('button', { name: 'I have control' }).click();
      await alice.page.getByRole('button', { name: 'You have control' }).click();
      await commanderName(bob.page).filter({ hasText: 'Bob' }).waitFor();
      await postNote(bob.page, 'After the handoff', 'Decision');
      await timeline(alice.page).getByText('After the handoff').waitFor();

      await alice.page.getByRole('link', { name: 'Review' }).click();
      await recorder(alice.page).waitFor();
      await alice.page.getByText(/^Key moments \(\d+\)$/).click();
      const handoff = alice.page.getByRole('listitem').filter({ hasText: '"You have control" — Bob is now Commander' });
      const seq = Number((await handoff.getByRole('button').textContent()).replace('#', ''));
      assert.ok(seq > 1);

      const moment = alice.page.getByRole('slider', { name: 'Moment' });
      await moment.fill(String(seq - 1));
      await alice.page.getByText(`Event ${seq - 1} of`).waitFor();
      assert.equal(await recorder(alice.page).locator('.review-commander').textContent(), 'Alice');
      await moment.fill(String(seq));
      await alice.page.getByText(`Event ${seq} of`).waitFor();
      assert.equal(await recorder(alice.page).locator('.review-commander').textContent(), 'Bob');
      await shot(alice.page, 'review-after-handoff');
      // Stepping works too, and the moment is in the address bar.
      await alice.page.getByRole('button', { name: '◀ Step back' }).click();
      await alice.page.getByText(`Event ${seq - 1} of`).waitFor();
      assert.match(alice.page.url(), new RegExp(`/review\\?at=${seq - 1}$`));

      // A deep link opens the same moment.
      await bob.page.goto(`${url}/review?at=${seq - 1}`);
      await bob.page.getByText(`Event ${seq - 1} of`).waitFor();
      assert.equal(await recorder(bob.page).locator('.review-commander').textContent(), 'Alice');
      await recorder(bob.page).getByText('Before the handoff').waitFor();
      assert.equal(await recorder(bob.page).getByText('After the handoff').count(), 0);

      // Both exports download.
      const [md] = await Promise.all([
        alice.page.waitForEvent('download'),
        alice.page.getByRole('link', { name: 'Download the postmortem draft (Markdown)' }).click(),
      ]);
      assert.match(md.suggestedFilename(), /^warroom-[a-z0-9]+\.md$/);
      const mdText = readFileSync(await md.path(), 'utf8');
      assert.match(mdText, /^# Postmortem draft: Replayable incident$/m);
      assert.match(mdText, /^## Timeline$/m);
      assert.match(mdText, /After the handoff/);
      const [json] = await Promise.all([
        alice.page.waitForEvent('download'),
        alice.page.getByRole('link', { name: 'Download the JSON export' }).click(),
      ]);
      const exported = JSON.parse(readFileSync(await json.path(), 'utf8'));
      assert.equal(exported.format, 'warroom-export');
      assert.equal(exported.events.length, exported.board.seq);
      assert.equal(exported.metrics.handoffs.length, 1);
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('rebuilds the board of a 100,000-event incident at any moment quickly (figures printed)', async () => {
    const { server, browser } = ctx;
    // A generated log, imported with the real CLI: a declaration, two crew, a handoff halfway,
    // and notes.
    const total = 100_000;
    const start = Date.parse('2026-11-01T02:00:00Z');
    const at = (i) => new Date(start + i * 1000).toISOString();
    const events = [];
    const push = (actor, event) => events.push({ seq: events.length + 1, at: at(events.length), actor, event });
    push('p-ann', { type: 'incident_declared', title: 'Hundred thousand events', severity: 'SEV2', drill: false, name: 'Ann' });
    push('p-ben', { type: 'participant_joined', name: 'Ben' });
    let note = 0;
    while (events.length < total) {
      if (events.length === total / 2) {
        push('p-ann', { type: 'role_offered', role: 'commander', to: 'p-ben', brief: { situation: 's', objectives: 'o', actions: 'a', hazards: 'h', communications: 'c' } });
        push('p-ben', { type: 'role_offer_accepted', role: 'commander' });
        push('p-ann', { type: 'role_handed_over', role: 'commander', from: 'p-ann', to: 'p-ben' });
      }
      note += 1;
      push(note % 2 ? 'p-ann' : 'p-ben', { type: 'note_posted', note, kind: 'observation', text: `Generated observation ${note}` });
    }
    const file = path.join(artifacts, 'generated-100k.json');
    writeFileSync(file, JSON.stringify({ format: 'warroom-export', version: 1, incident: 'generated100k', events }));
    const imported = spawnSync(BIN, ['import', file, '--data-dir', server.dataDir], { encoding: 'utf8' });
    assert.equal(imported.status, 0, imported.stderr);

    const viewer = await person(browser, server, 'Viewer');
    await withScreenshots('review-100k', [viewer], async () => {
      const loadStarted = Date.now();
      await viewer.page.goto(`${server.url}/incidents/generated100k/review?at=1`);
      await recorder(viewer.page).waitFor({ timeout: 120000 });
      const loadMs = Date.now() - loadStarted;
      const figures = [];
      for (const seq of [total, 1, total / 2 - 1, total / 2 + 3, 73_457, 99_999]) {
        await viewer.page.getByRole('slider', { name: 'Moment' }).fill(String(seq));
        await viewer.page.getByText(`Event ${seq} of ${total}`).waitFor();
        figures.push([seq, await rebuiltMs(viewer.page)]);
      }
      assert.equal(await recorder(viewer.page).locator('.review-commander').textContent(), 'Ben');
      const worst = Math.max(...figures.map((f) => f[1]));
      console.log(`# figure: 100,000-event incident: load and first board ${loadMs} ms; rebuild at a moment: ${figures.map(([s, ms]) => `#${s} ${ms.toFixed(1)} ms`).join(', ')}; worst ${worst.toFixed(1)} ms`);
    });
    await viewer.context.close();

    // The live board of the same incident, opened by a newcomer: its snapshot is the board
    // without the notes archive, so the first board does not wait for 100,000 events' notes.
    const joiner = await person(browser, server, 'Joiner');
    await withScreenshots('board-100k', [joiner], async () => {
      let snapshotBytes = 0;
      joiner.page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
        const text = String(payload);
        if (text.startsWith('{"type":"snapshot"')) snapshotBytes = text.length;
      }));
      const started = Date.now();
      await joiner.page.goto(`${server.url}/incidents/generated100k`);
      await timeline(joiner.page).getByText(`Generated observation ${note}`, { exact: true }).waitFor({ timeout: 60000 });
      const firstBoardMs = Date.now() - started;
      const inPage = await joiner.page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return Math.round(performance.now() - (nav ? nav.startTime : 0));
      });
      assert.ok(snapshotBytes > 0, 'the board came as a snapshot');
      assert.ok(snapshotBytes < 256 * 1024, `the snapshot is ${snapshotBytes} bytes`);
      // A note older than the snapshot's page of the timeline comes back with the page of
      // history that posted it, text and all.
      const archived = `Generated observation ${note - 240}`;
      assert.equal(await timeline(joiner.page).getByText(archived, { exact: true }).count(), 0);
      await joiner.page.getByRole('button', { name: 'Show earlier entries' }).click();
      await timeline(joiner.page).getByText(archived, { exact: true }).waitFor({ timeout: 30000 });
      // Which server build answered: the suite runs the debug one (`cargo xtask e2e`).
      const build = path.basename(path.dirname(BIN));
      console.log(`# figure: first board of a 100,000-event incident: ${firstBoardMs} ms from navigation (in page: ${inPage} ms; snapshot ${snapshotBytes} bytes; server: ${build} build)`);
    });
    await joiner.context.close();
  });
});
