// The cockpit layout: with a timeline long enough to scroll, scrolled to its end, what matters
// stays in view — the command strip, the alarm bar, "For you", the composer — on a laptop
// (1440 × 900, the page itself never scrolls) and on a phone (390 × 844: a strip of at most
// 120 px, the composer docked, one panel at a time). STOP THE LINE is acknowledged from the
// bar; what waits on a responder shows in "For you" and brings its row into view; a notice
// never covers the strip or the alarm bar; the review page fits the phone.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  declare, live, person, shot, timeline, withScreenshots, suite,
} from './harness.mjs';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const strip = (page) => page.getByRole('banner', { name: 'Command strip' });
const alarmBar = (page) => page.getByRole('region', { name: 'Alarm bar' });
const forYou = (page) => page.getByRole('region', { name: /^For you/ });
const composer = (page) => page.getByLabel('Note', { exact: true });
const action = (page, text) => page.getByRole('listitem', { name: new RegExp(`^Action \\d+: ${text}$`) });

/** The element's box, which must be entirely inside the window. */
async function inView(page, locator, what) {
  await locator.waitFor();
  const box = await locator.boundingBox();
  const { width, height } = page.viewportSize();
  assert.ok(box, `${what} has a box`);
  assert.ok(
    box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5,
    `${what} is inside the ${width}×${height} window: ${JSON.stringify(box)}`,
  );
  return box;
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Posts `count` notes quickly through the composer, and waits for the last. */
async function postMany(page, count, stem) {
  const box = composer(page);
  for (let i = 1; i <= count; i++) {
    await box.fill(`${stem} ${i}`);
    await box.press('Enter');
  }
  await timeline(page).getByText(`${stem} ${count}`, { exact: true }).waitFor();
}

/** Scrolls the timeline to its end (its oldest entry) and waits until that entry is shown. */
async function scrollTimelineToEnd(page) {
  const oldest = timeline(page).getByRole('listitem').last();
  await oldest.scrollIntoViewIfNeeded();
  // Whatever scrolled (the timeline's pane or the page), it is at its end now.
  const atEnd = await oldest.evaluate((el) => {
    let pane = el.parentElement;
    while (pane && pane.scrollHeight <= pane.clientHeight + 1) pane = pane.parentElement;
    const scroller = pane ?? document.scrollingElement;
    return scroller.scrollTop > 0 && Math.abs(scroller.scrollTop + scroller.clientHeight - scroller.scrollHeight) < 60;
  });
  assert.ok(atEnd, 'the timeline scrolled, to its end');
}

/** Alice declares and commands; Bob joins; both see each other connected. */
async function crew(browser, server, title, bobViewport) {
  const alice = await person(browser, server, 'Alice', { viewport: DESKTOP });
  const bob = await person(browser, server, 'Bob', { viewport: bobViewport });
  const url = await declare(alice, title);
  await bob.page.goto(url);
  await live(bob.page);
  await alice.page.getByRole('listitem').filter({ hasText: /Bob\s*\(connected\)/ }).waitFor();
  return { alice, bob, url };
}

async function assign(page, to, text) {
  const form = page.getByRole('form', { name: 'Assign an action' });
  await form.getByLabel('Assign to').selectOption({ label: to });
  await form.getByLabel('Action', { exact: true }).fill(text);
  await form.getByRole('button', { name: 'Assign' }).click();
}

async function raiseSafetyIssue(page, text) {
  await page.getByText('This is a safety issue', { exact: true }).click();
  await page.getByLabel('What worries you').fill(text);
  await page.getByRole('button', { name: 'Raise concern' }).click();
}

/** Offers command to `toName` from the crew panel's hand-over dialog. */
async function offerCommand(page, toName) {
  await page.getByRole('button', { name: 'Hand over Commander' }).click();
  const dialog = page.getByRole('dialog', { name: 'Hand over COMMAND' });
  await dialog.getByLabel('To (connected people only)').selectOption({ label: toName });
  await dialog.getByRole('button', { name: 'Offer COMMAND' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** While the notice with `text` shows, it covers neither the strip nor the alarm bar. */
async function noticeClearOfTheTop(page, text) {
  // The notice area speaks politely (a status region); a timeline entry may say the same.
  const notice = page.getByRole('status').getByText(text);
  await notice.waitFor();
  const box = await notice.boundingBox();
  for (const [what, locator] of [['the command strip', strip(page)], ['the alarm bar', alarmBar(page)]]) {
    const other = await locator.boundingBox();
    assert.ok(!overlaps(box, other), `the notice ${JSON.stringify(box)} covers ${what} ${JSON.stringify(other)}`);
  }
  assert.equal(await page.getByRole('status').getByText(text).count(), 1, 'the notice is shown once');
}

describe('the cockpit', () => {
  const ctx = suite(['--rate-limit', '100000', '--rate-burst', '100000']);

  it('on a laptop: the strip, the alarm bar, "For you" and the composer stay in view', async () => {
    const { server, browser } = ctx;
    const { alice, bob } = await crew(browser, server, 'Checkout errors for EU customers', DESKTOP);
    await withScreenshots('cockpit-desktop', [alice, bob], async () => {
      await postMany(alice.page, 40, 'Observation number');
      await timeline(bob.page).getByText('Observation number 40', { exact: true }).waitFor();
      for (const p of [alice, bob]) {
        await scrollTimelineToEnd(p.page);
        const pageScrolls = await p.page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
        assert.ok(pageScrolls <= 0, `the page itself does not scroll (${pageScrolls}px too tall)`);
        await inView(p.page, strip(p.page), 'the command strip');
        await inView(p.page, alarmBar(p.page), 'the alarm bar');
        await inView(p.page, forYou(p.page), '"For you"');
        await inView(p.page, composer(p.page), 'the composer');
      }
      await forYou(bob.page).getByText('Nothing waits on you.').waitFor();

      // An action for Bob waits on him in "For you"; its item brings the row into view.
      await assign(alice.page, 'Bob', 'Roll back deploy 4711');
      const item = forYou(bob.page).getByRole('button', { name: /Read back.*Roll back deploy 4711/ });
      await item.waitFor();
      await item.click();
      await inView(bob.page, action(bob.page, 'Roll back deploy 4711'), 'the action brought into view');
      await action(bob.page, 'Roll back deploy 4711').getByLabel('Read it back in your own words').fill('Rolling back 4711 now');
      await action(bob.page, 'Roll back deploy 4711').getByRole('button', { name: 'Read back' }).click();
      await item.waitFor({ state: 'detached' });
      // Now it waits on Alice, who assigned it.
      await forYou(alice.page).getByRole('button', { name: /Confirm the readback.*Rolling back 4711 now/ }).waitFor();

      // STOP THE LINE is in the bar on every screen; the commander acknowledges it there.
      await raiseSafetyIssue(bob.page, 'The rollback drops in-flight payments');
      for (const p of [alice, bob]) {
        const stop = alarmBar(p.page).getByRole('alert').filter({ hasText: 'STOP THE LINE' });
        await inView(p.page, stop, 'STOP THE LINE');
      }
      assert.equal(await alarmBar(bob.page).getByRole('button', { name: 'Acknowledge', exact: true }).count(), 0,
        'only the commander acknowledges');
      await forYou(alice.page).getByRole('button', { name: /Acknowledge.*The rollback drops in-flight payments/ }).waitFor();
      await shot(alice.page, 'cockpit-stop-the-line');
      await alarmBar(alice.page).getByRole('button', { name: 'Acknowledge', exact: true }).click();
      await alarmBar(alice.page).getByLabel('Your response to the safety issue').fill('Draining payments before the rollback');
      await alarmBar(alice.page).getByRole('button', { name: 'Send acknowledgement' }).click();
      for (const p of [alice, bob]) {
        await alarmBar(p.page).getByText('STOP THE LINE').waitFor({ state: 'detached' });
        await p.page.getByText('Acknowledged by Alice: Draining payments before the rollback').waitFor();
      }

      // The alarm bar expands into the annunciator's list.
      await alarmBar(alice.page).getByRole('button', { name: /^Alerts \(\d+\)$/ }).click();
      await alice.page.getByRole('region', { name: 'Annunciator' }).getByRole('listitem').first().waitFor();

      // A handoff's announcement shows in the notice area, clear of the strip and the bar.
      await offerCommand(alice.page, 'Bob');
      await bob.page.getByRole('region', { name: 'Alice is handing you COMMAND' })
        .getByRole('button', { name: 'I have control' }).click();
      await alice.page.getByRole('button', { name: 'You have control' }).click();
      await noticeClearOfTheTop(alice.page, 'Bob is now in COMMAND');
      await noticeClearOfTheTop(bob.page, 'You are now in COMMAND');
      // A dialog opened while the notice shows is above it: at the notice's middle, the
      // topmost thing is the dialog's backdrop, not the notice.
      await bob.page.getByRole('button', { name: 'Hand over Commander' }).click();
      const dialog = bob.page.getByRole('dialog', { name: 'Hand over COMMAND' });
      await dialog.waitFor();
      const notice = bob.page.getByRole('status').getByText('You are now in COMMAND');
      const covered = await notice.evaluate((el) => {
        // Notices let clicks through; for this look, they take them, so that the point finds
        // the notice if it were on top.
        const chain = [];
        for (let e = el; e; e = e.parentElement) chain.push([e, e.style.pointerEvents]);
        for (const [e] of chain) e.style.pointerEvents = 'auto';
        const r = el.getBoundingClientRect();
        const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        for (const [e, was] of chain) e.style.pointerEvents = was;
        return !el.contains(top);
      });
      assert.ok(covered, 'the dialog is above the notice');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
    });
    await alice.context.close();
    await bob.context.close();
  });

  it('on a phone: a compact strip, the composer docked, panels by tabs, the review fits', async () => {
    const { server, browser } = ctx;
    const { alice, bob, url } = await crew(browser, server, 'Payments latency in the EU region', PHONE);
    await withScreenshots('cockpit-phone', [alice, bob], async () => {
      await postMany(alice.page, 40, 'Phone observation');
      await timeline(bob.page).getByText('Phone observation 40', { exact: true }).waitFor();
      await scrollTimelineToEnd(bob.page);
      const top = await inView(bob.page, strip(bob.page), 'the command strip');
      const bar = await inView(bob.page, alarmBar(bob.page), 'the alarm bar');
      assert.ok(bar.y + bar.height - top.y <= 120, `strip and alarm bar take ${bar.y + bar.height - top.y}px`);
      // Who is in command, the severity, T+ and the link are in the compact strip.
      await strip(bob.page).getByText('Alice', { exact: true }).waitFor();
      await strip(bob.page).getByText('● Live').waitFor();
      await strip(bob.page).getByText(/^T\+\d\d:\d\d:\d\d$/).waitFor();
      await inView(bob.page, forYou(bob.page), '"For you"');
      const note = await inView(bob.page, composer(bob.page), 'the composer');
      assert.ok(note.width >= 200, `the composer is ${note.width}px wide`);
      assert.ok(await bob.page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no sideways scroll');

      // Bob posts from the bottom of the timeline.
      await composer(bob.page).fill('Posted from the phone');
      await composer(bob.page).press('Enter');
      await timeline(alice.page).getByText('Posted from the phone', { exact: true }).waitFor();

      // The panels are tabs, with counts; an action for Bob shows in "For you" and its item
      // opens the Actions panel at the row.
      const tabs = bob.page.getByRole('tablist', { name: 'Panels' });
      for (const name of ['Timeline', 'Actions', 'Concerns', 'Checklists', 'Crew']) {
        await tabs.getByRole('tab', { name: new RegExp(`^${name} \\d+$`) }).waitFor();
      }
      await assign(alice.page, 'Bob', 'Page the payments team');
      await tabs.getByRole('tab', { name: 'Actions 1' }).waitFor();
      await shot(bob.page, 'cockpit-phone');
      await forYou(bob.page).getByRole('button', { name: /Read back.*Page the payments team/ }).click();
      assert.equal(await tabs.getByRole('tab', { name: /^Actions/ }).getAttribute('aria-selected'), 'true');
      await inView(bob.page, action(bob.page, 'Page the payments team'), 'the action brought into view');
      await inView(bob.page, composer(bob.page), 'the composer, on the Actions tab');
      await tabs.getByRole('tab', { name: /^Crew/ }).click();
      await bob.page.getByRole('button', { name: 'Claim Scribe' }).waitFor();

      // A notice on the phone stays clear of the strip and the alarm bar.
      await offerCommand(alice.page, 'Bob');
      await bob.page.getByRole('region', { name: 'Alice is handing you COMMAND' }).waitFor();
      await alice.page.getByRole('button', { name: 'Cancel offer' }).click();
      await noticeClearOfTheTop(bob.page, /^Offer of .* cancelled/);

      // The rest of the strip is behind "More"; the review page fits the phone.
      await strip(bob.page).getByRole('button', { name: 'More' }).click();
      await strip(bob.page).getByRole('link', { name: 'Review' }).click();
      await bob.page.getByRole('heading', { level: 1, name: 'Payments latency in the EU region' }).waitFor();
      await bob.page.getByText(/^Event \d+ of \d+/).waitFor();
      assert.ok(await bob.page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'the review fits 390 px');
      assert.equal(await bob.page.getByText(/Board rebuilt in/).count(), 0, 'no developer figure');
      assert.ok(url);
    });
    await alice.context.close();
    await bob.context.close();
  });
});
