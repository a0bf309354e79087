// The admin's integration tokens page (/admin/tokens): an admin makes a token (its secret shown
// once, with a copy button), sees it listed without its secret, and revokes it after a
// confirmation — after which the server refuses it. Anyone else is told only an admin can.
// Behind an authenticating proxy, so that the admin is named by the test (`--admin ada`).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { person, shot, suite, withScreenshots } from './harness.mjs';

describe('integration tokens page', () => {
  const ctx = suite(['--auth', 'proxy', '--trusted-proxy', '127.0.0.1', '--admin', 'ada']);

  it('an admin makes, copies and revokes a token; others are told they cannot', async () => {
    const { server, browser } = ctx;
    const as = (user) => ({ signedIn: false, contextOptions: { extraHTTPHeaders: { 'X-Forwarded-User': user } } });
    const ada = await person(browser, server, 'ada', as('ada'));
    const bob = await person(browser, server, 'bob', as('bob'));
    await withScreenshots('tokens', [ada, bob], async () => {
      await ada.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      const page = ada.page;
      await page.goto(server.url + '/');
      await page.getByRole('link', { name: 'Integration tokens' }).click();
      await page.getByRole('heading', { level: 1, name: 'Integration tokens' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/admin/tokens');

      await page.getByLabel('Name', { exact: true }).fill('alertmanager');
      await page.getByLabel('alerts:write', { exact: false }).check();
      await page.getByLabel('incidents:read', { exact: false }).check();
      await page.getByRole('button', { name: 'Create token' }).click();
      const made = page.getByRole('region', { name: 'New token' });
      await made.getByText('Copy it now: it is not shown again.', { exact: false }).waitFor();
      const secret = (await made.getByLabel('Token secret').textContent()).trim();
      assert.match(secret, /^wrt_[a-z2-7]{52}$/);
      await made.getByRole('button', { name: 'Copy token' }).click();
      await made.getByRole('status').filter({ hasText: 'Copied.' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

      const row = page.getByRole('row', { name: /alertmanager/ });
      await row.getByText('alerts:write, incidents:read').waitFor();
      await row.getByText('never').waitFor();
      await shot(page, 'tokens-made');

      // The token works until it is revoked.
      const auth = { headers: { Authorization: `Bearer ${secret}` } };
      const plain = await browser.newContext();
      assert.equal((await plain.request.get(server.url + '/api/incidents', auth)).status(), 200);

      // Revoking asks first; Cancel keeps it.
      await row.getByRole('button', { name: 'Revoke alertmanager' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke alertmanager?' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      assert.equal((await plain.request.get(server.url + '/api/incidents', auth)).status(), 200);
      await row.getByRole('button', { name: 'Revoke alertmanager' }).click();
      await dialog.getByRole('button', { name: 'Revoke token' }).click();
      await page.getByRole('row', { name: /alertmanager/ }).getByText(/^revoked /).waitFor();
      await page.getByRole('row', { name: /alertmanager/ }).getByText(/^never$/).waitFor({ state: 'detached' });
      assert.equal((await plain.request.get(server.url + '/api/incidents', auth)).status(), 401);
      await plain.close();
      // The page never shows the secret again.
      await page.reload();
      await page.getByRole('row', { name: /alertmanager/ }).waitFor();
      assert.equal(await page.getByText(secret).count(), 0);

      // Someone who is not an admin has no link, and the page says why.
      await bob.page.goto(server.url + '/');
      await bob.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
      assert.equal(await bob.page.getByRole('link', { name: 'Integration tokens' }).count(), 0);
      await bob.page.goto(server.url + '/admin/tokens');
      await bob.page.getByRole('alert').filter({ hasText: 'Only an admin can manage integration tokens.' }).waitFor();
      assert.equal(await bob.page.getByRole('button', { name: 'Create token' }).count(), 0);
      assert.deepEqual([...ada.errors, ...bob.errors], []);
    });
  });
});
