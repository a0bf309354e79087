// Who may see an incident. A restricted incident does not exist for anyone who is not a member:
// not in their lobby, not on its board. The commander invites people with a link shown once;
// an observer link lets a browser with nobody signed in watch the board live, read-only, until
// it is revoked. The commander can also restrict an open incident and remove a member, whose
// board then closes. Someone signed in who is no member can be given an observer link too.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, postNote, shot, signIn, timeline, withScreenshots, suite,
} from './harness.mjs';

/** The board's Access section (in the crew panel). */
function accessOf(page) {
  return page.getByRole('region', { name: 'Access' });
}

/** Makes a link of `kind` ('invitation' or 'observer') in the Access section; its address. */
async function makeLink(page, kind, duration) {
  const access = accessOf(page);
  const label = kind === 'invitation' ? 'Invitation link' : 'Observer link';
  await access.getByLabel(`${label} valid for`, { exact: true }).selectOption({ label: duration });
  await access.getByRole('button', { name: `Make ${kind} link`, exact: true }).click();
  const field = access.getByLabel(label, { exact: true });
  const key = kind === 'invitation' ? 'invite' : 'observe';
  await page.waitForFunction(
    ([k]) => document.querySelector('#made-link-address')?.value.includes(`?${k}=`),
    [key],
  );
  assert.equal(await field.getAttribute('readonly'), '', 'the address is read-only');
  await access.getByText(/Shown once: copy it now/).waitFor();
  return field.inputValue();
}

describe('restricted incidents and links', () => {
  const ctx = suite();

  it('invites a member to a restricted incident, lets an observer watch live, and revokes the observer link', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const bob = await person(browser, server, 'Bob');
    const watcher = await person(browser, server, 'Observer', { signedIn: false });
    const title = 'Payroll export leaking salaries';
    await withScreenshots('access-links', [alice, bob, watcher], async () => {
      // (a) Declared restricted through the lobby: for Bob it does not exist.
      const url = await declare(alice, title, { severity: 'SEV1', restricted: true });
      const id = url.split('/').pop();
      const access = accessOf(alice.page);
      await access.getByText('Restricted to 1 member', { exact: true }).waitFor();
      assert.match(await access.getByRole('list', { name: 'Members' }).textContent(), /Alice/);

      await bob.page.goto(server.url + '/');
      await bob.page.getByText('No incidents. Quiet night.').waitFor();
      assert.equal(await bob.page.getByRole('link', { name: title }).count(), 0, 'not in his lobby');
      await bob.page.goto(url);
      await bob.page.getByRole('heading', { name: 'This incident cannot be opened' }).waitFor();
      await bob.page.getByRole('alert').filter({ hasText: `there is no incident ${id}` }).waitFor();
      assert.equal(await bob.page.getByLabel('Note', { exact: true }).count(), 0);
      assert.equal((await bob.context.request.get(`${server.url}/api/incidents/${id}`)).status(), 404);

      // Alice invites him: the whole address, shown once, ready to copy.
      const invite = await makeLink(alice.page, 'invitation', '8 h');
      assert.match(invite, new RegExp(`^${server.url}/incidents/${id}\\?invite=[0-9a-f]{32,}$`));
      await access.getByRole('button', { name: 'Copy', exact: true }).click();
      await access.getByRole('status').filter({ hasText: /Copied|press Ctrl\+C/ }).waitFor();
      await access.getByRole('list', { name: 'Links in force' }).getByText('Invitation 1').waitFor();
      await shot(alice.page, 'access-invitation');

      // Bob opens it and lands on the board, the token gone from the address bar.
      await bob.page.goto(invite);
      await bob.page.getByRole('heading', { level: 1, name: title }).waitFor();
      await live(bob.page);
      assert.equal(bob.page.url(), url);
      await postNote(bob.page, 'Export bucket is public since 09:12');
      await timeline(alice.page).locator('li.entry', { hasText: 'Export bucket is public since 09:12' }).waitFor();
      await access.getByText('Restricted to 2 members', { exact: true }).waitFor();
      await timeline(alice.page).locator('li.entry', { hasText: 'Bob joined by invitation' }).waitFor();

      // (b) An observer link, opened by a browser where nobody is signed in.
      const observe = await makeLink(alice.page, 'observer', '1 h');
      assert.match(observe, new RegExp(`^${server.url}/incidents/${id}\\?observe=[0-9a-f]{32,}$`));
      await watcher.page.goto(observe);
      await watcher.page.getByRole('heading', { level: 1, name: title }).waitFor();
      await live(watcher.page);
      assert.equal(watcher.page.url(), url, 'the token is gone from the address bar');
      await watcher.page.getByText('Observer — read-only view').waitFor();
      await timeline(watcher.page).locator('li.entry', { hasText: 'Export bucket is public since 09:12' }).waitFor();
      assert.equal(await watcher.page.getByLabel('Note', { exact: true }).count(), 0, 'no composer');
      for (const name of ['Hand over Commander', 'Claim Deputy', 'Raise concern', 'Start checklist', 'Pin', 'Retract', 'Make observer link', 'Restrict to members']) {
        assert.equal(await watcher.page.getByRole('button', { name, exact: true }).count(), 0, `no "${name}" button`);
      }
      await accessOf(watcher.page).getByText('Restricted to 2 members', { exact: true }).waitFor();
      const me = await (await watcher.context.request.get(server.url + '/api/session')).json();
      assert.equal(me.observer_of, id);
      assert.match(me.participant, /^o-/);
      await shot(watcher.page, 'access-observer');

      // What Alice posts now reaches the observer live.
      await postNote(alice.page, 'Bucket made private; rotating the signed URLs');
      await timeline(watcher.page).locator('li.entry', { hasText: 'Bucket made private; rotating the signed URLs' }).waitFor();
      // The observer is not on the crew's list of people.
      assert.equal(await alice.page.locator('.people li', { hasText: 'Observer' }).count(), 0);

      // The observer's lobby: the watched incident and signing in, nothing else; its review is
      // read-only too.
      const lobby = await watcher.context.newPage();
      await lobby.goto(server.url + '/');
      await lobby.getByRole('heading', { name: 'You are watching an incident' }).waitFor();
      await lobby.getByRole('link', { name: title }).waitFor();
      await lobby.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(await lobby.getByRole('heading', { name: 'Declare an incident' }).count(), 0);
      await lobby.goto(url + '/review');
      await lobby.getByText('Observer — read-only view').waitFor();
      await lobby.getByRole('heading', { level: 1, name: title }).waitFor();
      await lobby.close();

      // (c) Alice revokes the observer link: the observer's board closes at once.
      const links = access.getByRole('list', { name: 'Links in force' });
      await links.getByRole('button', { name: 'Revoke observer link 2' }).click();
      await watcher.page.getByRole('heading', { name: 'This board is closed' }).waitFor();
      await watcher.page.getByRole('alert').filter({ hasText: 'you no longer have access to this incident' }).waitFor();
      await watcher.page.getByText('✕ Refused').waitFor();
      assert.equal(await timeline(watcher.page).count(), 0, 'the timeline is gone');
      assert.equal(await watcher.page.getByText('Observer — read-only view').count(), 0);
      await watcher.page.getByRole('link', { name: 'Back to the lobby' }).waitFor();
      await links.getByText('Observer link 2').waitFor({ state: 'detached' });
      await links.getByText('Invitation 1').waitFor();
      await shot(watcher.page, 'access-observer-revoked');

      // Opening the revoked link again says so, with the way to the lobby.
      await watcher.page.goto(observe);
      await watcher.page.getByRole('heading', { name: 'This link cannot be opened' }).waitFor();
      await watcher.page.getByRole('alert').filter({ hasText: 'This observer link has expired or was revoked' }).waitFor();
      assert.equal(watcher.page.url(), url, 'the token is gone from the address bar');
      await watcher.page.getByRole('link', { name: 'Go to the lobby' }).waitFor();

      // Bob, a member now, finds it in his lobby, marked restricted.
      await bob.page.goto(server.url + '/');
      const row = bob.page.getByRole('row').filter({ hasText: title });
      await row.getByText('Restricted', { exact: true }).waitFor();
      assert.deepEqual([...alice.errors, ...bob.errors, ...watcher.errors], []);
    });
    await alice.context.close();
    await bob.context.close();
    await watcher.context.close();
  });

  it('an invitation opened without a session asks to sign in first, then makes a member', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const carol = await person(browser, server, 'Carol', { signedIn: false });
    const title = 'Customer PII in debug logs';
    await withScreenshots('access-invite-sign-in', [alice, carol], async () => {
      const url = await declare(alice, title, { restricted: true });
      const invite = await makeLink(alice.page, 'invitation', '24 h');

      await carol.page.goto(invite);
      await carol.page.getByRole('heading', { name: 'Sign in to accept the invitation' }).waitFor();
      await shot(carol.page, 'access-invite-sign-in');
      await signIn(carol.page, 'Carol');
      await carol.page.getByRole('heading', { level: 1, name: title }).waitFor();
      await live(carol.page);
      assert.equal(carol.page.url(), url);
      await postNote(carol.page, 'Log shipping paused');
      await timeline(alice.page).locator('li.entry', { hasText: 'Log shipping paused' }).waitFor();
      await accessOf(alice.page).getByText('Restricted to 2 members', { exact: true }).waitFor();

      // A token that was never issued.
      await carol.page.goto(`${server.url}/incidents/${url.split('/').pop()}?invite=${'0'.repeat(64)}`);
      await carol.page.getByRole('heading', { name: 'This link cannot be opened' }).waitFor();
      await carol.page.getByRole('alert').filter({ hasText: 'This invitation is not valid' }).waitFor();
      await carol.page.getByRole('link', { name: 'Go to the lobby' }).click();
      await carol.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
      await carol.page.getByRole('link', { name: title }).waitFor();
      assert.deepEqual([...alice.errors, ...carol.errors], []);
    });
    await alice.context.close();
    await carol.context.close();
  });

  it('the commander restricts an open incident (confirmed) and removes a member, whose board closes', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const dan = await person(browser, server, 'Dan');
    const eve = await person(browser, server, 'Eve');
    const title = 'Suspicious admin logins';
    await withScreenshots('access-restrict', [alice, dan, eve], async () => {
      const url = await declare(alice, title);
      const access = accessOf(alice.page);
      await access.getByText('Open to everyone signed in', { exact: true }).waitFor();
      // An open incident needs no invitation: its address is enough.
      assert.equal(await access.getByRole('button', { name: 'Make invitation link' }).count(), 0);
      await dan.page.goto(url);
      await live(dan.page);
      assert.equal(await accessOf(dan.page).getByRole('button', { name: 'Restrict to members' }).count(), 0, 'the commander\'s alone');

      await access.getByRole('button', { name: 'Restrict to members', exact: true }).click();
      await access.getByRole('alert').filter({ hasText: 'Only the 2 people who joined will see this incident' }).waitFor();
      await access.getByRole('button', { name: 'Restrict now', exact: true }).click();
      await access.getByText('Restricted to 2 members', { exact: true }).waitFor();
      await accessOf(dan.page).getByText('Restricted to 2 members', { exact: true }).waitFor();
      await timeline(alice.page).locator('li.entry', { hasText: 'You restricted the incident to its 2 members' }).waitFor();
      await timeline(dan.page).locator('li.entry', { hasText: 'Alice restricted the incident to its 2 members' }).waitFor();
      // The commander holds a role: no "Remove" beside her.
      assert.equal(await access.getByRole('button', { name: 'Remove Alice' }).count(), 0);

      await eve.page.goto(url);
      await eve.page.getByRole('heading', { name: 'This incident cannot be opened' }).waitFor();
      // Signed in but no member, Eve can still be given an observer link: she watches, read-only.
      const observe = await makeLink(alice.page, 'observer', '7 days');
      await eve.page.goto(observe);
      await eve.page.getByRole('heading', { level: 1, name: title }).waitFor();
      await live(eve.page);
      await eve.page.getByText('Observer — read-only view').waitFor();
      assert.equal(await eve.page.getByLabel('Note', { exact: true }).count(), 0, 'no composer');
      assert.equal(await eve.page.getByRole('button', { name: 'Claim Deputy' }).count(), 0);
      assert.equal(await accessOf(alice.page).getByText('Restricted to 2 members', { exact: true }).count(), 1, 'watching is not membership');

      await access.getByRole('button', { name: 'Remove Dan', exact: true }).click();
      await access.getByText('Restricted to 1 member', { exact: true }).waitFor();
      await dan.page.getByRole('heading', { name: 'This board is closed' }).waitFor();
      await dan.page.getByRole('alert').filter({ hasText: 'you no longer have access to this incident' }).waitFor();
      assert.deepEqual([...alice.errors, ...dan.errors, ...eve.errors], []);
    });
    await alice.context.close();
    await dan.context.close();
    await eve.context.close();
  });
});
