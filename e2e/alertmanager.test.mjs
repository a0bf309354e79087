// Alerts in, through a real Prometheus Alertmanager (Debian's 0.25): its own configuration
// routes every alert to Warroom's receiver with a bearer credential and `send_resolved`;
// 200 alerts pushed into it through its API (`POST /api/v2/alerts`) in one group arrive as
// one incident that a declaring rule opens — nobody in command, with Take command on the
// strip — and one annunciator line with a count of 200 in Chromium; a group no rule routes
// waits as unrouted until the commander links it; resolving the 200 (endsAt in the past)
// turns their line dark and the timeline says so.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, freePort, launchBrowser, live, person, timeline, withScreenshots } from './harness.mjs';

const AM = process.env.ALERTMANAGER ?? 'prometheus-alertmanager';
// Generous but bounded: Alertmanager notifies after group_wait (1 s) and then every
// group_interval (2 s).
const ARRIVAL = 30_000;

/** The configuration README.md shows, with this run's port and integration token. */
function alertmanagerConfig(warroomUrl, token) {
  return `route:
  receiver: warroom
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: warroom
    webhook_configs:
      - url: ${warroomUrl}/api/hooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${token}
`;
}

/** Polls `check` until it returns something truthy, for at most `ms`. */
async function until(what, check, ms = ARRIVAL) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('alertmanager', () => {
  let dir, server, browser, am, amUrl;
  const amLog = [];

  before(async () => {
    try {
      execFileSync(AM, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${AM} is not installed: apt-get install -y prometheus-alertmanager (cargo xtask e2e does)`);
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'warroom-am-'));
    const rules = path.join(dir, 'rules.toml');
    writeFileSync(rules, `[[rule]]
match = { severity = "critical" }
declare = { title = "{alertname} on {service}", severity_label = "sev", severity = "SEV1" }
`);
    server = await Server.start(['--alert-rules', rules]);
    // The token an admin makes for Alertmanager, printed once.
    const token = server.cli(['token', 'create', '--scope', 'alerts:write', '--name', 'alertmanager']).trim();
    assert.match(token, /^wrt_/);
    const config = path.join(dir, 'alertmanager.yml');
    writeFileSync(config, alertmanagerConfig(server.url, token));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(AM, [
      `--config.file=${config}`,
      `--storage.path=${path.join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    am.stderr.on('data', (d) => amLog.push(d.toString()));
    am.on('exit', (code) => amLog.push(`exited with ${code}`));
    await until('Alertmanager to be ready', async () => {
      const r = await fetch(`${amUrl}/-/ready`).catch(() => null);
      return r?.ok;
    }, 15_000).catch((e) => { throw new Error(`${e.message}:\n${amLog.join('')}`); });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (am && am.exitCode === null) {
      const exited = new Promise((r) => am.once('exit', r));
      am.kill('SIGTERM');
      await exited;
    }
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Pushes alerts into Alertmanager through its own API. */
  async function pushAlerts(alerts) {
    const r = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(alerts),
    });
    assert.equal(r.status, 200, await r.text());
  }

  /** Pushes the 200 alerts of one group into Alertmanager, ending at `endsAt`. */
  async function push(endsAt) {
    const alerts = Array.from({ length: 200 }, (_, i) => ({
      labels: { alertname: 'HighLatency', service: 'checkout', severity: 'critical', sev: '1', instance: `node-${i}` },
      annotations: { summary: 'p99 latency over 2 s' },
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: endsAt.toISOString(),
      generatorURL: 'http://prometheus.example/graph',
    }));
    await pushAlerts(alerts);
  }

  it('shows 200 alerts of one group as one line, declared by a rule, and darkens it when they resolve', async () => {
    const started = Date.now();
    const alice = await person(browser, server, 'Alice');
    await withScreenshots('alertmanager', [alice], async () => {
      await push(new Date(Date.now() + 3600_000));
      // And a group no rule routes: it waits, unrouted, for a commander to link it.
      await pushAlerts(['db-1', 'db-2', 'db-3'].map((instance) => ({
        labels: { alertname: 'DiskFull', service: 'db', severity: 'warning', instance },
        annotations: { summary: 'Disk over 90%' },
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
      })));
      // The declaring rule opens the incident, in the integration's name.
      const incident = await until('the declared incident', async () => {
        const r = await alice.context.request.get(server.url + '/api/incidents');
        const list = await r.json();
        return list.find((i) => i.title === 'HighLatency on checkout');
      }).catch((e) => { throw new Error(`${e.message}; Alertmanager said:\n${amLog.join('')}`); });
      assert.equal(incident.severity, 'SEV1');
      console.log(`# the incident was declared ${Date.now() - started} ms after the push`);

      const page = alice.page;
      await page.goto(`${server.url}/incidents/${incident.id}`);
      await live(page);
      // Nobody is in command, and the strip says so and offers to take it.
      const strip = page.getByLabel('Command strip');
      await strip.getByText('Nobody', { exact: true }).waitFor();
      await strip.getByText('declared by alertmanager (integration)').waitFor();

      // One annunciator line for the whole group, with its count.
      await page.getByRole('button', { name: /^Alerts \(\d+\)$/ }).click();
      const annunciator = page.getByRole('region', { name: 'Annunciator' });
      const line = annunciator.getByRole('listitem').filter({ hasText: 'firing · alertname=HighLatency' });
      await line.filter({ hasText: '200 firing · alertname=HighLatency service=checkout' }).waitFor({ timeout: ARRIVAL });
      assert.equal(await line.count(), 1, 'one line for 200 alerts');
      assert.match(await line.textContent(), /WARNING/);
      console.log(`# the line showed 200 firing ${Date.now() - started} ms after the push`);

      // Alice takes command by the normal rules.
      await strip.getByRole('button', { name: 'Take command' }).click();
      await strip.getByText('Alice', { exact: true }).waitFor();
      await strip.getByText('Nobody', { exact: true }).waitFor({ state: 'detached' });

      // As commander she sees the unrouted group and links it here: one more line, a caution.
      const unrouted = annunciator.getByRole('region', { name: 'Unrouted alerts' });
      const waiting = unrouted.getByRole('listitem').filter({ hasText: '3 firing · alertname=DiskFull service=db severity=warning' });
      // The list is read when shown and every 5 s while it is.
      await waiting.waitFor({ timeout: ARRIVAL });
      await waiting.getByRole('button', { name: 'Link to this incident' }).click();
      const linked = annunciator.getByRole('listitem')
        .filter({ hasText: '3 firing · alertname=DiskFull' })
        .filter({ has: page.getByRole('button', { name: 'Acknowledge group' }) });
      await linked.waitFor();
      assert.match(await linked.textContent(), /CAUTION/);
      await waiting.waitFor({ state: 'detached' });
      await timeline(page).getByText(/You linked alert group alertname=DiskFull/).first().waitFor();

      // Resolving every alert turns the line dark; the timeline narrates it.
      const resolving = Date.now();
      await push(new Date(Date.now() - 1000));
      await line.waitFor({ state: 'detached', timeout: ARRIVAL });
      await timeline(page).getByText(/alertmanager \(integration\): resolved · alertname=HighLatency service=checkout/).first().waitFor();
      console.log(`# the line went dark ${Date.now() - resolving} ms after the alerts resolved; ${Date.now() - started} ms in all`);
      assert.deepEqual(alice.errors, []);
    });
  });
});
