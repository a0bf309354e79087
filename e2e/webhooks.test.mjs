// The admin's webhook page: an admin (named by the trusted proxy) adds a subscription from
// /admin/webhooks and is shown its secret once; a declaration reaches a receiver run by the
// test, signed with that secret; the delivery log says it was delivered; removing the
// subscription empties the list. Someone who is not an admin is told so.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { person, withScreenshots, suite } from './harness.mjs';

/** A receiver that keeps every request and answers 200. */
function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, got, port: server.address().port })));
}

async function until(what, check, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks', () => {
  const ctx = suite(['--auth', 'proxy', '--trusted-proxy', '127.0.0.1', '--admin', 'root']);
  let hook;
  before(async () => { hook = await receiver(); });
  after(() => hook?.server.close());

  it('lets an admin add a webhook, see its delivery and remove it', async () => {
    const { server, browser } = ctx;
    const root = await person(browser, server, 'root', {
      signedIn: false, contextOptions: { extraHTTPHeaders: { 'X-Forwarded-User': 'root' } },
    });
    const ann = await person(browser, server, 'ann', {
      signedIn: false, contextOptions: { extraHTTPHeaders: { 'X-Forwarded-User': 'ann' } },
    });
    await withScreenshots('webhooks', [root, ann], async () => {
      await ann.page.goto(server.url + '/admin/webhooks');
      await ann.page.getByRole('alert').filter({ hasText: 'only an admin may manage webhooks' }).first().waitFor();

      const page = root.page;
      await page.goto(server.url + '/');
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { name: 'Outbound webhooks' }).waitFor();
      await page.getByText('No webhooks yet.').waitFor();
      const form = page.getByRole('region', { name: 'Add a webhook' });
      await form.getByLabel('URL').fill(`http://127.0.0.1:${hook.port}/hook`);
      await form.getByLabel('Name').fill('Status page');
      await form.getByLabel('Status changed').check();
      assert.equal(await form.getByLabel('Declared').isChecked(), true, 'declared by default');
      await form.getByRole('button', { name: 'Add webhook' }).click();
      const secret = (await page.getByLabel('Signing secret').textContent()).trim();
      assert.match(secret, /^whsec_[0-9a-f]{64}$/);
      const row = page.getByRole('table', { name: 'Webhooks' }).getByRole('row').filter({ hasText: 'Status page' });
      await row.getByText('Declared, Status changed').waitFor();
      await row.getByText(`http://127.0.0.1:${hook.port}/…`).waitFor();

      // A declaration reaches the receiver, signed with the secret the page showed.
      const r = await root.context.request.post(server.url + '/api/incidents', {
        data: { title: 'Queue backlog', severity: 'SEV3' },
      });
      assert.equal(r.status(), 201, await r.text());
      const got = await until('the declaration', () => hook.got.find((g) => g.headers['warroom-event'] === 'declared'));
      const mac = createHmac('sha256', secret).update(`${got.headers['warroom-timestamp']}.${got.body}`).digest('hex');
      assert.equal(got.headers['warroom-signature'], `v1=${mac}`);
      const body = JSON.parse(got.body);
      assert.equal(body.incident.title, 'Queue backlog');
      assert.equal(body.id, got.headers['idempotency-key']);

      // The log says so (it is read again on Refresh).
      const log = page.getByRole('table', { name: 'Deliveries' });
      await until('the delivery in the log', async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await log.getByRole('row').filter({ hasText: 'delivered' }).count()) > 0;
      });
      await log.getByRole('row').filter({ hasText: 'Declared' }).getByRole('cell', { name: '1', exact: true }).waitFor();

      await row.getByRole('button', { name: 'Remove Status page' }).click();
      await page.getByText('No webhooks yet.').waitFor();
      assert.deepEqual(root.errors, []);
    });
  });
});
