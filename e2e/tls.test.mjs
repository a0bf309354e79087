// TLS in the binary: the server started with --tls-cert/--tls-key (a certificate made for this
// run) serves the app over https and the board over wss, end to end in Chromium — sign-in
// through the form, a declaration through the lobby, a note seen live in a second browser.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, postNote, signIn, timeline, withScreenshots, suite,
} from './harness.mjs';

// The certificate is self-signed: the browser is told not to mind, as a person would click
// through once (or their team would install the certificate).
const untrusted = { contextOptions: { ignoreHTTPSErrors: true } };

describe('https and wss', () => {
  const ctx = suite([], { tls: true });

  it('signs in, declares and syncs a note live over wss', async () => {
    const { server, browser } = ctx;
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const erin = await person(browser, server, 'Erin', { ...untrusted, signedIn: false });
    const frank = await person(browser, server, 'Frank', untrusted);
    const sockets = [];
    for (const p of [erin, frank]) p.page.on('websocket', (ws) => sockets.push(ws.url()));
    await withScreenshots('tls', [erin, frank], async () => {
      await erin.page.goto(server.url + '/');
      await erin.page.getByRole('form', { name: 'Sign in' }).waitFor();
      await signIn(erin.page, 'Erin');
      await erin.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();

      const url = await declare(erin, 'Certificate rotation stuck');
      assert.match(url, /^https:\/\//);
      await frank.page.goto(url);
      await frank.page.getByRole('heading', { level: 1, name: 'Certificate rotation stuck' }).waitFor();
      await live(frank.page);

      // Only the server can have carried it to Frank: over the wss connection.
      await postNote(erin.page, 'Old chain still served by the edge');
      const entry = timeline(frank.page).locator('li.entry', { hasText: 'Old chain still served by the edge' });
      await entry.waitFor();
      assert.match(await entry.textContent(), /Erin/);
      await live(erin.page);

      assert.ok(sockets.length >= 2, `both pages opened a socket: ${sockets}`);
      for (const socket of sockets) assert.match(socket, /^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
      // The session cookie never travels over plain http, and browsers are told to stay on https.
      const session = (await erin.context.cookies(server.url)).find((c) => c.name === 'warroom_session');
      assert.ok(session, 'a session cookie was set');
      assert.equal(session.secure, true);
      const health = await erin.context.request.get(server.url + '/healthz');
      assert.equal(health.headers()['strict-transport-security'], 'max-age=31536000');
      assert.deepEqual([...erin.errors, ...frank.errors], []);
    });
    await erin.context.close();
    await frank.context.close();
  });
});
