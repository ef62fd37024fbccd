// End-to-end test of the district platform's "one map of elderly care" page (served at `/`),
// in Debian's chromium driven by playwright-core (no browser download).
//
//   CARECIRCLE_URL=http://127.0.0.1:43123 node tests/browser/one-map.test.mjs
//
// Environment:
//   CARECIRCLE_URL              base URL of a carecircle-server started with --demo (required)
//   CARECIRCLE_BROWSER_MODULES  node_modules holding playwright-core (scripts/setup-browser.sh
//                               writes it to $CARECIRCLE_CACHE/browser.env); default: normal resolution
//   CARECIRCLE_CHROMIUM         the browser (default /usr/bin/chromium)
//   CARECIRCLE_BROWSER_TIMEOUT_MS  how long to wait for the page to get ready (default 60000)
//   CARECIRCLE_BROWSER_ARTIFACTS   where screenshots and timings.json go (default tests/browser/artifacts)
//
// Scenarios (demo accounts, password "demo"): family is refused; operator sees its station's
// facilities and stats and signs out; district sees the district's stats, clicks a village
// (village stats and nearest canteens), sees an SOS raised through the API appear live and
// acknowledges and resolves it on the page, and zooms the map (frame intervals are reported, never
// asserted); without a base map the page asks nothing of any other host. Then the district sets a
// base map (GCJ-02 tiles on a made-up host, answered by the test itself: nothing is fetched from
// the internet) and the page loads tiles from exactly that host, with the data shifted onto them;
// once it is removed the page loads none again. Prints one line per check and ends with
// "N passed, N failed"; exits 1 on any failure.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.CARECIRCLE_URL || '').replace(/\/+$/, '');
const CHROMIUM = process.env.CARECIRCLE_CHROMIUM || '/usr/bin/chromium';
const READY_TIMEOUT = Number(process.env.CARECIRCLE_BROWSER_TIMEOUT_MS || 60000);
const ARTIFACTS = process.env.CARECIRCLE_BROWSER_ARTIFACTS || path.join(HERE, 'artifacts');
const VIEWPORT = { width: 1440, height: 900 };
const PASSWORD = 'demo';
const TOLERANCE = 1e-9;
const STAT_FIELDS = ['seniors', 'contract_rate', 'check_rate_65', 'served_rate', 'meal_coverage'];

if (!BASE) {
  console.error('one-map.test: set CARECIRCLE_URL to the server\'s base URL (e.g. http://127.0.0.1:43123)');
  process.exit(2);
}
const modules = process.env.CARECIRCLE_BROWSER_MODULES;
const require = createRequire(modules ? path.join(modules, 'noop.js') : import.meta.url);
const { chromium } = require('playwright-core');

// ----- bookkeeping -----

const results = [];
const warnings = [];
const timings = { url: BASE, at: new Date().toISOString(), viewport: VIEWPORT };

class Abort extends Error {}

/** Runs one check. A failed `hard` check aborts the rest of its scenario. */
async function check(name, fn, { hard = false } = {}) {
  try {
    const note = await fn();
    results.push({ name, ok: true });
    console.log(`ok    ${name}${note ? ` (${note})` : ''}`);
    return true;
  } catch (e) {
    if (e instanceof Abort) throw e;
    const msg = (e && e.message ? e.message : String(e)).split('\n').slice(0, 6).join('\n      ');
    results.push({ name, ok: false, error: msg });
    console.log(`FAIL  ${name}\n      ${msg}`);
    if (hard) throw new Abort(name);
    return false;
  }
}

function warn(msg) {
  warnings.push(msg);
  console.log(`warn  ${msg}`);
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function close(a, b) {
  return Math.abs(a - b) <= TOLERANCE;
}

function countBy(items, key) {
  const out = {};
  for (const it of items) out[it[key]] = (out[it[key]] || 0) + 1;
  return out;
}

// ----- the JSON API -----

async function apiLogin(login) {
  const r = await fetch(`${BASE}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: PASSWORD }),
  });
  const text = await r.text();
  assert(r.ok, `POST /v1/auth/login as ${login} answered ${r.status}: ${text.slice(0, 200)}`);
  const token = JSON.parse(text).token;
  assert(typeof token === 'string' && token, `POST /v1/auth/login as ${login} gave no token: ${text.slice(0, 200)}`);
  return token;
}

async function apiGet(pathAndQuery, token) {
  const r = await fetch(`${BASE}${pathAndQuery}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

async function apiJson(pathAndQuery, token, who) {
  const r = await apiGet(pathAndQuery, token);
  assert(r.status === 200, `GET ${pathAndQuery} as ${who} answered ${r.status}: ${r.text.slice(0, 200)}`);
  assert(r.json !== undefined, `GET ${pathAndQuery} as ${who} did not answer JSON: ${r.text.slice(0, 200)}`);
  return r.json;
}

// ----- the page -----

let browser;

async function newPage(label) {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (e) => warn(`[${label}] uncaught page error: ${e.message}`));
  page.on('console', (m) => {
    // Failed requests are reported with their address by the response handler below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) warn(`[${label}] console error: ${m.text().slice(0, 300)}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) warn(`[${label}] the page got ${r.status()} for ${r.request().method()} ${r.url().replace(BASE, '')}`);
  });
  // Every request for another origin than the platform's.
  page.outside = [];
  page.on('request', (r) => {
    if (/^(https?|wss?):/.test(r.url()) && !r.url().startsWith(`${BASE}/`)) page.outside.push(r.url());
  });
  return page;
}

const pageState = (page) => page.evaluate(() => document.body && document.body.dataset.state).catch(() => undefined);

/** Waits until body[data-state] is one of `states`; the error says where the page is instead. */
async function waitState(page, states, timeout = READY_TIMEOUT) {
  try {
    const h = await page.waitForFunction(
      (s) => document.body && s.includes(document.body.dataset.state) && document.body.dataset.state,
      states, { timeout });
    return await h.jsonValue();
  } catch (e) {
    const state = await pageState(page);
    const loginError = await page.locator('#login-error').textContent({ timeout: 1000 }).catch(() => null);
    throw new Error(`page did not reach data-state ${states.join('|')} within ${timeout} ms: `
      + `data-state=${JSON.stringify(state)}${loginError && loginError.trim() ? `, #login-error=${JSON.stringify(loginError.trim())}` : ''}`);
  }
}

async function openLoginPage(page) {
  const r = await page.goto(`${BASE}/`, { waitUntil: 'load' });
  assert(r && r.ok(), `GET / answered ${r ? r.status() : 'nothing'}`);
  await waitState(page, ['login'], 10000);
  for (const sel of ['#login-form', '#login', '#password', '#sign-in']) {
    assert(await page.locator(sel).isVisible(), `${sel} is not visible on the login page`);
  }
}

async function fillLogin(page, login) {
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
}

async function failureShot(page, name) {
  try {
    const file = path.join(ARTIFACTS, `failure-${name}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 10000 });
    const rel = path.relative(process.cwd(), file);
    console.log(`      (screenshot of the failing page: ${rel.startsWith('..') ? file : rel})`);
  } catch { /* the page may be gone */ }
}

async function scenario(name, page, fn) {
  console.log(`--- ${name}`);
  try {
    await fn();
  } catch (e) {
    if (e instanceof Abort) {
      console.log(`      (rest of "${name}" skipped after this failure)`);
    } else {
      results.push({ name: `${name}: unexpected error`, ok: false, error: e.message });
      console.log(`FAIL  ${name}: unexpected error\n      ${e.stack}`);
    }
    if (page) await failureShot(page, name.split(' ')[0]);
  }
}

/** The #stats values of the page: { stat: string data-value }. */
const readStats = (page, root = '#stats') => page.$$eval(`${root} [data-stat]`,
  (els) => els.filter((e) => e.hasAttribute('data-value')).map((e) => [e.dataset.stat, e.dataset.value]));

function expectedStat(district, stat) {
  if (stat.startsWith('circle:')) {
    const service = stat.slice('circle:'.length);
    assert(Array.isArray(district.circle), '/v1/stats district.circle is not an array');
    const entry = district.circle.find((c) => c.service === service);
    assert(entry, `/v1/stats district.circle has no entry for service ${JSON.stringify(service)}`);
    return entry.share;
  }
  assert(stat in district, `data-stat ${JSON.stringify(stat)} is neither circle:<service> nor a field of /v1/stats district`);
  return district[stat];
}

function compareValue(label, shown, expected) {
  if (expected === null) {
    assert(shown === '' || shown === 'null', `${label}: data-value=${JSON.stringify(shown)}, API has null`);
    return;
  }
  const n = Number(shown);
  assert(shown !== '' && Number.isFinite(n), `${label}: data-value=${JSON.stringify(shown)} is not a number (API: ${expected})`);
  assert(typeof expected === 'number', `${label}: API value ${JSON.stringify(expected)} is not a number`);
  assert(close(n, expected), `${label}: page shows ${shown}, API has ${expected} (difference ${n - expected})`);
}

// ----- scenarios -----

async function family() {
  const page = await newPage('family');
  await scenario('family (refused)', page, async () => {
    await check('family: login page is served at / with #login-form', () => openLoginPage(page), { hard: true });
    await check('family: signing in through the form ends in data-state=refused', async () => {
      await fillLogin(page, 'family');
      await page.click('#sign-in');
      const state = await waitState(page, ['refused', 'ready']);
      assert(state === 'refused', `a family member reached data-state=${state}; expected refused`);
    }, { hard: true });
    await check('family: #refused is visible with a message', async () => {
      const refused = page.locator('#refused');
      assert(await refused.count() === 1, `expected one #refused element, found ${await refused.count()}`);
      assert(await refused.isVisible(), '#refused is not visible');
      const text = ((await refused.innerText()) || '').trim();
      assert(text.length > 0, '#refused has no message');
      return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
    });
    await check('family: screenshot artifacts/one-map-refused.png', async () => {
      await page.screenshot({ path: path.join(ARTIFACTS, 'one-map-refused.png'), fullPage: true });
    });
  });
  await page.context().close();
  await scenario('family API', null, async () => {
    await check('family: GET /v1/map with the family\'s token answers 403', async () => {
      const token = await apiLogin('family');
      const r = await apiGet('/v1/map', token);
      assert(r.status === 403, `GET /v1/map as family answered ${r.status}, expected 403: ${r.text.slice(0, 200)}`);
    });
  });
}

/** Signs in through the form and waits for ready; returns in-page ms from the click to ready. */
async function signInToReady(page, login) {
  await fillLogin(page, login);
  // Timestamps in the page: the click on #sign-in, and the first data-state=ready after it.
  await page.evaluate(() => {
    const t = (window.__oneMapTest = { click: null, ready: null });
    document.addEventListener('click', (e) => {
      if (t.click === null && e.target instanceof Element && e.target.closest('#sign-in')) t.click = performance.now();
    }, true);
    new MutationObserver(() => {
      if (t.ready === null && t.click !== null && document.body.dataset.state === 'ready') t.ready = performance.now();
    }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });
  const wall0 = Date.now();
  await page.click('#sign-in');
  const state = await waitState(page, ['ready', 'refused']);
  const wall = Date.now() - wall0;
  assert(state === 'ready', `${login} reached data-state=${state}; expected ready`);
  const t = await page.evaluate(() => window.__oneMapTest);
  const inPage = t && t.click !== null && t.ready !== null ? t.ready - t.click : null;
  return { inPage, wall };
}

async function monthOf(page) {
  const month = await page.$eval('#month', (e) => e.value).catch(() => null);
  assert(month, '#month has no value');
  return month;
}

async function operator(districtStats) {
  const page = await newPage('operator');
  await scenario('operator (one station)', page, async () => {
    let token;
    await check('operator: signing in through the form reaches data-state=ready', async () => {
      await openLoginPage(page);
      const t = await signInToReady(page, 'operator');
      token = await apiLogin('operator');
      return `${Math.round(t.inPage ?? t.wall)} ms`;
    }, { hard: true });

    await check('operator: facility markers per kind match GET /v1/map facilities', async () => {
      const map = await apiJson('/v1/map', token, 'operator');
      assert(Array.isArray(map.facilities), 'GET /v1/map has no facilities array');
      const shown = await page.$$eval('#map .facility[data-kind]', (els) => els.map((e) => ({ kind: e.dataset.kind, id: e.dataset.id })));
      const want = countBy(map.facilities, 'kind');
      const got = countBy(shown, 'kind');
      const kinds = [...new Set([...Object.keys(want), ...Object.keys(got)])].sort();
      const diff = kinds.filter((k) => (want[k] || 0) !== (got[k] || 0));
      if (diff.length) {
        const apiIds = new Set(map.facilities.map((f) => f.id));
        const pageIds = new Set(shown.map((f) => f.id));
        const missing = [...apiIds].filter((id) => !pageIds.has(id)).slice(0, 5);
        const extra = [...pageIds].filter((id) => !apiIds.has(id)).slice(0, 5);
        throw new Error(`counts differ: ${diff.map((k) => `${k} page ${got[k] || 0} vs API ${want[k] || 0}`).join(', ')}`
          + `${missing.length ? `; not on the page e.g. ${missing.join(', ')}` : ''}${extra.length ? `; not in the API e.g. ${extra.join(', ')}` : ''}`);
      }
      assert(shown.length > 0, 'no facility markers at all (and the API has none either)');
      return kinds.map((k) => `${k} ${got[k]}`).join(', ');
    });

    await check('operator: #stats seniors matches GET /v1/stats and is below the district\'s', async () => {
      const month = await monthOf(page);
      const stats = await apiJson(`/v1/stats?month=${encodeURIComponent(month)}`, token, 'operator');
      assert(stats.district && typeof stats.district.seniors === 'number', `GET /v1/stats?month=${month} as operator has no district.seniors`);
      const shown = await page.$eval('#stats [data-stat="seniors"]', (e) => e.dataset.value).catch(() => undefined);
      assert(shown !== undefined, '#stats [data-stat="seniors"] is missing');
      compareValue('seniors', shown, stats.district.seniors);
      const all = districtStats ? districtStats(month) : null;
      if (all) {
        const d = (await all).district.seniors;
        assert(stats.district.seniors < d, `the operator's seniors (${stats.district.seniors}) are not fewer than the district's (${d})`);
        return `month ${month}: ${shown} of the district's ${d}`;
      }
      return `month ${month}: ${shown}`;
    });

    await check('operator: #sign-out returns to data-state=login', async () => {
      await page.click('#sign-out');
      await waitState(page, ['login'], 15000);
      assert(await page.locator('#login-form').isVisible(), '#login-form is not visible after signing out');
    });
  });
  await page.context().close();
}

async function district() {
  const page = await newPage('district');
  await scenario('district (whole district)', page, async () => {
    let token, stats, month, clicked, lat, lon;

    await check('district: signing in through the form reaches data-state=ready', async () => {
      await openLoginPage(page);
      const t = await signInToReady(page, 'district');
      timings.district_signin_to_ready_ms = t.inPage;
      timings.district_signin_to_ready_wall_ms = t.wall;
      token = await apiLogin('district');
      return `${t.inPage === null ? '?' : Math.round(t.inPage)} ms in the page, ${t.wall} ms wall clock`;
    }, { hard: true });

    const pageTimings = await page.evaluate(() => (window.oneMapTimings && typeof window.oneMapTimings === 'object')
      ? JSON.parse(JSON.stringify(window.oneMapTimings)) : null);
    timings.one_map_timings_at_ready = pageTimings;
    if (pageTimings) {
      console.log(`info  window.oneMapTimings: ${Object.entries(pageTimings).map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v * 10) / 10 : JSON.stringify(v)}`).join(', ')}`);
    } else {
      warn('window.oneMapTimings is not set once the page is ready');
    }

    await check('district: GET /v1/stats for #month answers', async () => {
      month = await monthOf(page);
      stats = await apiJson(`/v1/stats?month=${encodeURIComponent(month)}`, token, 'district');
      assert(stats.district && typeof stats.district === 'object', `GET /v1/stats?month=${month} has no district object`);
      return `month ${month}`;
    }, { hard: true });

    await check('district: every #stats [data-stat][data-value] matches /v1/stats', async () => {
      const shown = await readStats(page);
      const names = shown.map(([s]) => s);
      const missing = STAT_FIELDS.filter((f) => !names.includes(f));
      assert(missing.length === 0, `missing #stats [data-stat] with data-value: ${missing.join(', ')}`);
      const bad = [];
      for (const [stat, value] of shown) {
        try { compareValue(stat, value, expectedStat(stats.district, stat)); } catch (e) { bad.push(e.message); }
      }
      assert(bad.length === 0, bad.join('; '));
      return `${shown.length} values, ${names.filter((n) => n.startsWith('circle:')).length} of them circle shares`;
    });

    await check('district: SOS markers and today\'s visits by state match GET /v1/map', async () => {
      const map = await apiJson('/v1/map', token, 'district');
      const alerts = await page.$$eval('#map .alert[data-id]', (els) => els.map((e) => e.dataset.id).sort());
      const want = map.alerts.map((a) => a.id).sort();
      assert(JSON.stringify(alerts) === JSON.stringify(want), `SOS markers ${alerts.join(',')} vs API ${want.join(',')}`);
      const shown = Object.fromEntries(await page.$$eval('#visits [data-visit-state]', (els) => els.map((e) => [e.dataset.visitState, Number(e.dataset.value)])));
      const counts = countBy(map.visits, 'state');
      assert(JSON.stringify(Object.entries(shown).sort()) === JSON.stringify(Object.entries(counts).sort()), `visits by state: page ${JSON.stringify(shown)} vs API ${JSON.stringify(counts)}`);
      return `${alerts.length} open SOS; visits ${JSON.stringify(counts)}`;
    });

    await check('district: a visit booked by the family and accepted by a caregiver for later today is drawn as that caregiver\'s route', async () => {
      // A start later today (Shanghai) in working hours, when some caregiver of the senior's
      // station is on duty: tried hour by hour from 09:00 to 16:00; a booking nobody can take is cancelled.
      const shanghaiMidnight = Math.floor((Date.now() + 8 * 3600e3) / 86400e3) * 86400e3 - 8 * 3600e3;
      const family = await apiLogin('family');
      // The demo's caregiver logins (caregiver1, caregiver2, ...): who they are.
      const carers = new Map();
      // (The demo makes one per offer of a request, 3; no guessing beyond, which the login throttle would count.)
      for (let i = 1; i <= 3; i++) {
        let t;
        try { t = await apiLogin(`caregiver${i}`); } catch { break; }
        const me = await apiJson('/v1/me', t, `caregiver${i}`);
        carers.set(me.actor.id, t);
      }
      assert(carers.size > 0, 'the demo has no caregiver logins');
      let booked = null;
      for (let h = 9; h <= 16 && !booked; h++) {
        const start = shanghaiMidnight + h * 3600e3;
        if (start < Date.now() + 15 * 60e3) continue;
        const r = await fetch(`${BASE}/v1/bookings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${family}` },
          body: JSON.stringify({ senior_id: 'ZH-S-000001', service: 'cleaning', start: new Date(start).toISOString(), duration_minutes: 60 }),
        });
        const out = await r.json();
        assert(r.status === 201, `POST /v1/bookings answered ${r.status}: ${JSON.stringify(out).slice(0, 200)}`);
        if (out.offers.some((o) => carers.has(o.caregiver_id))) booked = out;
        else await fetch(`${BASE}/v1/bookings/${out.booking.id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${family}` }, body: '{}' });
      }
      if (!booked) {
        warn('no demo caregiver login is on duty for the rest of today: the route check uses only what the demo has');
        return 'skipped (nobody on duty later today)';
      }
      const accepted = booked.offers.map((o) => o.caregiver_id).find((id) => carers.has(id));
      const a = await fetch(`${BASE}/v1/bookings/${booked.booking.id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${carers.get(accepted)}` } });
      assert(a.status === 200, `${accepted} accepting answered ${a.status}: ${(await a.text()).slice(0, 200)}`);
      // Signed out and in again: the page loads the map afresh.
      await page.click('#sign-out');
      await waitState(page, ['login'], 15000);
      await signInToReady(page, 'district');
      const map = await apiJson('/v1/map', token, 'district');
      const route = map.routes.find((x) => x.caregiver_id === accepted);
      assert(route && route.visits >= 1, `GET /v1/map has no route for ${accepted}: ${JSON.stringify(map.routes.map((x) => x.caregiver_id))}`);
      const drawn = await page.$$eval('#map path.route', (els) => els.map((e) => e.dataset.caregiver));
      assert(drawn.includes(accepted), `no path.route for ${accepted} on the page (drawn: ${drawn.join(',')})`);
      return `${accepted}: ${route.visits} visit(s), ${Math.round(route.travel_minutes)} min travel`;
    });

    await check('district: one route line per caregiver in GET /v1/map routes, through cell centres only', async () => {
      const map = await apiJson('/v1/map', token, 'district');
      if (map.routes.length === 0) {
        warn('no accepted visit today: no route to draw');
        return 'no routes today';
      }
      const lines = await page.$$eval('#map path.route', (els) => els.map((e) => e.dataset.caregiver).sort());
      const want = map.routes.map((r) => r.caregiver_id).sort();
      assert(JSON.stringify(lines) === JSON.stringify(want), `route lines ${lines.join(',')} vs API ${want.join(',')}`);
      const r = map.routes[0];
      const cells = new Set(map.cells.map((c) => c.lat + ',' + c.lon));
      const visited = r.path.filter((p) => cells.has(p[0] + ',' + p[1])).length;
      assert(visited >= 1, `route of ${r.caregiver_id} passes through no home cell's centre`);
      return `${want.length} routes; ${r.caregiver_id}: ${r.visits} visits, ${Math.round(r.travel_minutes)} min, ${r.path.length} points`;
    });

    await check('district: click the centre of a large village', async () => {
      const candidates = await page.evaluate(() => {
        const map = document.querySelector('#map');
        const m = map ? map.getBoundingClientRect() : null;
        const vw = window.innerWidth;
        const vh = window.innerHeight;
        return [...document.querySelectorAll('#map .village[data-division]')].map((el) => {
          const r = el.getBoundingClientRect();
          const x = r.left + r.width / 2;
          const y = r.top + r.height / 2;
          const inside = x > 0 && y > 0 && x < vw && y < vh && (!m || (x > m.left && x < m.right && y > m.top && y < m.bottom));
          const top = inside ? document.elementFromPoint(x, y) : null;
          const hit = top && top.closest ? top.closest('.village[data-division]') : null;
          return { division: el.dataset.division, x, y, area: r.width * r.height, inside,
            hit: hit ? hit.dataset.division : null, top: top ? top.tagName + (top.id ? `#${top.id}` : '') + (top.classList.length ? `.${[...top.classList].join('.')}` : '') : null };
        });
      });
      assert(candidates.length > 0, 'no #map .village[data-division] elements');
      const inView = candidates.filter((c) => c.inside).sort((a, b) => b.area - a.area);
      assert(inView.length > 0, `none of the ${candidates.length} villages has its box centre inside the viewport and #map`);
      // Prefer a box whose centre is on its own village, then on any village (not a marker), then the largest.
      clicked = inView.find((c) => c.hit === c.division) || inView.find((c) => c.hit) || inView[0];
      await page.mouse.click(clicked.x, clicked.y);
      return `${clicked.division} at (${Math.round(clicked.x)}, ${Math.round(clicked.y)}), topmost there: ${clicked.top}`;
    }, { hard: true });

    await check('district: #village shows the clicked village\'s seniors from /v1/stats villages', async () => {
      await page.waitForFunction(() => {
        const v = document.querySelector('#village');
        return v && v.dataset.division && v.querySelector('[data-stat="seniors"][data-value]');
      }, null, { timeout: 15000 }).catch(async () => {
        const v = await page.$eval('#village', (e) => e.outerHTML.slice(0, 300)).catch(() => 'no #village element');
        throw new Error(`#village did not get data-division and [data-stat="seniors"][data-value] within 15 s: ${v}`);
      });
      const code = await page.$eval('#village', (e) => e.dataset.division);
      assert(Array.isArray(stats.villages), '/v1/stats has no villages array');
      const village = stats.villages.find((v) => v.division === code);
      let note = code;
      if (code !== clicked.division) {
        assert(village, `#village data-division=${code} differs from the clicked ${clicked.division} and is not in /v1/stats villages`);
        note = `${code} (the click was on ${clicked.division}'s box; overlapping hulls)`;
      }
      assert(village, `village ${code} is not in /v1/stats villages`);
      const shown = await page.$eval('#village [data-stat="seniors"]', (e) => e.dataset.value);
      compareValue(`village ${code} seniors`, shown, village.seniors);
      return `${note}: ${shown} seniors`;
    });

    await check('district: #nearest lists the canteens GET /v1/facilities/nearest gives', async () => {
      await page.waitForFunction(() => {
        const n = document.querySelector('#nearest');
        return n && n.dataset.lat && n.dataset.lon && n.querySelector('li[data-facility-id]');
      }, null, { timeout: 15000 }).catch(async () => {
        const n = await page.$eval('#nearest', (e) => e.outerHTML.slice(0, 300)).catch(() => 'no #nearest element');
        throw new Error(`#nearest did not get data-lat, data-lon and li[data-facility-id] within 15 s: ${n}`);
      });
      const kind = await page.$eval('#nearest-kind', (e) => e.value).catch(() => null);
      assert(kind === 'canteen', `#nearest-kind is ${JSON.stringify(kind)}, expected canteen by default`);
      const got = await page.$eval('#nearest', (e) => ({
        lat: e.dataset.lat, lon: e.dataset.lon,
        ids: [...e.querySelectorAll('li[data-facility-id]')].map((li) => li.dataset.facilityId),
      }));
      ({ lat, lon } = got);
      assert(Number.isFinite(Number(lat)) && Math.abs(Number(lat)) <= 90, `#nearest data-lat=${JSON.stringify(lat)} is not a latitude`);
      assert(Number.isFinite(Number(lon)) && Math.abs(Number(lon)) <= 180, `#nearest data-lon=${JSON.stringify(lon)} is not a longitude`);
      const q = `/v1/facilities/nearest?lat=${encodeURIComponent(lat)}&lon=${encodeURIComponent(lon)}&kind=canteen&k=5`;
      const api = await apiJson(q, token, 'district');
      assert(Array.isArray(api) && api.length > 0, `GET ${q} gave no facilities: ${JSON.stringify(api).slice(0, 200)}`);
      assert(got.ids[0] === api[0].id, `first #nearest li is ${got.ids[0]}, the API's nearest canteen is ${api[0].id} (${Math.round(api[0].distance_m)} m)`);
      const n = Math.min(got.ids.length, api.length);
      const same = got.ids.slice(0, n).every((id, i) => id === api[i].id);
      if (!same) warn(`#nearest order ${got.ids.slice(0, n).join(',')} differs from the API's ${api.slice(0, n).map((f) => f.id).join(',')} after the first`);
      return `(${lat}, ${lon}): ${api[0].id} at ${Math.round(api[0].distance_m)} m; ${got.ids.length} listed`;
    });

    let liveSos = null;
    await check('district: an SOS raised through the API appears on the open page without a reload', async () => {
      await page.evaluate(() => { window.__sameDocument = true; });
      const family = await apiLogin('family');
      const senior = await apiJson('/v1/seniors/ZH-S-000001', family, 'family');
      const raisedAt = Date.now();
      const r = await fetch(`${BASE}/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${family}` },
        body: JSON.stringify({ senior_id: senior.id, lat: senior.home.lat, lon: senior.home.lon }),
      });
      const out = await r.json();
      assert(r.status === 201, `POST /v1/alerts answered ${r.status}: ${JSON.stringify(out).slice(0, 200)}`);
      liveSos = out.id;
      await page.waitForSelector(`#alerts [data-alert="${out.id}"]`, { timeout: 10000 });
      const ms = Date.now() - raisedAt;
      timings.sos_to_page_ms = ms;
      assert(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded');
      // Timed, and held to a loose bound here: the page fetches the whole map again on a hint.
      if (ms > 1000) warn(`the SOS took ${ms} ms to appear on the page (target 1000 ms)`);
      assert(ms <= 5000, `the SOS took ${ms} ms to appear`);
      return `${ms} ms from the API's answer to the row on the page`;
    });

    await check('district: acknowledging the SOS on the map is the family\'s answer too', async () => {
      assert(liveSos, 'no SOS was raised');
      await page.click(`#alerts [data-alert="${liveSos}"] button.ack`);
      await page.waitForSelector(`#alerts [data-alert="${liveSos}"][data-state="acknowledged"]`, { timeout: 10000 });
      const family = await apiLogin('family');
      const a = await apiJson(`/v1/alerts/${liveSos}`, family, 'family');
      assert(a.state === 'acknowledged' && a.acknowledged_by === 'district', `the family sees ${a.state} by ${a.acknowledged_by}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'one-map-sos-acknowledged.png') });
      await page.click(`#alerts [data-alert="${liveSos}"] button.resolve`);
      await page.waitForFunction((id) => !document.querySelector(`#alerts [data-alert="${id}"]`), liveSos, { timeout: 10000 });
      const done = await apiJson(`/v1/alerts/${liveSos}`, family, 'family');
      assert(done.state === 'resolved', `after resolving, the family sees ${done.state}`);
      return 'acknowledged, then resolved, from the page';
    });

    await check('district: a recommended subsidy application is approved on the page', async () => {
      const queue = await apiJson('/v1/subsidies', token, 'district');
      const shown = await page.$$eval('#subsidies [data-subsidy]', (els) => els.map((e) => e.dataset.subsidy));
      assert(JSON.stringify(shown) === JSON.stringify(queue.map((a) => a.id)), `the page lists ${shown.length} applications, GET /v1/subsidies ${queue.length}`);
      if (queue.length === 0) {
        warn('the demo has no recommended subsidy application to decide');
        return 'skipped (nothing to decide)';
      }
      const id = queue[0].id;
      await page.click(`#subsidies [data-subsidy="${id}"] button.approve`);
      await page.waitForFunction((x) => !document.querySelector(`#subsidies [data-subsidy="${x}"]`), id, { timeout: 10000 });
      const a = await apiJson(`/v1/subsidies/${id}`, token, 'district');
      assert(a.state === 'approved', `after approving on the page the application is ${a.state}`);
      assert(a.valid_until, 'an approved application has its grant');
      return `${id} approved (${a.kind}, valid until ${a.valid_until})`;
    });

    await check('district: a flagged visit is reviewed on the page', async () => {
      const map = await apiJson('/v1/map', token, 'district');
      const shown = await page.$$eval('#reviews [data-booking]', (els) => els.map((e) => e.dataset.booking));
      assert(JSON.stringify(shown) === JSON.stringify(map.reviews.map((v) => v.booking_id)), `the page lists ${shown.length} visits to review, GET /v1/map ${map.reviews.length}`);
      if (map.reviews.length === 0) {
        warn('the demo has no flagged visit to review');
        return 'skipped (nothing to review)';
      }
      const id = map.reviews[0].booking_id;
      await page.click(`#reviews [data-booking="${id}"] button.approve`);
      await page.waitForFunction((x) => !document.querySelector(`#reviews [data-booking="${x}"]`), id, { timeout: 10000 });
      const b = await apiJson(`/v1/bookings/${id}`, token, 'district');
      assert(b.visit && b.visit.review === 'approved' && b.visit.reviewed_by === 'district', `after approving on the page the visit's review is ${b.visit && b.visit.review} by ${b.visit && b.visit.reviewed_by}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'one-map-visit-reviewed.png') });
      return `${id} approved (${map.reviews.length} were waiting)`;
    });

    await check('district: a complaint is answered and closed on the page', async () => {
      const queue = await apiJson('/v1/complaints', token, 'district');
      const shown = await page.$$eval('#complaints [data-complaint]', (els) => els.map((e) => e.dataset.complaint));
      assert(JSON.stringify(shown) === JSON.stringify(queue.map((c) => c.id)), `the page lists ${shown.length} complaints, GET /v1/complaints ${queue.length}`);
      if (queue.length === 0) {
        warn('the demo has no complaint to answer');
        return 'skipped (nothing to answer)';
      }
      const id = queue[0].id;
      await page.fill(`#complaints [data-complaint="${id}"] input.answer`, '已上门致歉并重新打扫');
      await page.click(`#complaints [data-complaint="${id}"] button.close`);
      await page.waitForFunction((x) => !document.querySelector(`#complaints [data-complaint="${x}"]`), id, { timeout: 10000 });
      const c = await apiJson(`/v1/complaints/${id}`, token, 'district');
      assert(c.state === 'closed' && c.answer === '已上门致歉并重新打扫' && c.answered_by === 'district', `after closing on the page the complaint is ${c.state}, answered by ${c.answered_by}`);
      return `${id} answered and closed (${queue.length} were open)`;
    });

    await check('district: without a base map the page asked nothing of any other host', async () => {
      assert(page.outside.length === 0, `requests elsewhere: ${page.outside.slice(0, 5).join(', ')}`);
      const tiles = await page.$$eval('#tiles img', (els) => els.length);
      assert(tiles === 0, `${tiles} tile images without a base map`);
    });

    await check('district: full-page screenshot artifacts/one-map-district.png', async () => {
      await page.screenshot({ path: path.join(ARTIFACTS, 'one-map-district.png'), fullPage: true });
    });

    // Smoothness: reported, never asserted.
    await check('district: 20 wheel zoom-ins and 20 zoom-outs over the map (frame intervals reported)', async () => {
      const box = await page.locator('#map').boundingBox();
      assert(box, '#map has no box');
      const cx = box.x + box.width / 2;
      const cy = box.y + Math.min(box.height, VIEWPORT.height - box.y) / 2;
      await page.mouse.move(cx, cy);
      await page.evaluate(() => {
        const rec = (window.__frameRecorder = { times: [], on: true, wheels: 0, handled: 0 });
        // Whether the map took the wheel events (preventDefault), so the frames are of a zooming map.
        window.addEventListener('wheel', (e) => {
          if (!rec.on) return;
          rec.wheels += 1;
          setTimeout(() => { if (e.defaultPrevented) rec.handled += 1; }, 0);
        }, { capture: true, passive: true });
        const tick = (t) => { rec.times.push(t); if (rec.on) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
      });
      await page.waitForTimeout(100);
      const started = Date.now();
      for (let i = 0; i < 20; i++) { await page.mouse.wheel(0, -120); await page.waitForTimeout(25); }
      for (let i = 0; i < 20; i++) { await page.mouse.wheel(0, 120); await page.waitForTimeout(25); }
      await page.waitForTimeout(500);
      const { times, wheels, handled } = await page.evaluate(() => { window.__frameRecorder.on = false; return window.__frameRecorder; });
      const iv = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
      const median = iv.length ? (iv.length % 2 ? iv[(iv.length - 1) / 2] : (iv[iv.length / 2 - 1] + iv[iv.length / 2]) / 2) : null;
      timings.zoom = {
        wheel_steps: 40, wheel_delta_px: 120, gap_between_steps_ms: 25, settle_ms: 500,
        wall_ms: Date.now() - started, frames: times.length,
        median_frame_ms: median, max_frame_ms: iv.length ? iv[iv.length - 1] : null,
        frames_over_50ms: iv.filter((d) => d > 50).length,
        wheel_events_seen: wheels, wheel_events_taken_by_page: handled,
      };
      if (handled < wheels) warn(`the page called preventDefault on ${handled} of ${wheels} wheel events over #map: the map may not have zoomed`);
      const z = timings.zoom;
      return `${z.frames} frames, median ${z.median_frame_ms?.toFixed(1)} ms, max ${z.max_frame_ms?.toFixed(1)} ms, ${z.frames_over_50ms} over 50 ms`;
    });

    const final = await page.evaluate(() => (window.oneMapTimings && typeof window.oneMapTimings === 'object')
      ? JSON.parse(JSON.stringify(window.oneMapTimings)) : null).catch(() => null);
    if (final && JSON.stringify(final) !== JSON.stringify(pageTimings)) {
      timings.one_map_timings_final = final;
      console.log(`info  window.oneMapTimings at the end: ${JSON.stringify(final)}`);
    }
  });
  await page.context().close();
}

// ----- the base map -----

const TILE_HOST = 'tiles.carecircle.test';
// The core's WGS-84 -> GCJ-02 answers (core/src/base_map.rs, gcj02_answers_the_map_page_is_held_to).
const GCJ_ANSWERS = [
  [[29.9609, 121.7180], [29.958438534127385, 121.72225992928641]],
  [[29.98, 121.6], [29.977370977136335, 121.60409993755337]],
  [[39.915, 116.404], [39.91640428150164, 116.41024449916938]],
];

/** A 256 px tile naming itself, so the screenshot shows the grid. */
function tileSvg(pathname) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#eef2e6" stroke="#b5c2a3"/>`
    + `<text x="8" y="20" font-size="13" font-family="sans-serif" fill="#7d8b6e">${pathname.replace(/[^0-9/.a-z]/g, '')}</text></svg>`;
}

async function policyOfPage() {
  const r = await fetch(`${BASE}/`);
  const csp = r.headers.get('content-security-policy') || '';
  const img = (csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('img-src ')) || '').split(/\s+/).slice(1);
  return { csp, img };
}

async function baseMap() {
  let token;
  await scenario('base map', null, async () => {
    await check('base map: the district sets GCJ-02 tiles; the page\'s policy allows images from exactly their host', async () => {
      token = await apiLogin('district');
      const r = await fetch(`${BASE}/v1/admin/base-map`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ url: `https://${TILE_HOST}/{z}/{x}/{y}.svg`, crs: 'gcj02', attribution: '测试瓦片 test tiles', max_zoom: 18 }),
      });
      const out = await r.json();
      assert(r.status === 200, `PUT /v1/admin/base-map answered ${r.status}: ${JSON.stringify(out).slice(0, 200)}`);
      const { img, csp } = await policyOfPage();
      assert(JSON.stringify(img) === JSON.stringify(["'self'", 'data:', `https://${TILE_HOST}`]), `img-src ${img.join(' ')} in ${csp}`);
      return csp;
    }, { hard: true });
  });
  if (!token) return;

  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  // The tile host is made up: the test answers it. Anything else not the platform's is refused.
  const tileRequests = [];
  const refused = [];
  await context.route(() => true, (route) => {
    const req = route.request();
    const url = new URL(req.url());
    if (url.protocol === 'https:' && url.host === TILE_HOST) {
      tileRequests.push({ url: req.url(), referer: req.headers().referer });
      return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: tileSvg(url.pathname) });
    }
    if (req.url().startsWith(`${BASE}/`)) return route.continue();
    refused.push(req.url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => warn(`[base map] uncaught page error: ${e.message}`));
  const outside = [];
  page.on('request', (r) => {
    if (/^(https?|wss?):/.test(r.url()) && !r.url().startsWith(`${BASE}/`)) outside.push(r.url());
  });
  await scenario('base map (page)', page, async () => {
    await check('base map: signed in as the district, the page loads tiles from that host and no other', async () => {
      await openLoginPage(page);
      await signInToReady(page, 'district');
      await page.waitForFunction(() => document.querySelectorAll('#tiles img').length > 0 && [...document.querySelectorAll('#tiles img')].some((i) => i.complete && i.naturalWidth > 0), null, { timeout: 15000 });
      const hosts = [...new Set(outside.map((u) => new URL(u).host))];
      assert(JSON.stringify(hosts) === JSON.stringify([TILE_HOST]), `hosts asked: ${hosts.join(', ')}`);
      assert(refused.length === 0, `refused requests: ${refused.slice(0, 5).join(', ')}`);
      assert(tileRequests.every((t) => /^\/\d+\/\d+\/\d+\.svg$/.test(new URL(t.url).pathname)), `tile addresses: ${tileRequests.slice(0, 3).map((t) => t.url).join(', ')}`);
      // The tile host learns the platform's origin (keys bound to a domain need it), never the page's address.
      const referers = [...new Set(tileRequests.map((t) => t.referer).filter(Boolean))];
      assert(referers.every((r) => r === `${BASE}/`), `referers sent: ${referers.join(', ')}`);
      const attribution = await page.$eval('#attribution', (e) => (e.hidden ? '' : e.textContent));
      assert(attribution === '测试瓦片 test tiles', `attribution ${JSON.stringify(attribution)}`);
      return `${tileRequests.length} tiles from ${TILE_HOST}, referer ${referers.join(', ') || 'none'}`;
    }, { hard: true });

    await check('base map: the page converts to GCJ-02 as the core does', async () => {
      const got = await page.evaluate((pts) => pts.map(([lat, lon]) => window.oneMapGcj02(lat, lon)), GCJ_ANSWERS.map(([p]) => p));
      const bad = GCJ_ANSWERS.filter(([, want], i) => Math.abs(got[i][0] - want[0]) > 1e-9 || Math.abs(got[i][1] - want[1]) > 1e-9);
      assert(bad.length === 0, `page ${JSON.stringify(got)} vs core ${JSON.stringify(GCJ_ANSWERS.map(([, w]) => w))}`);
      return `${GCJ_ANSWERS.length} points within 1e-9°`;
    });

    await check('base map: zoomed in, facility markers sit on their GCJ-02 place in the tile grid', async () => {
      for (let i = 0; i < 4; i++) await page.click('#zoom-in');
      await page.waitForTimeout(300);
      const map = await apiJson('/v1/map', token, 'district');
      const result = await page.evaluate((facilities) => {
        const pane = document.querySelector('#map-pane').getBoundingClientRect();
        const imgs = [...document.querySelectorAll('#tiles img')];
        const z = Number(imgs[0].dataset.tile.split('/')[0]), n = 2 ** z;
        const tileXY = (lat, lon) => [(lon + 180) / 360 * n, (Math.PI - Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360))) / (2 * Math.PI) * n];
        const out = [];
        for (const f of facilities) {
          const node = document.querySelector(`#map .facility[data-id="${CSS.escape(f.id)}"]`);
          const m = node && /translate\(([-\d.]+) ([-\d.]+)\)/.exec(node.getAttribute('transform'));
          if (!m) continue;
          const [mx, my] = [Number(m[1]), Number(m[2])];
          if (mx < 0 || my < 0 || mx > pane.width || my > pane.height) continue;
          const at = (lat, lon) => {
            const [tx, ty] = tileXY(lat, lon);
            const img = imgs.find((i) => i.dataset.tile === `${z}/${Math.floor(tx)}/${Math.floor(ty)}`);
            if (!img) return null;
            const [l, t, w, h] = ['left', 'top', 'width', 'height'].map((k) => parseFloat(img.style[k]));
            return [l + (tx - Math.floor(tx)) * w, t + (ty - Math.floor(ty)) * h];
          };
          const gcj = at(...window.oneMapGcj02(f.lat, f.lon)), wgs = at(f.lat, f.lon);
          if (gcj && wgs) out.push({ id: f.id, marker: [mx, my], gcj, wgs });
          if (out.length >= 5) break;
        }
        return { z, out };
      }, map.facilities.map((f) => ({ id: f.id, lat: f.lat, lon: f.lon })));
      assert(result.out.length > 0, `no facility marker inside the view over a loaded tile (zoom ${result.z})`);
      const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);
      for (const r of result.out) {
        assert(dist(r.marker, r.gcj) <= 1.5, `${r.id}: marker at ${r.marker} but its GCJ-02 place on the tiles is ${r.gcj.map((v) => v.toFixed(1))}`);
        assert(dist(r.marker, r.wgs) > 5, `${r.id}: the GCJ-02 shift should move it visibly at zoom ${result.z} (${dist(r.marker, r.wgs).toFixed(1)} px)`);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'one-map-base-map.png') });
      const r = result.out[0];
      return `zoom ${result.z}: ${result.out.length} markers within 1.5 px of their tile place; unshifted they would be ${dist(r.marker, r.wgs).toFixed(0)} px off`;
    });

    await check('base map: removed, the page is self-contained again and loads no tile', async () => {
      const r = await fetch(`${BASE}/v1/admin/base-map`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      assert(r.status === 200, `DELETE /v1/admin/base-map answered ${r.status}`);
      const { img } = await policyOfPage();
      assert(JSON.stringify(img) === JSON.stringify(["'self'", 'data:']), `img-src ${img.join(' ')}`);
      const before = outside.length;
      await page.reload({ waitUntil: 'load' });
      await waitState(page, ['ready']);
      await page.waitForTimeout(1000);
      const tiles = await page.$$eval('#tiles img', (els) => els.length);
      assert(tiles === 0 && outside.length === before, `${tiles} tiles, ${outside.length - before} requests elsewhere after the reload`);
    });
  });
  await context.close();
  // Whatever happened above, the demo platform is left without a base map.
  await fetch(`${BASE}/v1/admin/base-map`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => {});
}

// ----- main -----

mkdirSync(ARTIFACTS, { recursive: true });
let fatal = null;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
  timings.browser = `chromium ${browser.version()}`;
  console.log(`one-map browser test: ${BASE} in chromium ${browser.version()}, viewport ${VIEWPORT.width}x${VIEWPORT.height}`);

  // The district's stats per month, fetched once, for the operator's "fewer seniors" check.
  const districtStatsCache = new Map();
  const districtStats = (month) => {
    if (!districtStatsCache.has(month)) {
      districtStatsCache.set(month, apiLogin('district').then((t) => apiJson(`/v1/stats?month=${encodeURIComponent(month)}`, t, 'district')));
    }
    return districtStatsCache.get(month);
  };

  await family();
  await operator(districtStats);
  await district();
  await baseMap();
} catch (e) {
  fatal = e;
  console.log(`FAIL  the browser test could not run: ${e && e.stack ? e.stack : e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  writeFileSync(path.join(ARTIFACTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
}

const passed = results.filter((r) => r.ok).length;
const failed = results.filter((r) => !r.ok).length + (fatal ? 1 : 0);
console.log('--- summary');
if (timings.district_signin_to_ready_ms != null) console.log(`district sign-in to ready: ${Math.round(timings.district_signin_to_ready_ms)} ms (in the page)`);
if (timings.zoom) console.log(`zoom: median frame ${timings.zoom.median_frame_ms?.toFixed(1)} ms, max ${timings.zoom.max_frame_ms?.toFixed(1)} ms, ${timings.zoom.frames_over_50ms} frames over 50 ms`);
console.log(`artifacts: ${ARTIFACTS} (one-map-refused.png, one-map-district.png, one-map-base-map.png, timings.json)`);
if (warnings.length) console.log(`${warnings.length} warning(s) (not failures), see "warn" lines above`);
for (const r of results.filter((x) => !x.ok)) console.log(`failed: ${r.name}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
