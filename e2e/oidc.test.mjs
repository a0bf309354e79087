// Signing in with an OpenID Connect provider (`--auth oidc`): a real provider (npm's
// oidc-provider, in this test process, with its development login and consent pages) and the
// real server. People sign in through the provider's own pages in Chromium, come back signed
// in to the page they were on, and work together; the same account is the same participant
// on every device; an account outside the allowed e-mail domains is refused with a page that
// says why, and gets no session.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import Provider from 'oidc-provider';
import {
  Server, commanderName, declare, freePort, launchBrowser, live, person, shot, timeline,
  withScreenshots,
} from './harness.mjs';

const CLIENT_ID = 'warroom-e2e';
const CLIENT_SECRET = 'e2e-client-secret-not-a-real-one';

/**
 * An OpenID Connect provider on a free port of 127.0.0.1, with one confidential client whose
 * redirect URI is `redirectUri`. Any login id signs in (any password), as `<id>@example.com`
 * named after the id, in the group `responders` — except `dave`, who is a `contractor`.
 */
async function startProvider(redirectUri) {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@example.com`,
            email_verified: true,
            name: id.charAt(0).toUpperCase() + id.slice(1),
            preferred_username: id,
            groups: id === 'dave' ? ['contractors'] : ['responders'],
          };
        },
      };
    },
    cookies: { keys: ['e2e-provider-cookie-key'] },
    features: { devInteractions: { enabled: true } },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A provider and a Warroom server signing people in with it, for a `describe` block. */
function oidcSuite(extraArgs = []) {
  const ctx = { server: null, provider: null, browser: null };
  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    ctx.provider = await startProvider(`${publicUrl}/auth/callback`);
    ctx.server = await Server.start([
      '--auth', 'oidc',
      '--oidc-issuer', ctx.provider.issuer,
      '--oidc-client-id', CLIENT_ID,
      '--oidc-client-secret', CLIENT_SECRET,
      '--public-url', publicUrl,
      ...extraArgs,
    ], { port });
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.dispose();
    await ctx.provider?.close();
  });
  return ctx;
}

/**
 * Signs in on the provider's own pages: the login form (any password), then its consent
 * page if it shows one. Resolves once the browser has left the provider.
 */
async function providerLogin(page, provider, login) {
  await page.waitForURL((u) => u.origin === provider.issuer);
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const deadline = Date.now() + 15000;
  while (new URL(page.url()).origin === provider.issuer) {
    if (Date.now() > deadline) throw new Error(`still at the provider: ${page.url()}`);
    const consent = page.getByRole('button', { name: 'Continue' });
    if (await consent.isVisible().catch(() => false)) {
      await consent.click().catch(() => {});
    }
    await page.waitForTimeout(100);
  }
}

/** From Warroom's sign-in page, through the provider, back to Warroom signed in as `login`. */
async function signInWithProvider(p, provider, login) {
  await p.page.getByRole('link', { name: 'Sign in with your organisation' }).click();
  await providerLogin(p.page, provider, login);
}

async function me(p) {
  const r = await p.context.request.get(p.server.url + '/api/session');
  return { status: r.status(), body: r.status() === 200 ? await r.json() : null };
}

describe('signing in with an OpenID Connect provider', () => {
  const ctx = oidcSuite();

  it('says how to sign in, and refuses a display name', async () => {
    const { server } = ctx;
    const info = await (await fetch(server.url + '/api/auth')).json();
    assert.deepEqual(info, { mode: 'oidc', join_code: false, login_url: '/auth/login' });
    const r = await fetch(server.url + '/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Mallory' }),
    });
    assert.equal(r.status, 403);
  });

  it('two people sign in through the provider, meet on one incident and hand over command', async () => {
    const { server, provider, browser } = ctx;
    const alice = await person(browser, server, 'Alice', { signedIn: false });
    const bob = await person(browser, server, 'Bob', { signedIn: false });
    const carol = await person(browser, server, 'Carol', { signedIn: false });
    await withScreenshots('oidc-crew', [alice, bob, carol], async () => {
      await alice.page.goto(server.url + '/');
      await alice.page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(await alice.page.getByLabel('Your name').count(), 0, 'no name form');
      await shot(alice.page, 'sign-in-oidc');
      await signInWithProvider(alice, provider, 'alice');
      await alice.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
      assert.equal(alice.page.url(), server.url + '/');
      assert.equal(await alice.page.locator('.my-name').textContent(), 'Alice');
      // Signed in by the provider: the name is the provider's to change, not Warroom's.
      assert.equal(await alice.page.getByRole('button', { name: 'Change name' }).count(), 0);
      await alice.page.getByRole('button', { name: 'Sign out' }).waitFor();
      const session = (await alice.context.cookies(server.url)).find((c) => c.name === 'warroom_session');
      assert.ok(session, 'a session cookie was set');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');

      const url = await declare(alice, 'Checkout errors after deploy');

      // Bob opens the shared link, signs in, and is back on that incident.
      await bob.page.goto(url);
      await bob.page.getByRole('heading', { name: 'Sign in to join this incident' }).waitFor();
      await signInWithProvider(bob, provider, 'bob');
      await bob.page.getByRole('heading', { level: 1, name: 'Checkout errors after deploy' }).waitFor();
      assert.equal(bob.page.url(), url);
      await live(bob.page);
      await alice.page.getByRole('listitem').filter({ hasText: /Bob\s*\(connected\)/ }).waitFor();
      await bob.page.getByRole('listitem').filter({ hasText: /Alice\s*\(connected\)/ }).waitFor();

      // The positive exchange of command, as in command.test.mjs.
      await alice.page.getByRole('button', { name: 'Hand over Commander' }).click();
      const dialog = alice.page.getByRole('dialog', { name: 'Hand over COMMAND' });
      await dialog.getByLabel('To (connected people only)').selectOption({ label: 'Bob' });
      await dialog.getByRole('button', { name: 'Offer COMMAND' }).click();
      await dialog.waitFor({ state: 'detached' });
      const prompt = bob.page.getByRole('region', { name: 'Alice is handing you COMMAND' });
      await prompt.getByRole('button', { name: 'I have control' }).click();
      await prompt.waitFor({ state: 'detached' });
      await alice.page.getByText('Bob says: I have control').waitFor();
      await alice.page.getByRole('button', { name: 'You have control' }).click();
      // Each is told their own part in the second person.
      for (const [p, line] of [
        [alice, 'You: "You have control" — Bob is now Commander'],
        [bob, 'Alice: "You have control" — you are now Commander'],
      ]) {
        await commanderName(p.page).filter({ hasText: 'Bob' }).waitFor();
        await timeline(p.page).getByText(line).waitFor();
      }

      // Someone with no session who opens the link is offered the organisation's sign-in.
      await carol.page.goto(url);
      await carol.page.getByRole('heading', { name: 'Sign in to join this incident' }).waitFor();
      const link = carol.page.getByRole('link', { name: 'Sign in with your organisation' });
      const incidentPath = new URL(url).pathname;
      assert.equal(await link.getAttribute('href'), `/auth/login?return=${encodeURIComponent(incidentPath)}`);
      assert.equal(await carol.page.getByLabel('Your name').count(), 0);
      assert.equal(await carol.page.getByText('● Live').count(), 0, 'no board before signing in');
      await shot(carol.page, 'sign-in-oidc-shared-link');
      assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
    });
    for (const p of [alice, bob, carol]) await p.context.close();
  });

  it('the same account is the same participant on another device, and signs out', async () => {
    const { server, provider, browser } = ctx;
    const laptop = await person(browser, server, 'Alice (laptop)', { signedIn: false });
    const phone = await person(browser, server, 'Alice (phone)', { signedIn: false });
    await withScreenshots('oidc-same-person', [laptop, phone], async () => {
      await laptop.page.goto(server.url + '/');
      await signInWithProvider(laptop, provider, 'alice');
      await laptop.page.locator('.my-name', { hasText: 'Alice' }).waitFor();
      const first = await me(laptop);
      assert.equal(first.status, 200);
      assert.match(first.body.participant, /^u-[a-z2-7]{26}$/);

      // The other device starts at the sign-in URL itself, asking to be sent to another site
      // afterwards: it is sent to the lobby instead.
      await phone.page.goto(server.url + '/auth/login?return=' + encodeURIComponent('//evil.example/'));
      await providerLogin(phone.page, provider, 'alice');
      await phone.page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
      assert.equal(phone.page.url(), server.url + '/');
      const second = await me(phone);
      assert.deepEqual(second.body, first.body, 'the same participant, name and rights');

      // Signing out ends this device's session only.
      await phone.page.getByRole('button', { name: 'Sign out' }).click();
      await phone.page.getByRole('link', { name: 'Sign in with your organisation' }).waitFor();
      assert.equal((await me(phone)).status, 401);
      assert.equal((await me(laptop)).status, 200);
      assert.deepEqual([...laptop.errors, ...phone.errors], []);
    });
    await laptop.context.close();
    await phone.context.close();
  });

  it('a callback that this browser did not start signs nobody in', async () => {
    const { server, browser } = ctx;
    const mallory = await person(browser, server, 'Mallory', { signedIn: false });
    await withScreenshots('oidc-forged-callback', [mallory], async () => {
      const response = await mallory.page.goto(server.url + '/auth/callback?code=stolen&state=forged');
      assert.equal(response.status(), 400);
      await mallory.page.getByRole('heading', { name: 'This sign-in has expired' }).waitFor();
      await mallory.page.getByRole('link', { name: 'Back to sign in' }).waitFor();
      assert.equal((await me(mallory)).status, 401);
    });
    await mallory.context.close();
  });

  it('never logs the client secret', () => {
    assert.ok(!ctx.server.log.join('').includes(CLIENT_SECRET));
  });
});

describe('signing in with an OpenID Connect provider, allowed domains only', () => {
  const ctx = oidcSuite(['--oidc-allowed-domain', 'ops.example.org']);

  it('refuses an account of another domain with a page that says why, and no session', async () => {
    const { server, provider, browser } = ctx;
    const dave = await person(browser, server, 'Dave', { signedIn: false });
    await withScreenshots('oidc-wrong-domain', [dave], async () => {
      await dave.page.goto(server.url + '/');
      const callback = dave.page.waitForResponse((r) => r.url().startsWith(server.url + '/auth/callback'));
      await signInWithProvider(dave, provider, 'dave');
      assert.equal((await callback).status(), 403);
      await dave.page.getByRole('heading', { name: 'Not allowed into this Warroom' }).waitFor();
      await dave.page.getByText('dave@example.com is not in a domain allowed here').waitFor();
      await shot(dave.page, 'sign-in-oidc-refused');
      assert.equal((await me(dave)).status, 401);
      const cookies = await dave.context.cookies(server.url);
      assert.equal(cookies.find((c) => c.name === 'warroom_session'), undefined);
      // Back to the app's sign-in page.
      await dave.page.getByRole('link', { name: 'Back to sign in' }).click();
      await dave.page.getByRole('link', { name: 'Sign in with your organisation' }).waitFor();
    });
    await dave.context.close();
    assert.match(ctx.server.log.join(''), /sign-in refused/);
  });
});

describe('signing in with an OpenID Connect provider, one group only', () => {
  const ctx = oidcSuite(['--oidc-required-group', 'responders']);

  it('lets the group in and refuses anyone else', async () => {
    const { server, provider, browser } = ctx;
    const erin = await person(browser, server, 'Erin', { signedIn: false });
    const dave = await person(browser, server, 'Dave', { signedIn: false });
    await withScreenshots('oidc-group', [erin, dave], async () => {
      await erin.page.goto(server.url + '/');
      await signInWithProvider(erin, provider, 'erin');
      await erin.page.locator('.my-name', { hasText: 'Erin' }).waitFor();

      await dave.page.goto(server.url + '/');
      const callback = dave.page.waitForResponse((r) => r.url().startsWith(server.url + '/auth/callback'));
      await signInWithProvider(dave, provider, 'dave');
      assert.equal((await callback).status(), 403);
      await dave.page.getByText('the account is not in the group responders').waitFor();
      assert.equal((await me(dave)).status, 401);
    });
    await erin.context.close();
    await dave.context.close();
  });
});
