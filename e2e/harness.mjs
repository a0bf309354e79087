// The end-to-end harness: the real `warroom` binary on a free port with a temporary data
// directory, serving the release build of the app, and Debian's Chromium driven by
// playwright-core. Each person in a test is a separate browser context (own cookies, so own
// session and own server-issued participant id). Failing tests leave screenshots in
// e2e/artifacts/. A server can serve https and wss (`--tls-cert`/`--tls-key`) with a
// certificate made for the run by npm's `selfsigned` (no key is ever committed).

import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { after, before } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import selfsigned from 'selfsigned';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifacts = path.join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const BIN = process.env.WARROOM_BIN ?? path.join(here, '..', 'target', 'debug', 'warroom');
const DIST = process.env.WARROOM_DIST ?? path.join(here, '..', 'dist');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A running server. `restart()` brings it back on the same port and data directory. */
export class Server {
  constructor(dataDir, port, extraArgs) {
    this.dataDir = dataDir;
    this.port = port;
    this.extraArgs = extraArgs;
    this.proc = null;
    this.url = null;
    this.log = [];
  }

  /**
   * Starts a server with these extra flags, on `port` (0 — the default — picks a free one).
   * Give a port from `freePort()` when the flags must name the server's own URL, as an
   * identity provider's redirect URI does. `tls`: serve https and wss with a self-signed
   * certificate for 127.0.0.1 and localhost.
   */
  static async start(extraArgs = [], { port = 0, tls = false } = {}) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'warroom-e2e-'));
    const tlsArgs = tls ? await certificateFiles(dataDir) : [];
    const server = new Server(dataDir, port, [...tlsArgs, ...extraArgs]);
    await server.launch();
    return server;
  }

  async launch() {
    const args = [
      'serve',
      '--addr', `127.0.0.1:${this.port}`,
      '--data-dir', this.dataDir,
      '--static-dir', DIST,
      ...this.extraArgs,
    ];
    const proc = spawn(BIN, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WARROOM_LOG: process.env.WARROOM_LOG ?? 'warn' },
    });
    this.proc = proc;
    proc.stderr.on('data', (d) => this.log.push(d.toString()));
    this.url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.log.join('')}`)), 15000);
      proc.stdout.on('data', (d) => {
        out += d.toString();
        const m = out.match(/Warroom is up: (https?:\/\/\S+?)\/?\s/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${this.log.join('')}`));
      });
    });
    this.port = Number(new URL(this.url).port);
  }

  /** SIGKILL: no goodbye, no flush beyond what was already durable. */
  async kill() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }

  async restart() {
    await this.launch();
  }

  /** Runs a `warroom` command on this server's data directory (e.g. `token create`, as an
   * admin on the server's machine would) and returns what it printed on stdout. */
  cli(args) {
    return execFileSync(BIN, [...args, '--data-dir', this.dataDir], { encoding: 'utf8' });
  }

  async dispose() {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; nothing holds it). */
export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A fresh self-signed certificate and key, written into `dir`; the flags that serve with them.
 * The browser does not trust it: contexts that visit need `ignoreHTTPSErrors: true`.
 */
async function certificateFiles(dir) {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const cert = path.join(dir, 'tls-cert.pem');
  const key = path.join(dir, 'tls-key.pem');
  writeFileSync(cert, pems.cert);
  writeFileSync(key, pems.private, { mode: 0o600 });
  return ['--tls-cert', cert, '--tls-key', key];
}

/**
 * For a `describe` block: a server (with these extra flags; `{ tls: true }` for https) and a
 * browser, started before its tests and torn down after them. Tests read `server` and
 * `browser` from the returned object.
 */
export function suite(serverArgs = [], serverOptions = {}) {
  const ctx = { server: null, browser: null };
  before(async () => {
    ctx.server = await Server.start(serverArgs, serverOptions);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.dispose();
  });
  return ctx;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A person at a browser: their own context, one page, the page's errors collected.
 * `viewport` defaults to a laptop. Signed in before the page opens, through the context's
 * request API (it shares the context's cookies, so the page has the session), unless
 * `signedIn` is false: then the page shows the sign-in form (see `signIn`).
 * `contextOptions` go to `browser.newContext`.
 */
export async function person(browser, server, name, {
  viewport = { width: 1280, height: 860 }, theme, signedIn = true, contextOptions = {},
} = {}) {
  const context = await browser.newContext({ viewport, ...contextOptions });
  if (theme) {
    await context.addInitScript((t) => localStorage.setItem('warroom.theme', JSON.stringify(t)), theme);
  }
  if (signedIn) {
    const r = await context.request.post(server.url + '/api/session', { data: { name } });
    if (r.status() !== 201) throw new Error(`signing ${name} in: ${r.status()} ${await r.text()}`);
  }
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())) {
      errors.push(m.text());
    }
  });
  return { name, context, page, errors, server };
}

/** Signs in through the page's visible form (the page must be showing it). */
export async function signIn(page, name, { joinCode } = {}) {
  await page.getByLabel('Your name', { exact: true }).fill(name);
  if (joinCode !== undefined) await page.getByLabel('Team join code', { exact: true }).fill(joinCode);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

/** Runs `body`; on failure saves a screenshot of every page, then rethrows. */
export async function withScreenshots(label, people, body) {
  try {
    await body();
  } catch (err) {
    for (const p of people) {
      const file = path.join(artifacts, `FAILED-${slug(label)}-${slug(p.name)}.png`);
      await p.page.screenshot({ path: file, fullPage: true }).catch(() => {});
    }
    throw err;
  }
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: false });
}

export function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Declares an incident through the lobby UI; returns its board URL. */
export async function declare(p, title, { severity = 'SEV2', drill = false, restricted = false } = {}) {
  const { page, server } = p;
  await page.goto(server.url + '/');
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Severity', { exact: true }).selectOption(severity);
  if (drill) await page.getByLabel('Exercise (drill)').check();
  if (restricted) await page.getByLabel('Restricted (members only)').check();
  await page.getByRole('button', { name: 'Declare', exact: true }).click();
  await page.waitForURL(/\/incidents\/[a-z0-9]+$/);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await live(page);
  return page.url();
}

/** Waits until the page's link to the server is live. */
export async function live(page) {
  await page.getByText('● Live').waitFor({ timeout: 15000 });
}

/** Posts a note of `kind` through the composer. */
export async function postNote(page, text, kind) {
  if (kind) await page.getByRole('group', { name: 'Kind of note' }).getByText(kind, { exact: true }).click();
  const box = page.getByLabel('Note', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** The timeline's entries region. */
export function timeline(page) {
  return page.getByRole('list', { name: 'Timeline entries, newest first' });
}

export function commanderName(page) {
  return page.locator('.commander-name');
}
