// How the board looks, and how fast it is with a long incident. Screenshots (dark and light,
// desktop and phone) land in e2e/artifacts/; figures are printed, never asserted against a
// stopwatch.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  declare, live, person, postNote, shot, timeline, withScreenshots, suite,
} from './harness.mjs';

const DIST = process.env.WARROOM_DIST
  ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

describe('the board, seen', () => {
  const ctx = suite(['--rate-limit', '100000', '--rate-burst', '100000']);

  it('gets the app brotli-compressed, exactly the files the build wrote, and prints the first load', async () => {
    const { server, browser } = ctx;
    const carol = await person(browser, server, 'Carol Diaz');
    const encodings = new Map();
    carol.page.on('response', (response) => {
      const name = new URL(response.url()).pathname.slice(1);
      if (/\.(wasm|js)$/.test(name)) encodings.set(name, response.headers()['content-encoding']);
    });
    await carol.page.goto(server.url + '/');
    await carol.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
    // What the browser received for each wasm and js file (the preload and the fetch that
    // uses it are two entries of one download: the larger counts).
    const entries = await carol.page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => ({ name: new URL(e.name).pathname.slice(1), encoded: e.encodedBodySize, decoded: e.decodedBodySize }))
      .filter((e) => /\.(wasm|js)$/.test(e.name)));
    const files = new Map();
    for (const e of entries) {
      const seen = files.get(e.name);
      if (!seen || e.encoded > seen.encoded) files.set(e.name, e);
    }
    const names = [...files.keys()].sort();
    assert.ok(names.some((n) => n.endsWith('.wasm')) && names.some((n) => n.endsWith('.js')), `loaded ${names}`);
    let brotli = 0;
    for (const name of names) {
      const { encoded, decoded } = files.get(name);
      assert.equal(encodings.get(name), 'br', `${name} goes out as brotli`);
      assert.equal(encoded, statSync(path.join(DIST, name + '.br')).size, `${name}: the .br file, byte for byte`);
      assert.equal(decoded, statSync(path.join(DIST, name)).size, `${name}: decodes to the file's length`);
      brotli += encoded;
    }
    console.log(`# figure: first load as the browser received it, wasm + js: ${(brotli / 1000).toFixed(1)} KB brotli (target \u2264 150 KB; ${names.join(', ')})`);
    assert.deepEqual(carol.errors, []);
    await carol.context.close();
  });

  it('saves screenshots of a busy board: dark and light, desktop and phone', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice Ng');
    const bob = await person(browser, server, 'Bob Ortiz');
    await withScreenshots('screenshots', [alice, bob], async () => {
      const url = await declare(alice, 'Checkout errors for EU customers', { severity: 'SEV1' });
      await bob.page.goto(url);
      await live(bob.page);
      await alice.page.getByRole('listitem').filter({ hasText: /Bob Ortiz\s*\(connected\)/ }).waitFor();
      await alice.page.getByRole('button', { name: 'Claim Scribe' }).click();
      await postNote(alice.page, 'Error rate 12% on /checkout since 02:41 UTC', 'Observation');
      await postNote(alice.page, 'Deploy 4711 (payment client timeout change) went out at 02:39', 'Hypothesis');
      await postNote(alice.page, 'Roll back deploy 4711', 'Decision');
      await postNote(alice.page, 'Rollback started by Bob', 'Action');
      await postNote(alice.page, 'Customers in the EU see failed checkouts; rollback under way. Next update 03:15.', 'Status update');
      await timeline(alice.page).getByText('Roll back deploy 4711', { exact: true }).waitFor();
      await timeline(alice.page).locator('li.entry', { hasText: 'Roll back deploy 4711' })
        .getByRole('button', { name: 'Pin' }).click();
      await alice.page.getByRole('region', { name: 'Key events' }).waitFor();
      // Something waits on the commander: a readback to confirm, a concern, a checklist.
      const assign = alice.page.getByRole('form', { name: 'Assign an action' });
      await assign.getByLabel('Assign to').selectOption({ label: 'Bob Ortiz' });
      await assign.getByLabel('Action', { exact: true }).fill('Roll back deploy 4711');
      await assign.getByRole('button', { name: 'Assign' }).click();
      const action = bob.page.getByRole('listitem', { name: /^Action \d+: Roll back deploy 4711$/ });
      await action.getByLabel('Read it back in your own words').fill('Rolling back 4711 on all EU nodes');
      await action.getByRole('button', { name: 'Read back' }).click();
      await bob.page.getByText('I am uncomfortable', { exact: true }).click();
      await bob.page.getByLabel('What worries you').fill('Failover will drop in-flight payments');
      await bob.page.getByRole('button', { name: 'Raise concern' }).click();
      await alice.page.getByLabel('Template').selectOption('declare');
      await alice.page.getByRole('button', { name: 'Start checklist' }).click();
      await alice.page.getByRole('region', { name: /^For you/ })
        .getByText('Failover will drop in-flight payments', { exact: false }).waitFor();

      for (const theme of ['dark', 'light']) {
        // 200% zoom on a 1280×860 laptop is a 640×430 CSS-pixel viewport.
        for (const [device, viewport] of [['desktop', { width: 1366, height: 900 }], ['phone', { width: 390, height: 844 }], ['zoom200', { width: 640, height: 430 }]]) {
          // The commander's own board, in a tab of this size and theme.
          const page = await alice.context.newPage();
          await page.setViewportSize(viewport);
          await page.addInitScript((t) => localStorage.setItem('warroom.theme', JSON.stringify(t)), theme);
          await page.goto(url);
          await live(page);
          await timeline(page).getByText('Roll back deploy 4711', { exact: true }).waitFor();
          await page.getByRole('region', { name: /^For you/ }).getByRole('button').first().waitFor();
          assert.equal(await page.locator('html').getAttribute('data-theme'), theme);
          // Nothing scrolls sideways: the panes stack instead.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 1, `${device}: the page is ${overflow}px wider than the window`);
          await shot(page, `board-${theme}-${device}`);
          await page.close();
        }
      }
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('renders an incident of 5,000 entries and applies new events quickly (figures printed)', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    await withScreenshots('performance', [alice], async () => {
      const url = await declare(alice, 'Long incident');
      const incident = url.split('/').pop();
      // Seed 5,000 notes over a raw WebSocket from the page (faster than typing them).
      // In batches, each acknowledged before the next is sent: the page also runs the board,
      // and a client that falls too far behind in reading is cut off by the server.
      const acked = await alice.page.evaluate(async ({ incident, total, batch }) => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        await new Promise((r) => ws.addEventListener('open', r, { once: true }));
        // The page's session cookie goes with the same-origin upgrade: the socket speaks for
        // Alice, as her board does.
        ws.send(JSON.stringify({ type: 'hello', protocol: 2, incident, last_seq: 0 }));
        let acks = 0;
        let waiting = null;
        ws.addEventListener('message', (m) => {
          const msg = JSON.parse(m.data);
          if (msg.type === 'ack') {
            acks += 1;
            if (waiting && acks === waiting.until) waiting.resolve();
          }
        });
        const closed = new Promise((_, reject) => ws.addEventListener('close', (e) => reject(new Error(`seeding socket closed: ${e.code} ${e.reason}`))));
        for (let sent = 0; sent < total; sent += batch) {
          const until = Math.min(total, sent + batch);
          const done = new Promise((resolve) => { waiting = { until, resolve }; });
          for (let i = sent; i < until; i++) {
            ws.send(JSON.stringify({
              type: 'submit', id: `c-seed-${i}`,
              command: { type: 'post_note', kind: 'observation', text: `Seeded observation number ${i}` },
            }));
          }
          await Promise.race([done, closed]);
        }
        ws.close();
        return acks;
      }, { incident, total: 5000, batch: 250 });
      assert.equal(acked, 5000);

      // A fresh browser opens the long incident.
      const bob = await person(browser, server, 'Bob');
      await bob.context.addInitScript(() => {
        // Note when each server message arrives, before the app handles it.
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
          constructor(...args) {
            super(...args);
            this.addEventListener('message', () => { window.__lastMessageAt = performance.now(); });
          }
        };
      });
      const started = Date.now();
      await bob.page.goto(url);
      await timeline(bob.page).getByText('Seeded observation number 4999', { exact: true }).waitFor({ timeout: 60000 });
      const renderMs = Date.now() - started;
      const navigation = await bob.page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return { shown: performance.now(), start: nav ? nav.startTime : 0 };
      });

      // One new event: time from the message's arrival to the entry being in the DOM.
      const applyMs = [];
      for (let i = 0; i < 5; i++) {
        const text = `Fresh note ${i}`;
        const watching = bob.page.evaluate((text) => new Promise((resolve) => {
          const list = document.querySelector('ol.entries:not(.pending-entries)');
          const observer = new MutationObserver(() => {
            if (list.textContent.includes(text)) {
              observer.disconnect();
              resolve(performance.now() - window.__lastMessageAt);
            }
          });
          observer.observe(list, { childList: true, subtree: true, characterData: true });
        }), text);
        await postNote(alice.page, text);
        applyMs.push(await watching);
      }
      applyMs.sort((a, b) => a - b);
      console.log(`# figure: open an incident of 5,000 entries, navigation to newest entry shown: ${renderMs} ms (in page: ${Math.round(navigation.shown - navigation.start)} ms)`);
      console.log(`# figure: apply one new event to it, message arrival to DOM: median ${applyMs[2].toFixed(1)} ms, max ${applyMs[4].toFixed(1)} ms`);
      await bob.context.close();
    });
    await alice.context.close();
  });
});
