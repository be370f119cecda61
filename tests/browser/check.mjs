// Drives Debian's chromium (through playwright-core) against a running `govwire serve` and
// checks what a person sees. Run by tests/it/browser.rs and by scripts/browser-check.sh.
//
//   node check.mjs BASE_URL [--query=OZG] [--extra=NAME=/path ...] [--profile=DIR]
//                  [--screenshots=DIR] [--report]
//
// Checks, each failure collected and printed, exit status 1 if there was any:
// - every page type (found by following links from / and /sources, plus --extra pages): no
//   horizontal overflow at 320, 390 and 1280 px, no console errors, no CSP violations, no
//   failed requests (favicon included), and axe-core with 0 violations in the light and the
//   dark colour scheme;
// - the digest printed (media print, and a PDF): no navigation, pager or footer;
// - the search form: type the query, submit with Enter and with the button, hits appear; the
//   same for the trends form (a chart appears); the pager link and a facet link lead to hits.
// --screenshots writes NAME-390.png, NAME-390-dark.png and NAME-1280.png; --report prints
// the measured page widths as JSON.

import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const args = process.argv.slice(2);
const base = args.find((a) => !a.startsWith('--'));
if (!base) {
  console.error('usage: node check.mjs BASE_URL [--query=Q] [--extra=NAME=/path] [--screenshots=DIR]');
  process.exit(2);
}
const opt = (name) => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const query = opt('query')[0] ?? 'OZG';
const shots = opt('screenshots')[0];
const report = args.includes('--report');
const profile = opt('profile')[0] ?? mkdtempSync(join(tmpdir(), 'govwire-chromium-'));
if (shots) mkdirSync(shots, { recursive: true });

const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.log(`FAIL ${msg}`);
};

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 390, height: 844 },
});

/** A page that records console errors, CSP violations and failed requests into `problems`. */
async function newPage(problems) {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      // A 404 page's own status is reported as a console error; that one is expected.
      if (page.__expect404 && /status of 404/.test(m.text())) return;
      problems.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !(page.__expect404 && r.request().isNavigationRequest())) {
      problems.push(`HTTP ${r.status()} for ${r.url()}`);
    }
  });
  return page;
}

const page = await newPage([]);

/** Site-relative hrefs on `path` matching `re`. */
async function links(path, re) {
  await page.goto(base + path);
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
  return hrefs.filter((h) => re.test(h));
}

// Page types, found the way a visitor finds them.
const pages = [['home', '/']];
const first = async (name, from, re) => {
  const found = await links(from, re);
  if (found.length === 0) fail(`no link matching ${re} on ${from}`);
  else pages.push([name, found[0]]);
};
await first('article', '/', /^\/article\//);
pages.push(['sources', '/sources']);
await first('source', '/sources', /^\/source\/[^/]+$/);
pages.push(['keywords', '/keywords']);
await first('keyword', '/keywords', /^\/keyword\/[^/]+$/);
pages.push(['regions', '/regions']);
await first('land', '/regions', /^\/land\/[^/]+$/);
await first('level', '/regions', /^\/level\/[^/]+$/);
await first('tag', pages.find(([n]) => n === 'article')?.[1] ?? '/', /^\/tag\/[^/]+$/);
pages.push(['digest', '/digest']);
pages.push(['search', `/search?q=${encodeURIComponent(query)}`]);
pages.push(['search-empty', '/search']);
pages.push(['trends', `/trends?q=${encodeURIComponent(query)}`]);
pages.push(['notfound', '/gibt-es-nicht']);
for (const e of opt('extra')) {
  const i = e.indexOf('=');
  pages.push([e.slice(0, i), e.slice(i + 1)]);
}

const widths = {};
for (const [name, path] of pages) {
  const problems = [];
  const p = await newPage(problems);
  p.__expect404 = name === 'notfound';
  widths[name] = {};
  for (const [scheme, width] of [['light', 1280], ['light', 320], ['dark', 390], ['light', 390]]) {
    await p.setViewportSize({ width, height: 844 });
    await p.emulateMedia({ colorScheme: scheme });
    const resp = await p.goto(base + path);
    const status = resp?.status();
    if (status !== (name === 'notfound' ? 404 : 200)) fail(`${name} ${path}: HTTP ${status}`);
    const scrollWidth = await p.evaluate(() => document.documentElement.scrollWidth);
    widths[name][width] = scrollWidth;
    if (width === 390 && scheme === 'light') widths[name].height390 = await p.evaluate(() => document.documentElement.scrollHeight);
    if (scrollWidth > width) {
      const wide = await p.evaluate((w) => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > w + 1 && out.length < 3) out.push(`${el.tagName.toLowerCase()}.${el.className} (${Math.round(r.right)} px)`);
        }
        return out;
      }, width);
      fail(`${name} ${path}: ${scrollWidth} px wide at ${width} px (${wide.join(', ')})`);
    }
    if (width !== 1280) {
      // axe-core injected through the DevTools protocol (our CSP forbids inline scripts).
      await p.evaluate(AXE_SOURCE);
      const result = await p.evaluate(() =>
        // eslint-disable-next-line no-undef
        axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
      for (const v of result.violations) {
        const where = v.nodes.slice(0, 2).map((n) => `${n.target.join(' ')}${n.any[0]?.message ? ` – ${n.any[0].message}` : ''}`);
        fail(`${name} ${path} (${scheme}, ${width} px): axe ${v.id} ×${v.nodes.length}: ${where.join(' | ')}`);
      }
    }
    if (shots && width !== 320) {
      const suffix = width === 1280 ? '1280' : scheme === 'dark' ? '390-dark' : '390';
      // At 390 px the first screen, as a phone shows it; at 1280 px the whole page.
      await p.screenshot({ path: join(shots, `${name}-${suffix}.png`), fullPage: width === 1280 });
    }
  }
  for (const problem of new Set(problems)) fail(`${name} ${path}: ${problem}`);
  await p.close();
}
if (report) console.log(JSON.stringify({ widths }, null, 1));

/** Runs `steps` on a fresh page at phone width and fails on console errors and CSP violations. */
async function scenario(name, steps) {
  const problems = [];
  const p = await newPage(problems);
  await p.setViewportSize({ width: 390, height: 844 });
  try {
    await steps(p);
  } catch (e) {
    fail(`${name}: ${e.message.split('\n')[0]}`);
  }
  for (const problem of new Set(problems)) fail(`${name}: ${problem}`);
  await p.close();
}

const hits = (p) => p.locator('ol.cards > li.card').count();
async function submitted(p, path, how) {
  await p.goto(base + path);
  await p.fill('#q', query);
  await Promise.all([
    p.waitForURL((u) => u.searchParams.get('q') === query, { timeout: 10000 }),
    how === 'enter' ? p.press('#q', 'Enter') : p.click('form button[type=submit]'),
  ]);
  await p.waitForLoadState('load');
}

for (const how of ['enter', 'button']) {
  await scenario(`search form (${how})`, async (p) => {
    await submitted(p, '/search', how);
    const n = await hits(p);
    if (n === 0) fail(`search form (${how}): no hits for ${query} on ${p.url()}`);
  });
  await scenario(`trends form (${how})`, async (p) => {
    await submitted(p, '/trends', how);
    if ((await p.locator('figure.trend svg').count()) === 0) fail(`trends form (${how}): no chart on ${p.url()}`);
  });
}

// --no-pager: the store is too small for a second page (scripts/browser-check.sh's 9 articles).
if (!args.includes('--no-pager')) await scenario('search pager', async (p) => {
  await p.goto(`${base}/search?q=${encodeURIComponent(query)}`);
  const firstHit = await p.locator('ol.cards > li.card h2 a').first().getAttribute('href');
  await Promise.all([p.waitForURL(/page=2/), p.click('a[rel=next]')]);
  if ((await hits(p)) === 0) fail(`search pager: no hits on ${p.url()}`);
  const secondFirst = await p.locator('ol.cards > li.card h2 a').first().getAttribute('href');
  if (firstHit === secondFirst) fail('search pager: page 2 starts with the hit of page 1');
  await Promise.all([p.waitForURL((u) => !/page=2/.test(u.search)), p.click('a[rel=prev]')]);
  if ((await hits(p)) === 0) fail(`search pager back: no hits on ${p.url()}`);
});

await scenario('search facet', async (p) => {
  await p.goto(`${base}/search?q=${encodeURIComponent(query)}`);
  const facet = p.locator('.facets a').first();
  const label = await facet.textContent();
  await Promise.all([p.waitForURL((u) => u.searchParams.get('q') !== query), facet.click()]);
  if ((await hits(p)) === 0) fail(`search facet ${label}: no hits on ${p.url()}`);
});

await scenario('digest print', async (p) => {
  await p.goto(`${base}/digest`);
  await p.emulateMedia({ media: 'print' });
  for (const hidden of ['.site-header nav', '.pager', '.site-footer']) {
    if (await p.locator(hidden).first().isVisible()) fail(`digest print: ${hidden} is printed`);
  }
  if ((await p.locator('.digest-entries .url').count()) > 0 && !(await p.locator('.digest-entries .url').first().isVisible())) {
    fail('digest print: the original addresses are not printed');
  }
  const pdf = await p.pdf({ format: 'A4' });
  if (pdf.length < 1000) fail('digest print: no PDF');
});

if (!args.includes('--no-pager')) await scenario('listing pager', async (p) => {
  await p.goto(`${base}/`);
  await Promise.all([p.waitForURL(/page=2/), p.click('a[rel=next]')]);
  if ((await hits(p)) === 0) fail(`listing pager: no cards on ${p.url()}`);
});

await context.close();
if (!opt('profile')[0]) rmSync(profile, { recursive: true, force: true });
console.log(`${pages.length} page types checked; ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
