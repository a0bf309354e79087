// Signing in: identities are issued by the server, never made up by the browser. A shared link
// opened without a session asks for a name first and then opens the board; the name can be
// changed (same person) and the session ended; a page that speaks an old protocol says to
// reload; and behind an authenticating proxy there is no form at all.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, postNote, shot, signIn, timeline, withScreenshots, suite,
} from './harness.mjs';

describe('signing in', () => {
  const ctx = suite();

  it('a shared link opened without a session shows the sign-in form, then the board', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const carol = await person(browser, server, 'Carol', { signedIn: false });
    await withScreenshots('sign-in-link', [alice, carol], async () => {
      const url = await declare(alice, 'Search results empty');

      // A version-1 identity in local storage counts for nothing, and is removed.
      await carol.page.goto(url);
      await carol.page.getByRole('heading', { name: 'Sign in to join this incident' }).waitFor();
      await carol.page.evaluate(() => {
        localStorage.setItem('warroom.participant', JSON.stringify('p-madeup'));
        localStorage.setItem('warroom.name', JSON.stringify('Mallory'));
      });
      await carol.page.reload();
      const form = carol.page.getByRole('form', { name: 'Sign in to join this incident' });
      await form.waitFor();
      // It says which incident: this server lets anybody sign in, and the incident is open.
      await form.getByText('You are joining the incident “Search results empty”', { exact: false }).waitFor();
      assert.deepEqual(
        await carol.page.evaluate(() => [localStorage.getItem('warroom.participant'), localStorage.getItem('warroom.name')]),
        [null, null],
      );
      assert.equal(await carol.page.getByText('● Live').count(), 0, 'no board before signing in');
      assert.equal(await carol.page.getByLabel('Team join code').count(), 0, 'no join code on this server');

      // An empty name is refused in the page, with a reason.
      await carol.page.getByRole('button', { name: 'Continue', exact: true }).click();
      await carol.page.getByRole('alert').filter({ hasText: 'Enter the name your crew knows you by.' }).waitFor();
      await shot(carol.page, 'sign-in-shared-link');

      await signIn(carol.page, 'Carol');
      await carol.page.getByRole('heading', { level: 1, name: 'Search results empty' }).waitFor();
      await live(carol.page);
      assert.equal(await carol.page.locator('.commander-name').textContent(), 'Alice');
      await postNote(carol.page, 'Index rebuild stuck at 40%');
      const entry = timeline(alice.page).locator('li.entry', { hasText: 'Index rebuild stuck at 40%' });
      await entry.waitFor();
      assert.match(await entry.textContent(), /Carol/);

      // The session is an HttpOnly cookie: the page cannot read it.
      const cookies = await carol.context.cookies(server.url);
      const session = cookies.find((c) => c.name === 'warroom_session');
      assert.ok(session, 'a session cookie was set');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');
      assert.equal(await carol.page.evaluate(() => document.cookie.includes('warroom_session')), false);
      assert.deepEqual([...alice.errors, ...carol.errors], []);
    });
    await alice.context.close();
    await carol.context.close();
  });

  it('changes the name (same participant) and signs out from the lobby', async () => {
    const { server, browser } = ctx;
    const dan = await person(browser, server, 'Dan', { signedIn: false });
    await withScreenshots('rename-sign-out', [dan], async () => {
      await dan.page.goto(server.url + '/');
      await dan.page.getByRole('form', { name: 'Sign in' }).waitFor();
      await signIn(dan.page, 'Dan');
      await dan.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
      assert.equal(await dan.page.locator('.my-name').textContent(), 'Dan');
      const before = await (await dan.context.request.get(server.url + '/api/session')).json();

      await dan.page.getByRole('button', { name: 'Change name' }).click();
      const box = dan.page.getByLabel('Your new name', { exact: true });
      assert.equal(await box.inputValue(), 'Dan');
      await box.fill('   ');
      await dan.page.getByRole('button', { name: 'Save name' }).click();
      await dan.page.getByRole('alert').filter({ hasText: 'Enter the name your crew knows you by.' }).waitFor();
      await box.fill('Dan Reyes');
      await dan.page.getByRole('button', { name: 'Save name' }).click();
      await dan.page.locator('.my-name', { hasText: 'Dan Reyes' }).waitFor();
      await shot(dan.page, 'lobby-signed-in');
      const after = await (await dan.context.request.get(server.url + '/api/session')).json();
      assert.equal(after.participant, before.participant, 'renaming keeps the participant');
      assert.equal(after.name, 'Dan Reyes');
      // A reload asks the server, which knows the new name.
      await dan.page.reload();
      await dan.page.locator('.my-name', { hasText: 'Dan Reyes' }).waitFor();

      await dan.page.getByRole('button', { name: 'Sign out' }).click();
      await dan.page.getByRole('form', { name: 'Sign in' }).waitFor();
      assert.equal((await dan.context.request.get(server.url + '/api/session')).status(), 401);
      // Signing in again is a new person to the server.
      await signIn(dan.page, 'Dan');
      await dan.page.locator('.my-name', { hasText: 'Dan' }).waitFor();
      const again = await (await dan.context.request.get(server.url + '/api/session')).json();
      assert.notEqual(again.participant, before.participant);
      assert.deepEqual(dan.errors, []);
    });
    await dan.context.close();
  });

  it('signing out in one tab takes the board open in another tab to the sign-in form', async () => {
    const { server, browser } = ctx;
    const erin = await person(browser, server, 'Erin');
    await withScreenshots('sign-out-other-tab', [erin], async () => {
      const url = await declare(erin, 'Two tabs, one person');
      const lobby = await erin.context.newPage();
      await lobby.goto(server.url + '/');
      await lobby.getByRole('button', { name: 'Sign out' }).click();
      await lobby.getByRole('form', { name: 'Sign in' }).waitFor();
      // The board's socket is closed with 4401 and the page asks who this is.
      await erin.page.getByRole('form', { name: 'Sign in' }).waitFor({ timeout: 10000 });
      assert.equal(erin.page.url(), url, 'still on the incident, to come back to it');
      assert.deepEqual(erin.errors, []);
    });
    await erin.context.close();
  });

  it('a board whose session has ended goes back to the sign-in form', async () => {
    const { server, browser } = ctx;
    const eve = await person(browser, server, 'Eve');
    await withScreenshots('session-ended', [eve], async () => {
      const url = await declare(eve, 'Payments webhook backlog');
      // Signed out elsewhere (the context shares the cookie jar with this request).
      assert.equal((await eve.context.request.delete(server.url + '/api/session')).status(), 204);
      // The board's socket drops; reconnecting without a session is refused (401).
      await server.kill();
      await server.restart();
      await eve.page.getByRole('form', { name: 'Sign in to join this incident' }).waitFor({ timeout: 20000 });
      await signIn(eve.page, 'Eve');
      assert.equal(eve.page.url(), url);
      await eve.page.getByRole('heading', { level: 1, name: 'Payments webhook backlog' }).waitFor();
      await live(eve.page);
    });
    await eve.context.close();
  });

  it('a page speaking an old protocol is told to reload', async () => {
    const { server, browser } = ctx;
    const fay = await person(browser, server, 'Fay');
    await withScreenshots('old-protocol', [fay], async () => {
      const url = await declare(fay, 'Old tab');
      const old = await person(browser, server, 'Fay again');
      // This page's hello claims protocol 1, as a tab left open across an upgrade would.
      await old.context.addInitScript(() => {
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data) {
          if (typeof data === 'string' && data.includes('"type":"hello"')) {
            data = data.replace(/"protocol":\d+/, '"protocol":1');
          }
          return send.call(this, data);
        };
      });
      await old.page.goto(url);
      await old.page.getByRole('heading', { name: 'Warroom has been updated' }).waitFor();
      await old.page.getByRole('button', { name: 'Reload the page' }).waitFor();
      await shot(old.page, 'board-outdated');
      await old.context.close();
    });
    await fay.context.close();
  });
});

describe('signing in with a team join code', () => {
  const ctx = suite(['--join-code', 'blue-harbour-42']);

  it('asks for the code and shows the server\'s refusal of a wrong one', async () => {
    const { server, browser } = ctx;
    const gus = await person(browser, server, 'Gus', { signedIn: false });
    await withScreenshots('join-code', [gus], async () => {
      await gus.page.goto(server.url + '/');
      await signIn(gus.page, 'Gus', { joinCode: 'red-harbour' });
      await gus.page.getByRole('alert').filter({ hasText: "that is not the team's join code" }).waitFor();
      await shot(gus.page, 'sign-in-join-code');
      await signIn(gus.page, 'Gus', { joinCode: 'blue-harbour-42' });
      await gus.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
    });
    await gus.context.close();
  });
});

describe('signing in through an authenticating proxy', () => {
  const ctx = suite(['--auth', 'proxy', '--trusted-proxy', '127.0.0.1']);

  it('has no form: the proxy names the person, and without it the page says so', async () => {
    const { server, browser } = ctx;
    const ann = await person(browser, server, 'ann', {
      signedIn: false,
      contextOptions: { extraHTTPHeaders: { 'X-Forwarded-User': 'ann', 'X-Forwarded-Email': 'ann@example.com' } },
    });
    const stranger = await person(browser, server, 'stranger', { signedIn: false });
    await withScreenshots('proxy', [ann, stranger], async () => {
      await ann.page.goto(server.url + '/');
      await ann.page.locator('.my-name', { hasText: 'ann@example.com' }).waitFor();
      assert.equal(await ann.page.getByRole('button', { name: 'Sign out' }).count(), 0);
      assert.equal(await ann.page.getByRole('button', { name: 'Change name' }).count(), 0);
      await declare(ann, 'Proxy-signed incident');

      await stranger.page.goto(server.url + '/');
      await stranger.page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
      assert.equal(await stranger.page.getByLabel('Your name').count(), 0);
      await shot(stranger.page, 'sign-in-proxy');
    });
    await ann.context.close();
    await stranger.context.close();
  });
});
