// Training role-play: a facilitator and two players run a short scenario on an exercise.
// Injects reach the players' boards at their scenario times and never before; pausing holds
// them; a trigger fires on the first handoff; the debrief's scorecard reflects what the players
// did. Exercises can be deleted, real incidents cannot.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, shot, timeline, withScreenshots, suite,
} from './harness.mjs';

const SCRIPT = `title = "Short drill: cache stampede"
briefing = "Logins are slow. You have just been paged."
suggested_crew = ["Commander", "Operations"]

[[inject]]
at = "T+00:05"
source = "Monitoring"
text = "ALERT: login p99 at 4 seconds"

[[inject]]
at = "T+00:14"
source = "Customer support"
text = "Customers report they cannot log in at all"

[[inject]]
after = "first_handoff"
source = "VP Engineering"
text = "Who is in charge now?"

[[expect]]
kind = "positive_exchange"

[[expect]]
kind = "status_update_every"
minutes = 1
`;

function exercisePanel(page) {
  return page.getByRole('region', { name: 'Exercise' });
}

describe('training role-play', () => {
  const ctx = suite();

  it('runs a scenario: injects on time and never early, pause holds them, scorecard reflects play', async () => {
    const { server, browser } = ctx;
    const ann = await person(browser, server, 'Ann');
    const bob = await person(browser, server, 'Bob');
    const fay = await person(browser, server, 'Fay');
    await withScreenshots('drill', [ann, bob, fay], async () => {
      const url = await declare(ann, 'Game day', { drill: true });
      for (const p of [bob, fay]) {
        await p.page.goto(url);
        await live(p.page);
      }
      // EXERCISE on every screen and in the tab's title.
      for (const p of [ann, bob, fay]) {
        await p.page.getByText('EXERCISE — EXERCISE — EXERCISE: this is a training drill').waitFor();
        assert.match(await p.page.title(), /^EXERCISE — Game day/);
      }
      await ann.page.getByRole('listitem').filter({ hasText: /Bob\s*\(connected\)/ }).waitFor();

      // Fay starts the scenario from her own file and becomes the facilitator.
      await fay.page.getByLabel('…or paste your own scenario file (TOML)').fill(SCRIPT);
      // Taken before the click, so the scenario's own start on the server is no earlier.
      const started = Date.now();
      await fay.page.getByRole('button', { name: 'Start the scenario as facilitator' }).click();
      const script = fay.page.getByRole('region', { name: 'Facilitator controls' });
      await script.getByText('Customers report they cannot log in at all').waitFor();
      for (const p of [ann, bob]) {
        await exercisePanel(p.page).getByText('Short drill: cache stampede').waitFor();
        // Players never see the script.
        assert.equal(await p.page.getByRole('region', { name: 'Facilitator controls' }).count(), 0);
        assert.equal(await p.page.getByText('Customers report they cannot log in at all').count(), 0);
      }

      // The first inject arrives at T+00:05, not before: absent while the clock is short of it,
      // and never arriving sooner than five seconds after the start.
      const first = 'Monitoring: ALERT: login p99 at 4 seconds';
      if (Date.now() - started < 4500) {
        assert.equal(await timeline(bob.page).getByText('ALERT: login p99 at 4 seconds').count(), 0);
      }
      for (const p of [ann, bob]) {
        await timeline(p.page).getByText('ALERT: login p99 at 4 seconds').waitFor({ timeout: 15000 });
      }
      const firstAfter = (Date.now() - started) / 1000;
      assert.ok(firstAfter >= 5, `the first inject came after ${firstAfter}s of a 5s schedule`);
      await ann.page.locator('.announcement', { hasText: first }).waitFor();
      await shot(bob.page, 'drill-inject');

      // Pause at about T+00:07: the T+00:14 inject is held for as long as the pause lasts.
      await script.getByRole('button', { name: 'Pause scenario' }).click();
      await exercisePanel(ann.page).getByText('PAUSED').waitFor();
      await ann.page.waitForTimeout(10000);
      assert.equal(await timeline(ann.page).getByText('Customers report they cannot log in at all').count(), 0,
        'nothing fires while paused');
      await script.getByRole('button', { name: 'Resume scenario' }).click();
      await timeline(ann.page).getByText('Customers report they cannot log in at all').waitFor({ timeout: 15000 });
      const secondAfter = (Date.now() - started) / 1000;
      assert.ok(secondAfter >= 20, `the second inject came after ${secondAfter}s: 14s plus a 10s pause`);

      // A handoff by positive exchange sets off the triggered inject.
      await ann.page.getByRole('button', { name: 'Hand over Commander' }).click();
      await ann.page.getByLabel('To (connected people only)').selectOption({ label: 'Bob' });
      await ann.page.getByRole('button', { name: 'Offer COMMAND' }).click();
      await bob.page.getByRole('button', { name: 'I have control' }).click();
      await ann.page.getByRole('button', { name: 'You have control' }).click();
      for (const p of [ann, bob]) {
        await timeline(p.page).getByText('Who is in charge now?').waitFor();
      }

      // Nobody posts a status update for over a minute of scenario time.
      const elapsed = Date.now() - started;
      await ann.page.waitForTimeout(Math.max(0, 85000 - elapsed));
      await script.getByRole('button', { name: 'End scenario' }).click();
      await exercisePanel(ann.page).getByText('ended').waitFor();

      // The debrief: the postmortem review with its scorecard.
      await fay.page.goto(`${url}/review`);
      const card = fay.page.getByRole('region', { name: /Scorecard/ });
      await card.waitFor();
      const row = (words) => card.getByRole('row').filter({ hasText: words });
      assert.match(await row('Command handed over by positive exchange').textContent(), /✓ met.*Ann handed command to Bob by positive exchange at T\+00:/);
      assert.match(await row('A status update at least every 1 min').textContent(), /✕ not met.*0 status updates/);
      await shot(fay.page, 'drill-scorecard');
    });
    for (const p of [ann, bob, fay]) await p.context.close();
  });

  it('deletes an exercise, and refuses to delete a real incident with the reason', async () => {
    const { server, browser } = ctx;
    const ann = await person(browser, server, 'Ann');
    await withScreenshots('delete', [ann], async () => {
      const realUrl = await declare(ann, 'Real outage');
      const real = realUrl.split('/').pop();
      const refused = await ann.page.evaluate(async (id) => {
        const r = await fetch(`/api/incidents/${id}`, { method: 'DELETE' });
        return { status: r.status, body: await r.json() };
      }, real);
      assert.equal(refused.status, 409);
      assert.match(refused.body.error, /Real incidents are never deleted/);
      // No delete control on a real incident's board.
      assert.equal(await ann.page.getByRole('button', { name: /Delete this exercise/ }).count(), 0);

      const drillUrl = await declare(ann, 'Throwaway drill', { drill: true });
      await ann.page.getByRole('button', { name: 'Delete this exercise…' }).click();
      await ann.page.getByRole('button', { name: 'Delete exercise' }).click();
      await ann.page.waitForURL(`${server.url}/`);
      // The lobby lists the real incident, not the deleted drill; its link no longer opens.
      await ann.page.getByRole('link', { name: 'Real outage' }).waitFor();
      assert.equal(await ann.page.getByRole('link', { name: 'Throwaway drill' }).count(), 0);
      await ann.page.goto(drillUrl);
      await ann.page.getByRole('heading', { name: 'This incident cannot be opened' }).waitFor();
    });
    await ann.context.close();
  });

  it('the scenario library lists the built-ins and checks a file, naming the line and field', async () => {
    const { server, browser } = ctx;
    const ann = await person(browser, server, 'Ann');
    await withScreenshots('library', [ann], async () => {
      await ann.page.goto(`${server.url}/`);
      await ann.page.getByRole('link', { name: 'Scenario library' }).click();
      for (const title of [
        'Bad configuration push: edge proxies at 100% CPU',
        'Primary database failover across regions',
        'Third-party dependency outage: object storage down in one region',
      ]) {
        await ann.page.getByRole('heading', { name: title }).waitFor();
      }
      await ann.page.getByLabel('Scenario file', { exact: true }).fill(SCRIPT.replace('at = "T+00:14"', 'at = "14 seconds"'));
      await ann.page.getByRole('button', { name: 'Check scenario' }).click();
      await ann.page.getByRole('alert').filter({ hasText: 'line 11, field `at`' }).waitFor();
      await ann.page.getByLabel('Scenario file', { exact: true }).fill(SCRIPT);
      await ann.page.getByRole('button', { name: 'Check scenario' }).click();
      await ann.page.getByText('Valid: "Short drill: cache stampede", 3 injects').waitFor();
    });
    await ann.context.close();
  });
});
