// The web monitor in a real headless browser: Debian's chromium driven by playwright-core.
//
// Run by `cli/tests/monitor.rs`, which starts the tracker and scheduler, submits the jobs named
// below through the gRPC API, and starts a worker when this script prints READY_FOR_WORKER (it
// answers with a line on stdin). Any failed check throws: the script exits non-zero and the
// Rust test fails with its output.
//
// Environment: MONITOR_URL, TEAM_TOKEN (team payments), QUEUED_JOB (to cancel), LIVE_JOB (runs
// once the worker starts), OTHER_JOB (team search's), SCREENSHOTS (a folder), CHROMIUM,
// PLAYWRIGHT_CORE (the package's folder).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('MONITOR_URL');
const shots = env('SCREENSHOTS');
const { chromium } = require(env('PLAYWRIGHT_CORE'));

// The first load must stay under this many bytes on the wire.
const FIRST_LOAD_BUDGET = 200 * 1024;

const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once('line', resolve));
const step = (what) => console.log(`- ${what}`);

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    // The flags that matter on a machine without network; playwright-core adds --no-sandbox
    // and a fresh profile of its own.
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    await run(browser);
  } finally {
    await browser.close();
  }
}

async function run(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });

  // Every byte of the first visit: login page, login, overview with its assets. The event
  // stream stays open, so it is counted by its headers only.
  const finished = [];
  page.on('requestfinished', (r) => finished.push(r));
  step('an anonymous visit lands on the login page');
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/login$/);
  assert.equal(await page.getAttribute('meta[name=viewport]', 'content'), 'width=device-width, initial-scale=1');

  step('a wrong token is refused');
  await page.getByLabel('API token').fill('not-a-valid-token-at-all');
  await page.keyboard.press('Enter');
  await page.getByRole('alert').waitFor();
  assert.match(page.url(), /\/login$/);

  step('logging in with the team token, by keyboard');
  await page.getByLabel('API token').fill(env('TEAM_TOKEN'));
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/`);
  await page.waitForLoadState('load');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'specdoc_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByText('team payments').first().waitFor();

  let firstLoad = 0;
  for (const request of finished) {
    const sizes = await request.sizes();
    firstLoad += sizes.responseHeadersSize + sizes.responseBodySize;
  }
  const perf = await page.evaluate(() =>
    [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      .reduce((sum, e) => sum + e.transferSize, 0));
  console.log(`FIRST_LOAD_BYTES ${firstLoad} (overview alone, Performance API: ${perf})`);
  assert.ok(firstLoad < FIRST_LOAD_BUDGET, `first load ${firstLoad} bytes`);
  assert.ok(perf < FIRST_LOAD_BUDGET, `overview ${perf} bytes`);

  const queued = env('QUEUED_JOB');
  const live = env('LIVE_JOB');
  const other = env('OTHER_JOB');

  step("the team's jobs are listed, another team's are not");
  await page.goto(`${base}/jobs`);
  await page.locator(`tr[data-job="${queued}"]`).waitFor();
  await page.locator(`tr[data-job="${live}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-job="${other}"]`).count(), 0);
  await page.goto(`${base}/jobs?team=search`);
  assert.equal(await page.locator(`[data-job="${other}"]`).count(), 0);
  await page.goto(`${base}/jobs?status=cancelled`);
  assert.equal(await page.locator('tr[data-job]').count(), 0, 'nothing cancelled yet');

  step("another team's job is a 404, exactly like a job that does not exist");
  const otherPage = await page.goto(`${base}/jobs/${other}`);
  assert.equal(otherPage.status(), 404);
  const otherText = await page.locator('main').innerText();
  const missing = await page.goto(`${base}/jobs/01900000-0000-7000-8000-000000000000`);
  assert.equal(missing.status(), 404);
  assert.equal(await page.locator('main').innerText(), otherText);
  const [otherBody, missingBody] = await Promise.all([other, '01900000-0000-7000-8000-000000000000']
    .map(async (id) => (await page.request.get(`${base}/jobs/${id}`)).text()));
  assert.equal(otherBody, missingBody);
  for (const url of [`/jobs/${other}/documents/html`, `/jobs/${other}/panel`, `/events/jobs/${other}`]) {
    assert.equal((await page.request.get(base + url)).status(), 404, url);
  }

  step('cancelling a queued job from its page');
  await page.goto(`${base}/jobs/${queued}`);
  assert.equal((await page.locator('#state').innerText()).trim(), 'queued');
  const forged = await page.request.post(`${base}/jobs/${queued}/cancel`, {
    headers: { Origin: 'http://evil.example' }, form: { csrf: 'x' },
  });
  assert.equal(forged.status(), 403, 'a cross-site cancel is refused');
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page.waitForURL(`${base}/jobs/${queued}`);
  await page.locator('#state .st-cancelled').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Cancel job' }).count(), 0);
  await page.getByText('cancelled: by team payments in the web monitor').first().waitFor();

  step('the steps of a running job appear live, without a reload');
  await page.goto(`${base}/jobs/${live}`);
  assert.equal(await page.locator('#timeline li').count(), 1, 'only "accepted" before a worker runs');
  await page.evaluate(() => { window.notReloaded = true; });
  console.log('READY_FOR_WORKER');
  await nextLine();
  for (const name of ['parse', 'generate', 'format', 'score', 'store']) {
    await page.locator('#timeline li', { has: page.locator('.step', { hasText: name }) }).first().waitFor();
  }
  await page.locator('#state .st-completed').waitFor();
  await page.locator('#results .score .value').waitFor();
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
  assert.equal(await page.getByRole('button', { name: 'Cancel job' }).count(), 0);
  await page.screenshot({ path: path.join(shots, 'job.png'), fullPage: false });

  step('the documents are served, the HTML one under the docs CSP');
  const htmlLink = page.getByRole('link', { name: 'HTML document' });
  const html = await page.request.get(base + await htmlLink.getAttribute('href'));
  assert.equal(html.status(), 200);
  assert.match(html.headers()['content-security-policy'], /default-src 'none'.*sandbox/);
  assert.match(await html.text(), /<html/);
  const markdown = await page.request.get(`${base}/jobs/${live}/documents/markdown`);
  assert.equal(markdown.status(), 200);
  assert.match(await markdown.text(), /^# /m);

  step('every job has finished');
  const deadline = Date.now() + 30000;
  for (;;) {
    const busy = await Promise.all(['queued', 'processing', 'retrying'].map(async (s) =>
      (await (await page.request.get(`${base}/jobs?status=${s}`)).text()).includes('data-job=')));
    if (!busy.includes(true)) break;
    assert.ok(Date.now() < deadline, 'jobs still running after 30 s');
    await page.waitForTimeout(250);
  }

  step('the overview shows the worker and the latest jobs');
  await page.goto(`${base}/`);
  await page.locator('#live table').first().waitFor();
  await page.screenshot({ path: path.join(shots, 'overview.png'), fullPage: true });

  step('the team charts');
  await page.goto(`${base}/teams`);
  await page.getByRole('heading', { name: 'Team payments' }).waitFor();
  assert.ok(await page.locator('svg.chart').count() >= 3, 'charts are drawn');
  await page.locator('#jobs-day-h').waitFor();
  await page.screenshot({ path: path.join(shots, 'teams.png'), fullPage: true });

  step('on a phone, the overview fits the screen');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: path.join(shots, 'overview-phone.png'), fullPage: false });

  step('logging out ends the session');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${base}/login`);
  await page.goto(`${base}/jobs`);
  assert.match(page.url(), /\/login$/);

  assert.deepEqual(external, [], 'no request left the monitor');
}

main().then(
  () => { console.log('MONITOR_BROWSER_OK'); process.exit(0); },
  (error) => { console.error(error && error.stack ? error.stack : error); process.exit(1); },
);
