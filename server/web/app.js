// The one map of elderly care (养老一张图): sign in with the platform's accounts, then draw
// /v1/map (facilities, home cells, circle holes, SOS alerts, today's visits) on an SVG and
// /v1/stats (the seeds' targets) beside it. No outside scripts or fonts: everything is drawn
// from the platform's own data, over the tiles of the district's base map if it configured one
// (the page's Content-Security-Policy then allows images from those tile hosts, and no others).
// Who may see what is the server's decision; this page only shows what it is given.
'use strict';

const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;
const KINDS = {
  regional_center: { zh: '区域中心', en: 'Regional centre', color: '#6c3483', shape: 'square', size: 7 },
  township_center: { zh: '镇街中心', en: 'Township centre', color: '#1f618d', shape: 'square', size: 6 },
  community_station: { zh: '村社服务站', en: 'Care station', color: '#0b6e6e', shape: 'circle', size: 5 },
  canteen: { zh: '老年食堂', en: 'Canteen', color: '#d35400', shape: 'circle', size: 5.5 },
  clinic: { zh: '医疗机构', en: 'Clinic', color: '#c0392b', shape: 'cross', size: 6 },
  rental_point: { zh: '辅具租赁', en: 'Device rental', color: '#7d6608', shape: 'diamond', size: 6 },
};
const SERVICES = {
  meals: '助餐 meals', cleaning: '助洁 cleaning', bathing: '助浴 bathing', medical: '助医 medical',
  mobility: '助行 mobility', emergency: '助急 emergency', day_care: '日间照料 day care',
  full_time_care: '全托 full-time care', rehabilitation: '康复 rehabilitation', companionship: '慰藉 companionship',
};
const STATES = {
  requested: ['待派单 requested', '#95a5a6'], offered: ['待接单 offered', '#f4d03f'], accepted: ['已接单 accepted', '#2e86c1'],
  checked_in: ['服务中 in progress', '#8e44ad'], completed: ['已完成 completed', '#1e8449'], cancelled: ['已取消 cancelled', '#7f8c8d'],
  declined: ['被拒 declined', '#a04000'], expired: ['已过期 expired', '#566573'], no_show: ['未到 no-show', '#c0392b'],
};
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, parent) => {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
};
const html = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
};
const pct = (x) => (x * 100).toFixed(1) + '%';
const timings = (window.oneMapTimings = {});

let token = sessionStorage.getItem('cc-token');
let me = null;
let map = null;
let stats = null;
let proj = null;
const view = { s: 1, tx: 0, ty: 0 };
let markers = []; // overlay items: { node, x, y } in world metres
let labels = [];
let probe = null;

function setState(s) {
  document.body.dataset.state = s;
  $('login-view').hidden = s !== 'login';
  $('refused').hidden = s !== 'refused';
  $('loading').hidden = s !== 'loading';
  $('app').hidden = !(s === 'ready' || s === 'drawing');
  $('sign-out').hidden = s === 'login';
}

async function api(path, options = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (options.body) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { ...options, headers });
  const body = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) {
    const err = new Error((body && body.message) || r.statusText || 'request failed');
    err.status = r.status;
    throw err;
  }
  return body;
}

// ----- signing in -----

async function signIn(ev) {
  ev.preventDefault();
  const started = performance.now();
  $('login-error').textContent = '';
  try {
    const s = await api('/v1/auth/login', { method: 'POST', body: JSON.stringify({ login: $('login').value.trim(), password: $('password').value }) });
    token = s.token;
    sessionStorage.setItem('cc-token', token);
    $('password').value = '';
    timings.login_ms = performance.now() - started;
    await start(started);
  } catch (e) {
    $('login-error').textContent = e.status === 401 ? '账号或密码错误 Wrong login or password' : '无法登录 Cannot sign in: ' + e.message;
  }
}

async function signOut() {
  try { if (token) await api('/v1/auth/logout', { method: 'POST' }); } catch (_) { /* the session may be gone already */ }
  if (stream) stream.abort();
  stream = null;
  token = null;
  sessionStorage.removeItem('cc-token');
  me = map = stats = null;
  $('tiles').replaceChildren();
  tiles = new Map();
  tilesOf = '';
  $('who').textContent = '';
  $('area').textContent = '';
  setState('login');
  $('login').focus();
}

async function start(started = performance.now()) {
  setState('loading');
  try {
    me = await api('/v1/me');
  } catch (e) {
    token = null;
    sessionStorage.removeItem('cc-token');
    setState('login');
    return;
  }
  const role = me.actor.role;
  $('who').textContent = `${me.login} · ${roleName(role)}`;
  if (role !== 'operator' && role !== 'district') {
    $('refused-message').textContent = `“${me.login}” 是${roleName(role)}账号。养老一张图仅供服务站运营人员和区级管理员在各自辖区内使用。` +
      ` This page is for station operators and district administrators, each within their area; the account “${me.login}” belongs to a ${role} role.`;
    setState('refused');
    return;
  }
  try {
    // Both at once: the map draws as soon as it arrives, the figures fill in beside it.
    const mapStarted = performance.now();
    $('month').value = '';
    const statsReq = loadStats();
    const queueReq = Promise.all([loadQueue(), loadComplaints()]);
    map = await api('/v1/map');
    await queueReq;
    timings.map_fetch_ms = performance.now() - mapStarted;
    setState('drawing');
    const drawStarted = performance.now();
    drawMap();
    timings.draw_ms = performance.now() - drawStarted;
    timings.first_map_ms = performance.now() - started;
    await statsReq;
    drawStats();
    drawTownships();
    timings.ready_ms = performance.now() - started;
    setState('ready');
    watchChanges();
  } catch (e) {
    if (e.status === 403) {
      $('refused-message').textContent = e.message;
      setState('refused');
    } else {
      $('login-error').textContent = '加载失败 Could not load: ' + e.message;
      setState('login');
    }
  }
}

function roleName(role) {
  return { senior: '老人', family: '家属', caregiver: '护理员', operator: '服务站运营', district: '区级管理' }[role] || role;
}

// ----- projection and view -----

// GCJ-02 ("Mars coordinates", Amap's and Tencent's tiles): the published WGS-84 → GCJ-02 formula
// with the constants the core converts with (core/src/position.rs, crate coordtransform), and its
// inverse as the core refines it (a seed, then two corrections). The server says which system
// the tiles use (/v1/map base_map.crs) and keeps every position in WGS-84; the page shifts what it
// draws into the tiles' system, so that the data lies on the tiles' streets. (The core leaves
// positions outside mainland China unshifted; a district with GCJ-02 tiles lies inside it.) The
// browser test holds this port to the core's answers.
const GCJ_AXIS = 6378245.0;
const GCJ_EE = 0.006693421622965943;

function wgs84ToGcj02(lat, lon) {
  const x = lon - 105, y = lat - 35, p = Math.PI;
  const shared = (20 * Math.sin(6 * x * p) + 20 * Math.sin(2 * x * p)) * 2 / 3;
  const dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + shared
    + (20 * Math.sin(y * p) + 40 * Math.sin(y / 3 * p)) * 2 / 3 + (160 * Math.sin(y / 12 * p) + 320 * Math.sin(y * p / 30)) * 2 / 3;
  const dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + shared
    + (20 * Math.sin(x * p) + 40 * Math.sin(x / 3 * p)) * 2 / 3 + (150 * Math.sin(x / 12 * p) + 300 * Math.sin(x / 30 * p)) * 2 / 3;
  const rad = lat * RAD, magic = 1 - GCJ_EE * Math.sin(rad) ** 2, sq = Math.sqrt(magic);
  return [lat + dLat * 180 / ((GCJ_AXIS * (1 - GCJ_EE)) / (magic * sq) * p), lon + dLon * 180 / (GCJ_AXIS / sq * Math.cos(rad) * p)];
}

function gcj02ToWgs84(lat, lon) {
  const f = wgs84ToGcj02(lat, lon);
  let w = [2 * lat - f[0], 2 * lon - f[1]];
  for (let i = 0; i < 2; i++) {
    const g = wgs84ToGcj02(w[0], w[1]);
    w = [w[0] - (g[0] - lat), w[1] - (g[1] - lon)];
  }
  return w;
}
window.oneMapGcj02 = wgs84ToGcj02;

// One projection for the data and the tiles: Web Mercator, scaled to metres at the area's centre
// (so cells are cell_m wide and the scale bar reads metres there), in the tiles' coordinate
// system when the district has a base map. World units are these metres; Mercator radians
// (longitude, ψ) are what tile numbers are made of.
function makeProjection(b, crs) {
  const gcj = crs === 'gcj02';
  const shift = gcj ? wgs84ToGcj02 : (lat, lon) => [lat, lon];
  const [lat0, lon0] = shift((b.south + b.north) / 2, (b.west + b.east) / 2);
  const k = Math.cos(lat0 * RAD) * EARTH_RADIUS_M;
  const psi = (lat) => Math.log(Math.tan(Math.PI / 4 + lat * RAD / 2));
  const l0 = lon0 * RAD, p0 = psi(lat0);
  return {
    k,
    xy(lat, lon) {
      const [a, o] = shift(lat, lon);
      return [k * (o * RAD - l0), -k * (psi(a) - p0)];
    },
    latLon(x, y) {
      const lon = (x / k + l0) / RAD, lat = (2 * Math.atan(Math.exp(-y / k + p0)) - Math.PI / 2) / RAD;
      return gcj ? gcj02ToWgs84(lat, lon) : [lat, lon];
    },
    toMercator: (x, y) => [x / k + l0, -y / k + p0],
    fromMercator: (l, p) => [k * (l - l0), -k * (p - p0)],
  };
}

function fit() {
  const b = map.bounds, r = $('map').getBoundingClientRect();
  const corners = [[b.south, b.west], [b.south, b.east], [b.north, b.west], [b.north, b.east]].map(([lat, lon]) => proj.xy(lat, lon));
  const xs = corners.map((c) => c[0]), ys = corners.map((c) => c[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const w = Math.max(x1 - x0, 500), h = Math.max(y1 - y0, 500);
  // Keep the area clear of the layers panel on the left when there is room for it.
  const panel = $('layers').hidden ? 0 : $('layers').getBoundingClientRect().width + 20;
  const left = r.width - panel > 500 ? panel : 0;
  view.s = Math.min((r.width - left) / w, r.height / h) * 0.92;
  view.tx = left + (r.width - left) / 2 - ((x0 + x1) / 2) * view.s;
  view.ty = r.height / 2 - ((y0 + y1) / 2) * view.s;
  render();
}

let pending = false;
function schedule() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  }
}

function render() {
  drawTiles();
  $('world').setAttribute('transform', `translate(${view.tx} ${view.ty}) scale(${view.s})`);
  for (const m of markers) m.node.setAttribute('transform', `translate(${(m.x * view.s + view.tx).toFixed(1)} ${(m.y * view.s + view.ty).toFixed(1)})`);
  const showLabels = view.s > 0.055;
  for (const l of labels) {
    l.node.setAttribute('x', (l.x * view.s + view.tx).toFixed(1));
    l.node.setAttribute('y', (l.y * view.s + view.ty).toFixed(1));
    l.node.style.display = showLabels ? '' : 'none';
  }
  if (probe) drawProbe();
  // A scale bar of a round length near 100 px.
  const metres = 100 / view.s, p = Math.pow(10, Math.floor(Math.log10(metres)));
  const nice = [1, 2, 5, 10].map((k) => k * p).filter((v) => v <= metres).pop() || p;
  $('scale-bar').style.width = (nice * view.s).toFixed(0) + 'px';
  $('scale-label').textContent = nice >= 1000 ? nice / 1000 + ' km' : nice + ' m';
}

function zoomAt(px, py, factor) {
  const s = Math.min(Math.max(view.s * factor, 0.002), 2);
  const k = s / view.s;
  view.tx = px - (px - view.tx) * k;
  view.ty = py - (py - view.ty) * k;
  view.s = s;
  schedule();
}

function toLatLon(px, py) {
  const [lat, lon] = proj.latLon((px - view.tx) / view.s, (py - view.ty) / view.s);
  return { lat, lon };
}

// ----- the base map: slippy-map tiles under the SVG -----

const TILE_PX = 256;
let tiles = new Map(); // 'z/x/y' -> <img>, of the tile source `tilesOf`
let tilesOf = '';

function tileUrl(b, z, x, y) {
  const s = b.subdomains && b.subdomains.length ? b.subdomains[(x + y) % b.subdomains.length] : '';
  return b.url.replace('{z}', z).replace('{x}', x).replace('{y}', y).replace('{s}', s);
}

// The tiles of the zoom level nearest TILE_PX on screen that cover the map, placed on whole
// pixels (so that neighbours meet without seams); the others are dropped. Tiles are <img>s,
// which may send the platform's origin (never the page's address) to the tile host: keys bound to
// a domain need it. Web Mercator XYZ: x from 180° W, y from the north.
function drawTiles() {
  const layer = $('tiles'), b = map && map.base_map;
  const source = b ? JSON.stringify(b) : '';
  if (source !== tilesOf) {
    layer.replaceChildren();
    tiles = new Map();
    tilesOf = source;
  }
  if (!b || !proj) return;
  const r = $('map').getBoundingClientRect();
  const world = 2 * Math.PI * proj.k * view.s; // pixels around the equator of the map's Mercator
  const z = Math.max(0, Math.min(b.max_zoom, Math.round(Math.log2(world / TILE_PX))));
  const n = 2 ** z, turn = 2 * Math.PI;
  const [lw, pn] = proj.toMercator(-view.tx / view.s, -view.ty / view.s);
  const [le, ps] = proj.toMercator((r.width - view.tx) / view.s, (r.height - view.ty) / view.s);
  const x0 = Math.floor((lw + Math.PI) / turn * n), x1 = Math.floor((le + Math.PI) / turn * n);
  const y0 = Math.max(0, Math.floor((Math.PI - pn) / turn * n)), y1 = Math.min(n - 1, Math.floor((Math.PI - ps) / turn * n));
  const want = new Set();
  if ((x1 - x0 + 1) * (y1 - y0 + 1) <= 600) {
    const screen = (tx, ty) => {
      const [x, y] = proj.fromMercator(tx / n * turn - Math.PI, Math.PI - ty / n * turn);
      return [Math.round(x * view.s + view.tx), Math.round(y * view.s + view.ty)];
    };
    for (let ty = y0; ty <= y1; ty++) {
      for (let tx = x0; tx <= x1; tx++) {
        const key = `${z}/${tx}/${ty}`;
        want.add(key);
        let img = tiles.get(key);
        if (!img) {
          img = html('img', { class: 'tile', alt: '', draggable: 'false', decoding: 'async', 'data-tile': key });
          img.referrerPolicy = 'strict-origin';
          img.src = tileUrl(b, z, ((tx % n) + n) % n, ty);
          tiles.set(key, img);
          layer.appendChild(img);
        }
        const [left, top] = screen(tx, ty), [right, bottom] = screen(tx + 1, ty + 1);
        img.style.left = left + 'px';
        img.style.top = top + 'px';
        img.style.width = right - left + 'px';
        img.style.height = bottom - top + 'px';
      }
    }
  }
  for (const [key, img] of tiles) {
    if (!want.has(key)) {
      img.remove();
      tiles.delete(key);
    }
  }
}

// ----- drawing -----

function drawMap() {
  proj = makeProjection(map.bounds, map.base_map && map.base_map.crs);
  $('map-pane').classList.toggle('tiled', !!map.base_map);
  const attribution = $('attribution');
  attribution.textContent = map.base_map ? map.base_map.attribution : '';
  attribution.hidden = !attribution.textContent;
  const world = $('world'), overlay = $('overlay');
  world.replaceChildren();
  overlay.replaceChildren();
  markers = [];
  labels = [];
  probe = null;
  $('area').textContent = map.area.kind === 'district' ? `${map.area_name} · 全区 whole district` : `${map.area_name} · 本站辖区 this station's seniors`;
  $('today').textContent = map.today;

  if (map.outline.length) {
    el('path', { class: 'outline', d: ring(map.outline) + 'Z' }, world);
  }
  // Home cells, shaded by how many seniors live there.
  const cellsLayer = el('g', { id: 'cells' }, world);
  const maxN = Math.max(1, ...map.cells.map((c) => c.seniors));
  const side = map.cell_m; // metres, drawn square
  const frag = document.createDocumentFragment();
  map.cells.forEach((c, i) => {
    const t = Math.sqrt(c.seniors / maxN), [x, y] = proj.xy(c.lat, c.lon);
    el('rect', {
      class: 'cell', 'data-i': i, x: (x - side / 2).toFixed(1), y: (y - side / 2).toFixed(1), width: side, height: side,
      fill: `rgb(${Math.round(200 - 150 * t)},${Math.round(220 - 120 * t)},${Math.round(240 - 60 * t)})`, 'fill-opacity': (0.35 + 0.6 * t).toFixed(2),
    }, frag);
  });
  cellsLayer.appendChild(frag);
  el('g', { id: 'holes' }, world);
  el('g', { id: 'isochrone' }, world);
  // Streets' and towns' boundaries, and each village's: imported, or the hull of its home cells.
  const townships = el('g', { id: 'townships-layer' }, world);
  for (const t of map.townships || []) el('path', { class: 'township', 'data-township': t.code, d: ring(t.outline) + 'Z' }, townships);
  const villages = el('g', { id: 'villages' }, world);
  for (const v of map.divisions) {
    const outline = outlineOf(v);
    if (outline.length < 3) continue;
    el('path', { class: 'village' + (v.boundary && v.boundary.length ? ' imported' : ''), 'data-division': v.code, d: ring(outline) + 'Z' }, villages);
    const [x, y] = proj.xy(...centroid(outline));
    const t = el('text', { class: 'label' }, overlay);
    t.textContent = shortName(v.name);
    labels.push({ node: t, x, y: y - 14 });
  }

  // Each caregiver's day: base cell → accepted visits' home cells in order → base, along the streets.
  const routesLayer = el('g', { id: 'routes' }, world);
  (map.routes || []).forEach((r, i) => {
    const line = el('path', { class: 'route', 'data-caregiver': r.caregiver_id, d: ring(r.path), stroke: ROUTE_COLOURS[i % ROUTE_COLOURS.length] }, routesLayer);
    line.dataset.tip = `${r.caregiver_id} · ${r.station_id}\n今日 ${r.visits} 次上门 visits today · 路上 ${Math.round(r.travel_minutes)} 分钟 min travel${r.planned ? ' · 已排班 planned' : ''}`;
  });

  // Overlay markers keep their size on screen whatever the zoom.
  const visitsLayer = el('g', { id: 'visit-markers' }, overlay);
  const byCell = new Map();
  for (const v of map.visits) {
    const key = v.lat + ',' + v.lon;
    if (!byCell.has(key)) byCell.set(key, []);
    byCell.get(key).push(v);
  }
  for (const [, list] of byCell) {
    const g = el('g', { class: 'visit', 'data-count': list.length }, visitsLayer);
    const worst = list.map((v) => v.state).sort((a, b) => stateRank(a) - stateRank(b))[0];
    el('rect', { x: -4.5, y: -4.5, width: 9, height: 9, rx: 1.5, fill: STATES[worst] ? STATES[worst][1] : '#999', transform: 'rotate(45)' }, g);
    if (list.length > 1) el('text', {}, g).textContent = list.length;
    g.dataset.tip = list.map((v) => `${timeOf(v.start)} ${SERVICES[v.service] || v.service} · ${(STATES[v.state] || [v.state])[0]}`).join('\n');
    const [x, y] = proj.xy(list[0].lat, list[0].lon);
    markers.push({ node: g, x, y });
  }
  const facLayer = el('g', { id: 'facility-markers' }, overlay);
  const order = ['community_station', 'canteen', 'rental_point', 'clinic', 'township_center', 'regional_center'];
  const sorted = [...map.facilities].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const f of sorted) {
    const k = KINDS[f.kind] || { color: '#555', shape: 'circle', size: 5 };
    const g = el('g', { class: 'facility', 'data-kind': f.kind, 'data-id': f.id }, facLayer);
    const s = k.size;
    if (k.shape === 'circle') el('circle', { r: s, fill: k.color }, g);
    else if (k.shape === 'square') el('rect', { x: -s, y: -s, width: 2 * s, height: 2 * s, fill: k.color }, g);
    else if (k.shape === 'diamond') el('rect', { x: -s * 0.8, y: -s * 0.8, width: 1.6 * s, height: 1.6 * s, fill: k.color, transform: 'rotate(45)' }, g);
    else el('path', { d: `M${-s / 3} ${-s}h${2 * s / 3}v${2 * s / 3}h${2 * s / 3}v${2 * s / 3}h${-2 * s / 3}v${2 * s / 3}h${-2 * s / 3}v${-2 * s / 3}h${-2 * s / 3}v${-2 * s / 3}h${2 * s / 3}z`, fill: k.color }, g);
    g.dataset.tip = `${f.name}\n${k.zh || f.kind} · ${(f.services || []).map((x) => (SERVICES[x] || x).split(' ')[0]).join(' ')}`;
    const [x, y] = proj.xy(f.lat, f.lon);
    markers.push({ node: g, x, y, facility: f });
  }
  const alertLayer = el('g', { id: 'alert-markers' }, overlay);
  map.alerts.forEach((a, i) => {
    const g = el('g', { class: 'alert', 'data-id': a.id }, alertLayer);
    el('circle', { class: 'pulse', r: 14 }, g);
    el('circle', { class: 'core', r: 8 }, g);
    el('text', {}, g).textContent = 'SOS'.slice(0, 1) + (i + 1);
    g.dataset.tip = `SOS ${a.state} · ${ageOf(a.raised_at)}\n${a.senior_id}`;
    const [x, y] = proj.xy(a.lat, a.lon);
    markers.push({ node: g, x, y });
  });
  el('g', { id: 'probe', class: 'probe' }, overlay);

  buildLayerControls();
  drawHoles();
  drawLive();
  applyToggles();
  fit();
}

const ROUTE_COLOURS = ['#7b3fa0', '#c2185b', '#00838f', '#ef6c00', '#2e7d32', '#5d4037', '#283593', '#9e9d24'];
const ring = (pts) => pts.map((p, i) => { const [x, y] = proj.xy(p[0], p[1]); return (i ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1); }).join('');
const centroid = (pts) => [pts.reduce((a, p) => a + p[0], 0) / pts.length, pts.reduce((a, p) => a + p[1], 0) / pts.length];
const outlineOf = (v) => (v.boundary && v.boundary.length ? v.boundary : v.hull);
const shortName = (n) => n.replace(/^.*?(街道|镇)/, '');
const stateRank = (s) => ['checked_in', 'offered', 'requested', 'accepted', 'no_show', 'completed', 'declined', 'expired', 'cancelled'].indexOf(s);
const timeOf = (t) => new Date(t).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' });
const ageOf = (t) => { const m = Math.round((Date.now() - new Date(t)) / 60000); return m < 60 ? `${m} 分钟前 min ago` : `${Math.round(m / 60)} 小时前 h ago`; };

function drawHoles() {
  const layer = $('holes');
  layer.replaceChildren();
  const svc = $('hole-service').value;
  const holes = map.holes.find((h) => h.service === svc);
  if (!holes) return;
  const side = map.cell_m, frag = document.createDocumentFragment();
  for (const i of holes.cells) {
    const c = map.cells[i], [x, y] = proj.xy(c.lat, c.lon);
    el('rect', { class: 'hole', 'data-i': i, x: (x - side / 2).toFixed(1), y: (y - side / 2).toFixed(1), width: side, height: side }, frag);
  }
  layer.appendChild(frag);
  $('hole-count').textContent = `${holes.cells.length} 格 cells · ${holes.seniors} 位老人 seniors`;
}

function buildLayerControls() {
  const box = $('kind-toggles');
  box.replaceChildren();
  const counts = {};
  for (const f of map.facilities) counts[f.kind] = (counts[f.kind] || 0) + 1;
  for (const kind of Object.keys(KINDS)) {
    const k = KINDS[kind];
    const label = html('label');
    const cb = html('input', { type: 'checkbox', 'data-kind': kind });
    cb.checked = true;
    cb.addEventListener('change', applyToggles);
    const sw = html('span', { class: 'swatch' });
    sw.style.background = k.color;
    label.append(cb, sw, ` ${k.zh} ${k.en}`, html('span', { class: 'count', 'data-kind-count': kind }, String(counts[kind] || 0)));
    box.appendChild(label);
  }
  const sel = $('hole-service');
  if (!sel.options.length) {
    for (const code of Object.keys(SERVICES)) sel.appendChild(html('option', { value: code }, SERVICES[code]));
    sel.value = 'meals';
  }
  if (!$('hole-count')) $('hole-service').after(html('div', { id: 'hole-count', class: 'muted' }));
}

function applyToggles() {
  const hidden = new Set([...document.querySelectorAll('#kind-toggles input')].filter((c) => !c.checked).map((c) => c.dataset.kind));
  for (const m of markers) if (m.facility) m.node.style.display = hidden.has(m.facility.kind) ? 'none' : '';
  $('cells').style.display = $('show-homes').checked ? '' : 'none';
  $('holes').style.display = $('show-holes').checked ? '' : 'none';
  $('alert-markers').style.display = $('show-alerts').checked ? '' : 'none';
  $('visit-markers').style.display = $('show-visits').checked ? '' : 'none';
  $('routes').style.display = $('show-routes').checked ? '' : 'none';
}

// An action on the page is the API's command, as a phone would send it; the page then redraws
// from the platform (the live stream would tell it too).
async function act(button, path, body) {
  button.disabled = true;
  $('act-error').textContent = '';
  try {
    await api(path, { method: 'POST', body: JSON.stringify(body || {}) });
    await refreshMap();
  } catch (e) {
    $('act-error').textContent = '操作未完成 Not done: ' + e.message;
    button.disabled = false;
  }
}

function actButton(label, cls, onClick) {
  const b = html('button', { type: 'button', class: cls }, label);
  b.addEventListener('click', () => onClick(b));
  return b;
}

function drawLive() {
  const a = $('alerts');
  a.replaceChildren(html('div', { class: 'muted' }, `紧急呼叫 Open SOS: ${map.alerts.length}`));
  map.alerts.forEach((x, i) => {
    const row = html('div', { class: 'alert-row', 'data-alert': x.id, 'data-state': x.state });
    row.append(html('b', {}, 'S' + (i + 1)), ` ${x.state === 'acknowledged' ? '已响应 acknowledged' : '待响应 waiting'} · ${ageOf(x.raised_at)} · ${x.station_id || ''} `);
    if (x.state === 'raised') row.append(actButton('响应 Acknowledge', 'ack', (b) => act(b, `/v1/alerts/${encodeURIComponent(x.id)}/acknowledge`)));
    row.append(actButton('解除 Resolve', 'resolve', (b) => act(b, `/v1/alerts/${encodeURIComponent(x.id)}/resolve`, { note: '已处理 handled on the one map' })));
    a.appendChild(row);
  });
  const flagged = map.reviews || [];
  const r = $('reviews');
  r.replaceChildren(html('div', { class: 'muted' }, `待审核上门 Visits to review: ${flagged.length}`));
  for (const x of flagged) {
    const row = html('div', { class: 'review-row', 'data-booking': x.booking_id });
    row.append(`${(SERVICES[x.service] || x.service).split(' ')[0]} · ${x.caregiver_id || ''} · ${ageOf(x.start)} `);
    row.append(actButton('通过 Approve', 'approve', (b) => act(b, `/v1/bookings/${encodeURIComponent(x.booking_id)}/review`, { review: 'approved' })));
    row.append(actButton('驳回 Refuse', 'refuse', (b) => act(b, `/v1/bookings/${encodeURIComponent(x.booking_id)}/review`, { review: 'rejected' })));
    r.appendChild(row);
  }
  drawQueue();
  drawComplaints();
  const v = $('visits');
  const counts = {};
  for (const x of map.visits) counts[x.state] = (counts[x.state] || 0) + 1;
  v.replaceChildren(html('div', { class: 'muted' }, `今日上门服务 Visits today: ${map.visits.length}`));
  const list = html('div', { class: 'state-list' });
  for (const s of Object.keys(STATES)) {
    if (!counts[s]) continue;
    const item = html('span', { 'data-visit-state': s, 'data-value': counts[s] });
    const sw = html('span', { class: 'swatch' });
    sw.style.background = STATES[s][1];
    item.append(sw, ` ${STATES[s][0]} ${counts[s]}`);
    list.appendChild(item);
  }
  v.appendChild(list);
}

// ----- subsidy applications waiting for the signed-in reviewer -----

let queue = [];
const KINDS_OF_SUBSIDY = { service: '服务补贴 service hours', meal: '助餐补贴 meals', device_rental: '辅具租赁补贴 device rental' };

async function loadQueue() {
  try { queue = await api('/v1/subsidies'); } catch (_) { queue = []; }
}

// The station recommends or returns a submitted application; the district approves or refuses
// a recommended one. Returning and refusing say why (the reason box).
function drawQueue() {
  const q = $('subsidies');
  if (!q) return;
  const district = me && me.actor.role === 'district';
  q.replaceChildren(html('div', { class: 'muted' }, `${district ? '待审批补贴 Subsidies to decide' : '待推荐补贴 Subsidies to recommend'}: ${queue.length}`));
  for (const a of queue) {
    const row = html('div', { class: 'subsidy-row', 'data-subsidy': a.id });
    row.append(`${KINDS_OF_SUBSIDY[a.kind] || a.kind} · ${a.assessment_level || ''} · ${ageOf(a.applied_at)} `);
    const reason = html('input', { type: 'text', class: 'reason', placeholder: '理由 reason', maxlength: '500' });
    const step = (action) => (b) => {
      if ((action === 'refuse' || action === 'return') && !reason.value.trim()) {
        $('act-error').textContent = '请写明理由 Say why';
        reason.focus();
        return;
      }
      act(b, `/v1/subsidies/${encodeURIComponent(a.id)}/${action}`, { reason: reason.value.trim() });
    };
    if (district) row.append(actButton('批准 Approve', 'approve', step('approve')), actButton('不予批准 Refuse', 'refuse', step('refuse')));
    else row.append(actButton('推荐 Recommend', 'recommend', step('recommend')), actButton('退回 Return', 'return', step('return')));
    row.append(reason);
    q.appendChild(row);
  }
}

// ----- complaints the signed-in station or district answers -----

let complaints = [];

async function loadComplaints() {
  try { complaints = await api('/v1/complaints'); } catch (_) { complaints = []; }
}

// An answer is sent as the complaint's answer command; "close" ends the complaint with it.
function drawComplaints() {
  const c = $('complaints');
  if (!c) return;
  c.replaceChildren(html('div', { class: 'muted' }, `待回复投诉 Complaints to answer: ${complaints.length}`));
  for (const x of complaints) {
    const row = html('div', { class: 'complaint-row', 'data-complaint': x.id, 'data-state': x.state });
    row.append(`${x.subject === 'meal' ? '助餐 meal' : '上门 visit'} · ${x.text} · ${ageOf(x.at)} `);
    const answer = html('input', { type: 'text', class: 'answer', placeholder: '回复 answer', maxlength: '1000', value: x.answer || '' });
    const send = (close) => (b) => {
      if (!answer.value.trim()) {
        $('act-error').textContent = '请写明回复 Write the answer';
        answer.focus();
        return;
      }
      act(b, `/v1/complaints/${encodeURIComponent(x.id)}/answer`, { answer: answer.value.trim(), close });
    };
    row.append(answer, actButton('回复 Answer', 'answer', send(false)), actButton('办结 Close', 'close', send(true)));
    c.appendChild(row);
  }
}

// ----- live: the platform's stream says something in this area changed -----

let stream = null;
let refreshing = null;

// Fetches the map again and redraws it where the operator is looking.
async function refreshMap() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const saved = { ...view };
    [map] = await Promise.all([api('/v1/map'), loadQueue(), loadComplaints()]);
    drawMap();
    Object.assign(view, saved);
    schedule();
    timings.live_updates = (timings.live_updates || 0) + 1;
    timings.last_update_at = Date.now();
  })().finally(() => (refreshing = null));
  return refreshing;
}

// EventSource cannot send the bearer token, so the stream is read with fetch. It resumes from
// the last event seen; its first event after connecting without one only sets the cursor.
async function watchChanges() {
  if (stream) stream.abort();
  const ctl = new AbortController();
  stream = ctl;
  let cursor = '';
  while (!ctl.signal.aborted && token) {
    try {
      const headers = { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' };
      if (cursor) headers['Last-Event-ID'] = cursor;
      const r = await fetch('/v1/sync/stream', { headers, signal: ctl.signal });
      if (r.status === 401) return;
      if (!r.ok) throw new Error('stream ' + r.status);
      document.body.dataset.live = 'on';
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true }).replace(/\r\n/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const id = (block.match(/^id: ?(.*)$/m) || [])[1];
          if (!/^event: ?changed$/m.test(block)) continue;
          const first = !cursor;
          if (id) cursor = id;
          if (!first && map) refreshMap().catch(() => {});
        }
      }
    } catch (_) {
      if (ctl.signal.aborted) return;
    }
    document.body.dataset.live = 'off';
    await new Promise((res) => setTimeout(res, 1000));
  }
}

// ----- statistics -----

async function loadStats() {
  const month = $('month').value;
  const started = performance.now();
  $('stats-body').textContent = '…';
  const s = await api('/v1/stats' + (month ? '?month=' + encodeURIComponent(month) : ''));
  timings.stats_fetch_ms = performance.now() - started;
  stats = s;
  if (!$('month').value) $('month').value = s.month;
  if (!map) return;
  drawStats();
  drawTownships();
  if (probe && probe.division) showVillage(probe.division);
}

function kpi(parent, stat, name, value, shown, target, level) {
  const box = html('div', { class: 'kpi ' + (level || '') });
  const v = html('div', { class: 'value', 'data-stat': stat, 'data-value': String(value) }, shown);
  box.append(html('div', { class: 'name' }, name), v, html('div', { class: 'target' }, target || ''));
  parent.appendChild(box);
}

function figures(parent, d, t) {
  const k = html('div', { class: 'kpis' });
  kpi(k, 'seniors', '老人 Seniors', d.seniors, d.seniors.toLocaleString('zh-CN'), `65+: ${d.seniors_65.toLocaleString('zh-CN')}`);
  kpi(k, 'contract_rate', '家庭医生签约 Family-doctor contracts', d.contract_rate, pct(d.contract_rate),
    `目标 target 镇海 ${pct(t.contract_rate_zhenhai)} · 绍兴 ${pct(t.contract_rate_shaoxing_low)}–${pct(t.contract_rate_shaoxing_high)}`, d.bands.contract_rate);
  kpi(k, 'check_rate_65', '65岁以上健康管理 Health checks 65+', d.check_rate_65, pct(d.check_rate_65),
    `目标 target ${pct(t.health_management_65_shaoxing_low)}–${pct(t.health_management_65_shaoxing_high)}`, d.bands.check_rate_65);
  kpi(k, 'meal_coverage', '助餐覆盖村社 Meal help', d.meal_coverage, pct(d.meal_coverage),
    `${d.communities_with_meals}/${d.communities} 村社 · 目标 ${pct(t.meal_coverage)}`, d.bands.meal_coverage);
  kpi(k, 'served_rate', '政府购买服务 Gov.-paid hours used', d.served_rate, pct(d.served_rate), `${d.served}/${d.eligible} 符合条件 eligible`);
  kpi(k, 'contracted', '签约人数 Contracted', d.contracted, d.contracted.toLocaleString('zh-CN'), `体检 checked 65+: ${d.checked_65.toLocaleString('zh-CN')}`);
  parent.appendChild(k);
  const bars = html('div', { class: 'bars' });
  bars.appendChild(html('div', { class: 'muted' }, '15分钟圈'));
  bars.appendChild(html('div', { class: 'muted' }, `15-minute circle, share of seniors (target ${pct(t.circle)})`));
  bars.appendChild(html('div'));
  for (const c of d.circle) {
    bars.appendChild(html('div', {}, (SERVICES[c.service] || c.service).split(' ')[0]));
    const bar = html('div', { class: 'bar' + (c.band === 'far' ? ' low' : '') });
    const fill = html('div');
    fill.style.width = (c.share * 100).toFixed(1) + '%';
    bar.appendChild(fill);
    bars.appendChild(bar);
    bars.appendChild(html('div', { class: 'num', 'data-stat': 'circle:' + c.service, 'data-value': String(c.share) }, pct(c.share)));
  }
  parent.appendChild(bars);
}

function drawStats() {
  const body = $('stats-body');
  body.replaceChildren();
  body.classList.remove('muted');
  $('stats').dataset.month = stats.month;
  $('as-of').textContent = `截至 as of ${stats.as_of}`;
  $('stats-scope').textContent = map.area.kind === 'district' ? '全区 district' : '本站 station';
  figures(body, stats.district, stats.targets);
}

function drawTownships() {
  const names = {};
  for (const v of map.divisions) names[v.township] = v.township_name;
  const table = html('table');
  const head = html('tr');
  for (const h of ['镇街 Township', '老人', '签约', '体检65+', '助餐']) head.appendChild(html('th', {}, h));
  table.appendChild(head);
  for (const t of stats.townships) {
    const tr = html('tr', { 'data-township': t.division });
    tr.append(html('td', {}, names[t.division] || t.division), html('td', {}, t.seniors.toLocaleString('zh-CN')), html('td', {}, pct(t.contract_rate)),
      html('td', {}, pct(t.check_rate_65)), html('td', {}, `${t.communities_with_meals}/${t.communities}`));
    table.appendChild(tr);
  }
  $('township-table').replaceChildren(table);
}

// ----- a clicked point: its village and the nearest facilities -----

function inspect(px, py, facility) {
  const { lat, lon } = toLatLon(px, py);
  const p = { lat, lon, division: null, results: [] };
  probe = p;
  document.querySelectorAll('.village.selected').forEach((n) => n.classList.remove('selected'));
  showFacility(facility);
  findNearest();
  drawIsochrone();
  drawProbe();
  showVillageAt(p);
}

// Which village the point is in is the core's rule (GET /v1/map/village), not the page's.
async function showVillageAt(p) {
  let v = null;
  try {
    v = await api(`/v1/map/village?lat=${p.lat.toFixed(6)}&lon=${p.lon.toFixed(6)}`);
  } catch (e) {
    v = null;
  }
  if (probe !== p) return;
  p.division = v ? v.code : null;
  const node = v && document.querySelector(`.village[data-division="${v.code}"]`);
  if (node) node.classList.add('selected');
  showVillage(p.division);
}

// The area within the circle's walk of the clicked point, along the walking network.
async function drawIsochrone() {
  const layer = $('isochrone');
  layer.replaceChildren();
  if (!probe || !map.network) return;
  const p = probe;
  try {
    const iso = await api(`/v1/isochrone?lat=${p.lat.toFixed(6)}&lon=${p.lon.toFixed(6)}&minutes=${map.circle_minutes}`);
    if (probe !== p) return;
    const polys = iso.geometry.type === 'Polygon' ? [iso.geometry.coordinates] : iso.geometry.coordinates;
    let d = '';
    for (const poly of polys) for (const r of poly) d += 'M' + r.map(([lon, lat]) => proj.xy(lat, lon).map((v) => v.toFixed(1)).join(',')).join('L') + 'Z';
    el('path', { class: 'isochrone', d, 'fill-rule': 'evenodd', 'data-area-m2': Math.round(iso.area_m2) }, layer);
    layer.dataset.tip = `${iso.minutes} 分钟步行范围 area within ${iso.minutes} min on foot: ${(iso.area_m2 / 1e6).toFixed(2)} km²`;
  } catch (e) {
    // No network path from here (or none loaded): nothing to draw.
  }
}

function showVillage(code) {
  const box = $('village');
  box.replaceChildren();
  box.classList.remove('muted');
  if (!code) {
    delete box.dataset.division;
    box.textContent = '此处没有本辖区老人居住的村社。No village of this area with seniors here.';
    box.classList.add('muted');
    return;
  }
  box.dataset.division = code;
  const v = map.divisions.find((d) => d.code === code);
  box.appendChild(html('h3', {}, `${v.name}`));
  box.appendChild(html('div', { class: 'muted' }, `${v.township_name} · ${code}`));
  const here = map.facilities.filter((f) => f.division === code);
  const chips = html('div', { class: 'chips' });
  for (const f of here) chips.appendChild(html('span', { class: 'chip' }, `${(KINDS[f.kind] || {}).zh || f.kind} ${f.name.replace(/^.*?(街道|镇)/, '')}`));
  const s = stats && stats.villages.find((x) => x.division === code);
  const svc = $('hole-service').value;
  if (s) {
    figures(box, s, stats.targets);
    const missing = s.circle.filter((c) => c.share < 1).map((c) => `${(SERVICES[c.service] || c.service).split(' ')[0]} ${pct(1 - c.share)}`);
    if (missing.length) {
      const m = html('div', { class: 'chips' });
      for (const x of missing) m.appendChild(html('span', { class: 'chip bad' }, '圈外 out of circle: ' + x));
      box.appendChild(m);
    }
  } else {
    box.appendChild(html('div', { 'data-stat': 'seniors', 'data-value': String(v.seniors) }, `老人 Seniors: ${v.seniors}`));
  }
  if (here.length) box.appendChild(chips);
  // The village's seniors beyond the circle for the chosen service: the core's count (stats).
  const shown = s && s.circle.find((c) => c.service === svc);
  if (shown && shown.covered < s.seniors) {
    box.appendChild(html('div', { class: 'muted' }, `${SERVICES[svc]}: ${s.seniors - shown.covered} 位老人在圈外 seniors beyond the circle`));
  }
}

function showFacility(f) {
  const box = $('facility-card');
  box.replaceChildren();
  if (!f) { delete box.dataset.id; return; }
  box.dataset.id = f.id;
  box.append(html('h3', {}, f.name), html('div', { class: 'muted' }, `${(KINDS[f.kind] || {}).zh || f.kind} · ${f.address} · ${f.phone} · 床位/容量 ${f.capacity}`));
  const chips = html('div', { class: 'chips' });
  for (const s of f.services || []) chips.appendChild(html('span', { class: 'chip' }, SERVICES[s] || s));
  box.appendChild(chips);
}

async function findNearest() {
  if (!probe) return;
  const p = probe, kind = $('nearest-kind').value;
  const box = $('nearest');
  box.dataset.lat = p.lat.toFixed(6);
  box.dataset.lon = p.lon.toFixed(6);
  const list = box.querySelector('ol');
  list.replaceChildren(html('li', { class: 'muted' }, '…'));
  try {
    const found = await api(`/v1/facilities/nearest?lat=${box.dataset.lat}&lon=${box.dataset.lon}&kind=${encodeURIComponent(kind)}&k=5`);
    if (probe !== p) return;
    p.results = found;
    list.replaceChildren();
    for (const f of found) {
      const li = html('li', { 'data-facility-id': f.id, 'data-distance-m': f.distance_m.toFixed(1) });
      li.append(`${f.name} `, html('span', { class: 'd' }, `${f.distance_m < 1000 ? Math.round(f.distance_m) + ' m' : (f.distance_m / 1000).toFixed(2) + ' km'} · ${f.walk_minutes == null ? '无步行路径 no walking path' : `步行 ${Math.round(f.walk_minutes)} 分钟 min walk`}`));
      list.appendChild(li);
    }
    if (!found.length) list.appendChild(html('li', { class: 'muted' }, '没有 none'));
    box.dataset.kind = kind;
    drawProbe();
  } catch (e) {
    list.replaceChildren(html('li', { class: 'error' }, e.message));
  }
}

function drawProbe() {
  const g = $('probe');
  g.replaceChildren();
  if (!probe) return;
  const screen = (lat, lon) => { const [x, y] = proj.xy(lat, lon); return [x * view.s + view.tx, y * view.s + view.ty]; };
  const [x, y] = screen(probe.lat, probe.lon);
  probe.results.forEach((f, i) => {
    const [fx, fy] = screen(f.lat, f.lon);
    el('line', { x1: x, y1: y, x2: fx, y2: fy }, g);
    const t = el('text', { x: fx + 8, y: fy - 8 }, g);
    t.textContent = String(i + 1);
  });
  el('circle', { cx: x, cy: y, r: 6 }, g);
}

// ----- interaction -----

function tooltipFor(target, ev) {
  const tip = $('tooltip');
  const node = target.closest && target.closest('[data-tip]');
  let text = node ? node.dataset.tip : null;
  if (!text && target.classList && (target.classList.contains('cell') || target.classList.contains('hole'))) {
    const c = map.cells[+target.dataset.i];
    text = `${c.seniors} 位老人 seniors in this 250 m cell`;
  }
  if (!text) { tip.hidden = true; return; }
  const r = $('map-pane').getBoundingClientRect();
  tip.textContent = text;
  tip.style.whiteSpace = 'pre-line';
  tip.style.left = ev.clientX - r.left + 14 + 'px';
  tip.style.top = ev.clientY - r.top + 14 + 'px';
  tip.hidden = false;
}

function wire() {
  $('login-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('refused-sign-out').addEventListener('click', signOut);
  $('month').addEventListener('change', () => loadStats().catch((e) => ($('stats-body').textContent = e.message)));
  $('hole-service').addEventListener('change', () => { drawHoles(); if (probe && probe.division) showVillage(probe.division); });
  for (const id of ['show-homes', 'show-holes', 'show-alerts', 'show-visits', 'show-routes']) $(id).addEventListener('change', applyToggles);
  const kinds = $('nearest-kind');
  for (const kind of Object.keys(KINDS)) kinds.appendChild(html('option', { value: kind }, `${KINDS[kind].zh} ${KINDS[kind].en}`));
  kinds.value = 'canteen';
  kinds.addEventListener('change', findNearest);

  const svg = $('map');
  const centre = () => { const r = svg.getBoundingClientRect(); return [r.width / 2, r.height / 2]; };
  $('zoom-in').addEventListener('click', () => zoomAt(...centre(), 1.6));
  $('zoom-out').addEventListener('click', () => zoomAt(...centre(), 1 / 1.6));
  $('zoom-reset').addEventListener('click', fit);
  svg.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    zoomAt(ev.clientX - r.left, ev.clientY - r.top, Math.exp(-ev.deltaY * 0.0015));
  }, { passive: false });
  let drag = null;
  svg.addEventListener('pointerdown', (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, tx: view.tx, ty: view.ty, moved: false, target: ev.target };
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener('pointermove', (ev) => {
    if (!drag) { tooltipFor(ev.target, ev); return; }
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 5) return;
    drag.moved = true;
    svg.classList.add('dragging');
    $('tooltip').hidden = true;
    view.tx = drag.tx + dx;
    view.ty = drag.ty + dy;
    schedule();
  });
  svg.addEventListener('pointerup', (ev) => {
    if (drag && !drag.moved) {
      const r = svg.getBoundingClientRect();
      const node = drag.target.closest && drag.target.closest('.facility');
      const m = node && markers.find((x) => x.node === node);
      inspect(ev.clientX - r.left, ev.clientY - r.top, m ? m.facility : null);
    }
    drag = null;
    svg.classList.remove('dragging');
  });
  svg.addEventListener('pointerleave', () => ($('tooltip').hidden = true));
  window.addEventListener('resize', () => map && schedule());
}

wire();
if (token) start(); else setState('login');
