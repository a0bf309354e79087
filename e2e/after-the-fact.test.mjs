// Recording an incident after the fact from the lobby, months later: "Record an incident
// after the fact" beside Declare, its mistakes said at the field (a start in the future, an
// impact ending before it began), then the incident of four months ago with its impact window;
// its board says it was recorded after the fact. From the board's Postmortem panel the
// commander imports a timeline file: one with a bad row in the middle enters nothing and names
// the row at the field, the good one enters every row, each marked "imported" on the board,
// in the review and in the downloaded draft.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { live, person, timeline, withScreenshots, suite } from './harness.mjs';

/** `YYYY-MM-DD`, `HH:MM` and `YYYY-MM-DDTHH:MM` of a moment, in the page's time zone. */
function local(page, ms) {
  return page.evaluate((ms) => {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, '0');
    const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
    const time = `${p(d.getHours())}:${p(d.getMinutes())}`;
    return { date, time, both: `${date}T${time}` };
  }, ms);
}

/** `YYYY-MM-DD HH:MM` in UTC, as a timeline file gives it. */
function utc(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

describe('recording after the fact', () => {
  const ctx = suite();

  it('records an incident of months ago from the lobby and imports its timeline from the board', async () => {
    const { server, browser } = ctx;
    const alice = await person(browser, server, 'Alice');
    const { page } = alice;
    await withScreenshots('after-the-fact', [alice], async () => {
      await page.goto(server.url + '/');
      const opener = page.getByRole('button', { name: 'Record an incident after the fact' });
      await opener.click();
      assert.equal(await opener.getAttribute('aria-expanded'), 'true');
      const form = page.getByRole('form', { name: 'Record an incident after the fact' });
      const title = form.getByLabel('Title of the incident');
      // The form opened by the person takes the focus.
      await page.waitForFunction(() => document.activeElement?.id === 'retro-title');

      // Mistakes are said at their field, which is marked and focused.
      const record = form.getByRole('button', { name: 'Record after the fact' });
      await record.click();
      await form.getByText('Give the incident a title: what broke, for whom.').waitFor();
      assert.equal(await title.getAttribute('aria-invalid'), 'true');
      assert.equal(await title.getAttribute('aria-describedby'), 'retro-title-error');
      await title.fill('Billing double charges');
      const nextYear = await local(page, Date.now() + 400 * 86400e3);
      await form.getByLabel('Date it started').fill(nextYear.date);
      await form.getByLabel('Time it started').fill('09:30');
      await record.click();
      const date = form.getByLabel('Date it started');
      await form.getByText('That is in the future: give when it happened.').waitFor();
      assert.equal(await date.getAttribute('aria-invalid'), 'true');
      assert.equal(await title.getAttribute('aria-invalid'), 'false');
      await page.waitForFunction(() => document.activeElement?.id === 'retro-date');

      // Four months ago, about 09:30; the impact from the evening before to 15:00.
      const startMs = await page.evaluate(() => {
        const d = new Date(Date.now() - 120 * 86400e3);
        d.setHours(9, 30, 0, 0);
        return d.getTime();
      });
      const start = await local(page, startMs);
      await date.fill(start.date);
      await form.getByLabel('How exact').selectOption('about');
      await form.getByLabel('Severity of the incident').selectOption('SEV2');
      await form.getByLabel('Impact began').fill((await local(page, startMs - 11.5 * 3600e3)).both);
      await form.getByLabel('Impact ended').fill((await local(page, startMs - 12 * 3600e3)).both);
      await record.click();
      await form.getByText('The impact cannot end before it began.').waitFor();
      assert.equal(await form.getByLabel('Impact ended').getAttribute('aria-invalid'), 'true');
      await form.getByLabel('Impact ended').fill((await local(page, startMs + 5.5 * 3600e3)).both);
      await record.click();

      // Its board: recorded after the fact, declared back then, the impact window set.
      await page.waitForURL(/\/incidents\/[a-z0-9]+$/);
      await page.getByRole('heading', { level: 1, name: 'Billing double charges' }).waitFor();
      await live(page);
      await page.getByRole('note').filter({ hasText: 'Recorded after the fact' }).waitFor();
      const panel = page.getByRole('region', { name: 'Postmortem' });
      await panel.getByText(/^Impact: \d{4}-\d\d-\d\d \d\d:\d\d UTC → \d{4}-\d\d-\d\d \d\d:\d\d UTC$/).waitFor();

      // A timeline file with a bad row in the middle: nothing enters, the row is named.
      const csv = (middle) => Buffer.from([
        'time,precision,actor,kind,text',
        `${utc(startMs + 10 * 60e3)},exact,Dana,observation,Dashboards show double charges`,
        `${utc(startMs + 20 * 60e3)},about,Eli,${middle}`,
        `${utc(startMs + 30 * 60e3)},exact,Dana,decision,Pause the billing run`,
        '',
      ].join('\n'));
      const file = panel.getByLabel('Timeline file (CSV or JSON)');
      await file.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: csv('observation,"  "') });
      await panel.getByRole('button', { name: 'Import timeline' }).click();
      await panel.getByText('Nothing was imported: line 3: A note cannot be empty.').waitFor();
      assert.equal(await file.getAttribute('aria-invalid'), 'true');
      assert.equal(await file.getAttribute('aria-describedby'), 'pm-timeline-error');
      assert.equal(await timeline(page).getByRole('listitem').filter({ hasText: 'Dashboards show double charges' }).count(), 0,
        'the good rows before the bad one did not enter either');

      // The good file: every row enters, each marked imported (and entered later).
      await file.setInputFiles({ name: 'timeline.csv', mimeType: 'text/csv', buffer: csv('hypothesis,The retry job runs twice') });
      await panel.getByRole('button', { name: 'Import timeline' }).click();
      await panel.getByRole('status').filter({ hasText: 'Imported 3 rows from “timeline.csv”.' }).waitFor();
      assert.equal(await file.getAttribute('aria-invalid'), 'false');
      for (const [text, who] of [
        ['Dashboards show double charges', 'Dana'], ['The retry job runs twice', 'Eli'], ['Pause the billing run', 'Dana'],
      ]) {
        const entry = timeline(page).getByRole('listitem').filter({ hasText: text });
        await entry.getByText('imported', { exact: true }).waitFor();
        await entry.getByText('entered later', { exact: true }).waitFor();
        await entry.getByText(who, { exact: true }).waitFor();
      }
      const approx = timeline(page).getByRole('listitem').filter({ hasText: 'The retry job runs twice' }).locator('time');
      assert.match(await approx.textContent(), /^≈T\+00:2\d:\d\d · ≈\d\d:\d\d:00Z$/);

      // The review marks them too, and so does the draft.
      await page.getByRole('link', { name: 'Review' }).click();
      const recorder = page.getByRole('region', { name: 'Board at this moment' });
      await recorder.waitFor();
      await recorder.getByRole('listitem').filter({ hasText: 'Pause the billing run' })
        .getByText('imported', { exact: true }).first().waitFor();
      const [md] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download the postmortem draft (Markdown)' }).click(),
      ]);
      const text = readFileSync(await md.path(), 'utf8');
      assert.match(text, /^> \*\*Recorded after the fact\*\*/m);
      assert.match(text, /^> \*\*5 of \d+ entries were imported from a timeline file\*\*/m);
      assert.match(text, /“Pause the billing run” \(entered later\) \(imported\)/);
      assert.match(text, /^- Duration: 17:00:00$/m);
    });
    await alice.context.close();
  });
});
