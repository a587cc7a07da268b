// @ts-check
/**
 * The dashboard's browser script, served inline in index.html (no build step). It polls `/api/status` and
 * listens to `/api/events` for live progress and events; the pages (hash routes: #/overview, #/nodes, #/jobs,
 * #/tasks, #/collection, #/trials) fetch what only they show while they are open: `/api/series` for the
 * charts, `/api/tasks` for the task log, `/api/tune-runs` for trials. Charts are uPlot's (inlined before this
 * script, as the global `uPlot`). `npm run typecheck` checks it against the head's JSON contract
 * (cluster/api/head-api.ts) with the DOM's types (tsconfig.dashboard.json).
 *
 * Why it is written the way it is:
 * - Everything shown comes from the cluster (task names, job entrypoints, progress labels and extras a client
 *   posts), so every value goes in through `textContent` or an attribute, never markup. The page's CSP only
 *   allows this exact script (by hash), so even a slip would not run injected code.
 * - The script never sees the cluster token: the browser holds it in an HttpOnly cookie and sends it on
 *   same-origin fetches and the ws upgrade by itself.
 * - Elements carry `data-*` fields (node id, job id, task state, progress field), so tests and users' own
 *   tooling can find values without depending on the wording around them.
 *
 * It is inlined into a script element, so it must not contain that element's closing tag (the head refuses
 * to start with one).
 *
 * @typedef {import('../../../api/head-api.ts').ClusterStatus} ClusterStatus
 * @typedef {import('../../../api/head-api.ts').NodeStatus} NodeStatus
 * @typedef {import('../../../api/head-api.ts').PendingStatus} PendingStatus
 * @typedef {import('../../../api/head-api.ts').JobInfo} JobInfo
 * @typedef {import('../../../api/head-api.ts').JobStatus} JobStatus
 * @typedef {import('../../../api/head-api.ts').TaskCounts} TaskCounts
 * @typedef {import('../../../api/head-api.ts').FeedEvent} FeedEvent
 * @typedef {Extract<FeedEvent, { type: 'progress' }>} ProgressEvent
 * @typedef {import('../../../api/head-api.ts').SeriesReport} SeriesReport
 * @typedef {import('../../../api/head-api.ts').TuneRunSummary} TuneRunSummary
 * @typedef {import('../../../api/head-api.ts').TuneTrialSummary} TuneTrialSummary
 * @typedef {import('../../../api/head-api.ts').TaskPage} TaskPage
 * @typedef {import('../../../api/head-api.ts').TaskEntry} TaskEntry
 * @typedef {import('../../../api/head-api.ts').MemoryReport} MemoryReport
 * @typedef {import('../../../api/head-api.ts').ActorInfo} ActorInfo
 * @typedef {import('../../../api/head-api.ts').PlacementGroupInfo} PlacementGroupInfo
 * @typedef {import('../../../api/head-api.ts').ModelsReport} ModelsReport
 * @typedef {import('../../../../scheduler/resources.ts').ResourceVector} ResourceVector
 * @typedef {import('uplot')} UPlot
 * @typedef {import('uplot').Options} UPlotOptions
 * @typedef {import('uplot').AlignedData} UPlotData
 */
'use strict';
const POLL_MS = 2000;
const MAX_EVENTS = 100;
const MAX_LOG_CHARS = 200000;
/**
 * The states in the order a task goes through them: a copy of TASK_STATES in cluster/api/head-api.ts (the
 * page has no module loader); the type below fails the typecheck when the two lists differ.
 * @type {readonly string[] & typeof import('../../../api/head-api.ts').TASK_STATES}
 */
const TASK_STATES = /** @type {const} */ (['pending_args', 'queued', 'running', 'finished', 'failed', 'cancelled']);
/** @type {readonly string[] & typeof import('../../../api/head-api.ts').TASK_LOG_STATES} */
const TASK_LOG_STATES = /** @type {const} */ (['running', 'finished', 'failed', 'lost']);
const SERIES_POLL_MS = 5000;
const TASK_PAGE_SIZE = 50;
/** Live points a collection chart adds between two fetches of the head's series (one per progress report). */
const MAX_LIVE_POINTS = 2000;
/** uPlot's constructor, from the script inlined before this one. */
const UPlotClass = /** @type {typeof import('uplot')} */ (/** @type {any} */ (window).uPlot);
/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id */
const tableBody = (id) => /** @type {HTMLTableElement} */ ($(id)).tBodies[0];
const nf0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const nf2 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

// ---- building elements (text only, never markup) ----
/**
 * @param {string} tag
 * @param {Record<string, unknown> | null} [props]
 * @param {(Node | null | undefined | false)[]} [children]
 * @returns {HTMLElement}
 */
function h(tag, props, children) {
  const e = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null) continue;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.className = String(v);
      else if (k === 'data') for (const [dk, dv] of Object.entries(/** @type {Record<string, unknown>} */ (v))) e.dataset[dk] = String(dv);
      else if (k === 'title') e.title = String(v);
      else e.setAttribute(k, String(v));
    }
  }
  if (children) for (const c of children) if (c) e.appendChild(c);
  return e;
}
/** @param {unknown} text @param {string} [field] @param {string} [cls] */
function cell(text, field, cls) { return h('td', { text: text, class: cls, data: field ? { field: field } : undefined }); }
/** @param {number} cols @param {string} text */
function emptyRow(cols, text) { return h('tr', null, [h('td', { text: text, class: 'empty', colspan: cols })]); }

// ---- formatting ----
/** @param {unknown} n @returns {n is number} */
function finite(n) { return typeof n === 'number' && Number.isFinite(n); }
/** @param {unknown} n */
function fmtInt(n) { return finite(n) ? nf0.format(n) : '–'; }
/** @param {unknown} n */
function fmtNum(n) { return finite(n) ? nf2.format(n) : '–'; }
/** @param {unknown} n */
function fmtBytes(n) {
  if (!finite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? nf0.format(n) : n.toFixed(1)) + ' ' + units[i];
}
/** @param {unknown} s seconds */
function fmtDuration(s) {
  if (!finite(s) || s < 0) return '–';
  if (s < 1) return '< 1 s';
  if (s < 60) return Math.round(s) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + String(Math.round(s % 60)).padStart(2, '0') + ' s';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
  if (s < 100 * 86400) return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  return '> 99 d';
}
/** @param {unknown} r */
function fmtRate(r) {
  if (!finite(r)) return '–';
  return (Math.abs(r) >= 100 ? nf0.format(r) : nf2.format(r)) + '/s';
}
/** @param {unknown} ms */
function fmtTime(ms) {
  if (!finite(ms)) return '–';
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dateFmt.format(d);
}
/** @param {ResourceVector | undefined} total @param {ResourceVector | undefined} available @param {string} key */
function usedOf(total, available, key) {
  const t = (total && total[key]) || 0;
  if (!t) return '–';
  const a = (available && available[key]) || 0;
  return fmtNum(Math.round((t - a) * 100) / 100) + ' / ' + fmtNum(t);
}

// Progress extras arrive as free-form fields (apiRequests, costUsd, bytesWritten, ...): name them for people
// and format money and bytes by what the key says they are.
/** @type {Record<string, string>} */
const WORD_CASE = { api: 'API', id: 'ID', ids: 'IDs', cpu: 'CPU', gpu: 'GPU', http: 'HTTP', osm: 'OSM', url: 'URL' };
/** @type {Record<string, string>} */
const CURRENCIES = { usd: 'USD', eur: 'EUR', gbp: 'GBP' };
/** @param {string} key @param {unknown} value */
function describeExtra(key, value) {
  const words = String(key).replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_\-.]+/g, ' ').trim().toLowerCase().split(/\s+/);
  const currencyWord = words.find((w) => CURRENCIES[w]);
  const isBytes = words.includes('bytes');
  const label = words.filter((w) => w !== currencyWord && !(isBytes && w === 'bytes' && words.length > 1))
    .map((w) => WORD_CASE[w] || w).join(' ') || String(key);
  let text;
  if (typeof value === 'number') {
    if (currencyWord) {
      text = new Intl.NumberFormat(undefined, { style: 'currency', currency: /** @type {string} */ (CURRENCIES[currencyWord]), maximumFractionDigits: 4 }).format(value);
    } else if (isBytes) text = fmtBytes(value);
    else text = fmtNum(value);
  } else if (typeof value === 'boolean') text = value ? 'yes' : 'no';
  else if (value === null || value === undefined) text = '–';
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value);
  if (text.length > 200) text = text.slice(0, 199) + '…';
  return { label: label, text: text };
}

// ---- connection state ----
/** @type {{ status: 'connecting' | 'ok' | 'error' | 'signed-out'; events: boolean; error?: string }} */
const conn = { status: 'connecting', events: false };
function showConn() {
  const c = $('conn');
  /** @type {string} */
  let state = conn.status;
  let text = conn.status === 'signed-out' ? 'not signed in' : conn.status === 'error' ? String(conn.error) : 'connecting…';
  if (conn.status === 'ok') {
    state = conn.events ? 'live' : 'polling';
    text = conn.events ? 'live' : 'live feed reconnecting';
  }
  c.dataset.state = state;
  c.textContent = text;
}

// ---- pages: hash routes, one [data-page] element each ----
const ROUTES = ['overview', 'nodes', 'jobs', 'tasks', 'actors', 'placement-groups', 'objects', 'collection', 'trials', 'models'];
/** The page the address names (#/nodes), the overview when it names none or an unknown one. */
function currentRoute() {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0] || 'overview';
  return ROUTES.includes(name) ? name : 'overview';
}
function showRoute() {
  const route = currentRoute();
  for (const el of document.querySelectorAll('[data-page]')) /** @type {HTMLElement} */ (el).hidden = /** @type {HTMLElement} */ (el).dataset.page !== route;
  for (const a of document.querySelectorAll('#nav a')) {
    if (/** @type {HTMLElement} */ (a).dataset.route === route) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.body.dataset.route = route;
  // What only this page shows is fetched when it opens, then kept fresh while it stays open.
  if (route === 'overview' || route === 'nodes' || route === 'collection') refreshSeries();
  if (route === 'trials') refreshTuneRuns();
  if (route === 'tasks') refreshTaskLog();
  if (route === 'objects') refreshObjects();
  if (route === 'actors') refreshActors();
  if (route === 'placement-groups') refreshPlacementGroups();
  if (route === 'models') refreshModels();
  if (route === 'collection') renderCollections();
  redrawCharts();
}

// ---- charts (uPlot) ----
/**
 * Charts by key. Each container carries `data-points` (samples drawn), `data-series`, and `data-first` and
 * `data-last` (the first series' first and last values), so tests and tools can read what a chart shows
 * without reading its canvas.
 * @type {Map<string, { plot: UPlot; el: HTMLElement; seriesKey: string }>}
 */
const charts = new Map();
const axisTimeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
/** Time ticks a whole number of seconds apart (the labels show seconds), up to a day. */
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
const compactFmt = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 });
const CHART_COLORS = ['#3b6fd8', '#0a7d32', '#b00020', '#8a5300', '#7b3fd8', '#00838f', '#c2185b', '#5d6b00', '#455a64', '#ef6c00'];
/** @param {HTMLElement} el */
function chartWidth(el) { return Math.max(200, Math.floor(el.clientWidth || (el.parentElement && el.parentElement.clientWidth) || 300)); }
/**
 * Draws (or updates) the chart in `el`. Only a visible chart is drawn: a hidden page has no width to draw in,
 * and its charts are drawn when the page opens.
 * @param {HTMLElement} el
 * @param {string} key
 * @param {{ labels: string[]; data: UPlotData; time?: boolean; xLabel?: string; yFormat?: (v: number) => string; yRange?: [number, number] }} spec
 */
function drawChart(el, key, spec) {
  const data = spec.data;
  const xs = /** @type {ArrayLike<number>} */ (data[0]);
  const first = /** @type {ArrayLike<number | null | undefined>} */ (data[1] || []);
  let last = null;
  let start = null;
  for (let i = first.length - 1; i >= 0; i--) if (finite(first[i])) { last = first[i]; break; }
  for (let i = 0; i < first.length; i++) if (finite(first[i])) { start = first[i]; break; }
  el.dataset.points = String(xs.length);
  el.dataset.first = start === null ? '' : String(start);
  el.dataset.last = last === null ? '' : String(last);
  el.dataset.series = String(spec.labels.length);
  if (el.offsetParent === null) return;
  // The series a chart draws are fixed when it is made: a new set (a node or trial more) makes a new chart.
  const seriesKey = spec.labels.join('\u0000') + (spec.time ? 't' : 'n');
  const known = charts.get(key);
  if (known && known.el === el && known.seriesKey === seriesKey) {
    known.plot.setData(data);
    if (Math.abs(known.plot.width - chartWidth(el)) > 4) known.plot.setSize({ width: chartWidth(el), height: known.plot.height });
    return;
  }
  if (known) { known.plot.destroy(); charts.delete(key); }
  const fmt = spec.yFormat || ((v) => fmtNum(v));
  /** @type {UPlotOptions} */
  const opts = {
    width: chartWidth(el),
    height: 180,
    scales: { x: { time: !!spec.time }, y: spec.yRange ? { range: spec.yRange } : {} },
    axes: [
      spec.time
        ? { space: 80, incrs: TIME_INCRS, values: (_u, splits) => splits.map((v) => axisTimeFmt.format(new Date(v * 1000))) }
        : { label: spec.xLabel, size: 30, labelSize: 14, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] },
      { values: (_u, splits) => splits.map((v) => (spec.yFormat ? spec.yFormat(v) : compactFmt.format(v))), size: 64 },
    ],
    series: [{}, ...spec.labels.map((label, i) => ({ label: label, stroke: CHART_COLORS[i % CHART_COLORS.length], width: 1.5, spanGaps: true, value: (/** @type {unknown} */ _u, /** @type {number | null} */ v) => (v === null || v === undefined ? '–' : fmt(v)) }))],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  el.replaceChildren();
  charts.set(key, { plot: new UPlotClass(opts, data, el), el: el, seriesKey: seriesKey });
}
/** Charts whose element has left the page go; the rest redraw (a page just opened, or the window resized). */
function redrawCharts() {
  for (const [key, c] of [...charts]) {
    if (!c.el.isConnected) { c.plot.destroy(); charts.delete(key); continue; }
    if (c.el.offsetParent !== null && Math.abs(c.plot.width - chartWidth(c.el)) > 4) c.plot.setSize({ width: chartWidth(c.el), height: c.plot.height });
  }
  renderSeries();
  renderTuneRuns();
}
function dropCharts() {
  for (const c of charts.values()) c.plot.destroy();
  charts.clear();
}

// ---- status: summary, nodes, tasks, jobs, warnings ----
let refreshing = false;
/** @type {ReturnType<typeof setTimeout> | null} */
let refreshTimer = null;
/** @param {number} delayMs */
function scheduleRefresh(delayMs) {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, delayMs);
}
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const r = await fetch('/api/status', { cache: 'no-store', credentials: 'same-origin' });
    if (r.status === 401) return signedOut();
    if (!r.ok) { conn.status = 'error'; conn.error = 'status: HTTP ' + r.status; return; }
    const s = /** @type {ClusterStatus} */ (await r.json());
    conn.status = 'ok';
    $('signin').hidden = true;
    render(s);
  } catch (e) {
    conn.status = 'error';
    conn.error = 'head unreachable';
  } finally {
    refreshing = false;
    showConn();
  }
}

// A cookie from an older head (restarted with a new token) must not leave stale data on screen.
function signedOut() {
  conn.status = 'signed-out';
  $('signin').hidden = false;
  dropCharts();
  for (const id of ['cards', 'warnings', 'pending', 'events', 'progress', 'node-charts', 'collections', 'tune-runs', 'throughput-chart']) $(id).replaceChildren();
  for (const id of ['nodes', 'tasks', 'jobs', 'task-log', 'object-stores', 'object-owners', 'object-largest', 'actors', 'placement-groups', 'models']) tableBody(id).replaceChildren();
  $('models-count').textContent = '';
  $('models-note').textContent = '';
  $('objects-count').textContent = '';
  $('actors-count').textContent = '';
  $('placement-groups-count').textContent = '';
  for (const id of ['head-info', 'progress-count', 'warnings-count', 'nodes-count', 'jobs-count', 'task-log-count', 'task-log-note', 'task-page']) $(id).textContent = '';
  series = null;
  tuneRuns = [];
  taskPage = null;
  nodeCharts.clear();
  collections.clear();
  collectionViews.clear();
  livePoints.clear();
  runViews.clear();
  closeLogs();
  $('job-logs-text').textContent = '';
  bars.clear();
  seenEvents.clear();
  // The feed authenticated once at its upgrade; drop it so nothing more streams into a signed-out page.
  if (eventSocket) eventSocket.close();
}

/** @param {ClusterStatus} s */
function render(s) {
  const nodes = Array.isArray(s.nodes) ? s.nodes : [];
  const alive = nodes.filter((n) => n.state === 'alive').length;
  const total = (s.resources && s.resources.total) || {};
  const used = (s.resources && s.resources.used) || {};
  $('head-info').textContent = 'head ' + s.address + ' · v' + s.version + ' · up ' + fmtDuration((Date.now() - s.startedAt) / 1000);
  /** @param {string} key @param {string} label @param {string} value @param {string} [title] */
  const card = (key, label, value, title) => h('div', { class: 'card', data: { card: key }, title: title }, [
    h('div', { class: 'k', text: label }), h('div', { class: 'v', text: value }),
  ]);
  /** @param {string} k */
  const resource = (k) => (total[k] ? fmtNum(used[k] || 0) + ' / ' + fmtNum(total[k]) : '–');
  const objects = s.objects || { count: 0, bytes: 0 };
  $('cards').replaceChildren(
    card('nodes', 'nodes alive', alive + ' / ' + nodes.length),
    card('cpu', 'CPUs used', resource('cpu')),
    card('gpu', 'GPUs used', resource('gpu')),
    card('clients', 'clients', fmtInt(s.clients)),
    card('leases', 'leases', fmtInt(s.leases)),
    card('objects', 'objects', fmtInt(objects.count) + ' · ' + fmtBytes(objects.bytes)),
  );
  renderNodes(nodes);
  renderTasks(s.tasksByState || {}, Array.isArray(s.pending) ? s.pending : []);
  renderJobs(Array.isArray(s.jobs) ? s.jobs : []);
  const warnings = Array.isArray(s.warnings) ? s.warnings : [];
  $('warnings').replaceChildren(...warnings.map((w) => h('li', { text: w })));
  $('warnings-count').textContent = warnings.length ? String(warnings.length) : 'none';
}

/** @param {NodeStatus[]} nodes */
function renderNodes(nodes) {
  $('nodes-count').textContent = String(nodes.length);
  const rows = nodes.map((n) => {
    const load = n.load;
    const store = h('td', { class: 'store', data: { field: 'store' } });
    if (load) {
      const pct = load.storeBudgetBytes > 0 ? Math.min(100, (100 * load.storeUsedBytes) / load.storeBudgetBytes) : 0;
      const fill = h('div', { class: 'fill' });
      fill.style.width = pct.toFixed(1) + '%';
      store.append(
        h('div', { text: fmtBytes(load.storeUsedBytes) + (load.storeBudgetBytes > 0 ? ' / ' + fmtBytes(load.storeBudgetBytes) : ' used') + (load.storeSpilledBytes > 0 ? ' · ' + fmtBytes(load.storeSpilledBytes) + ' spilled' : '') }),
        h('div', { class: 'bar', title: fmtInt(load.storeObjects) + ' object(s)' }, [fill]),
      );
    } else store.textContent = '–';
    const state = n.state === 'dead' && n.deadReason ? 'dead: ' + n.deadReason : n.state === 'draining' && n.drain && n.drain.leasesLeft ? 'draining · ' + n.drain.leasesLeft + ' lease(s) finishing' : n.state;
    return h('tr', { data: { nodeId: n.nodeId, state: n.state } }, [
      cell(n.nodeId, 'node', 'mono'),
      cell(state, 'state', 'state-' + n.state),
      cell(n.address, 'address', 'mono'),
      cell(n.hostname ? n.hostname + ' · pid ' + n.pid : '–', 'host'),
      cell(usedOf(n.total, n.available, 'cpu'), 'cpu', 'num'),
      cell(usedOf(n.total, n.available, 'gpu'), 'gpu', 'num'),
      cell(load ? fmtInt(load.queuedTasks) : '–', 'queued', 'num'),
      // An actor (a tune trial) holds its CPUs between calls: "0 running" alone would hide it.
      cell(load ? fmtInt(load.runningTasks) + (n.holders && n.holders.actors ? ' · ' + fmtInt(n.holders.actors) + ' actor' + (n.holders.actors > 1 ? 's' : '') : '') : '–', 'running', 'num'),
      store,
      cell(n.state !== 'dead' ? fmtDuration((Date.now() - n.lastHeartbeat) / 1000) + ' ago' : '–', 'heartbeat'),
    ]);
  });
  tableBody('nodes').replaceChildren(...(rows.length ? rows : [emptyRow(10, 'no nodes registered yet')]));
}

/** @param {TaskCounts} byState @param {PendingStatus[]} pending */
function renderTasks(byState, pending) {
  /** @type {readonly string[]} */
  const known = TASK_STATES;
  const states = known.concat(Object.keys(byState).filter((k) => !known.includes(k)));
  const seen = states.some((k) => (byState[k] ?? 0) > 0);
  const rows = seen
    ? states.map((k) => h('tr', { data: { state: k } }, [cell(k.replace(/_/g, ' '), 'state'), cell(fmtInt(byState[k] || 0), 'count', 'num')]))
    : [emptyRow(2, 'no tasks reported yet')];
  tableBody('tasks').replaceChildren(...rows);
  // Requests still waiting for a lease (infeasible ones are in Warnings): why work is not starting.
  const waiting = pending.filter((p) => !p.infeasible);
  $('pending').replaceChildren(...waiting.map((p) => {
    const res = Object.entries(p.resources || {}).map(([k, v]) => k + ' ' + fmtNum(v)).join(', ');
    return h('li', { text: fmtInt(p.count) + ' × ' + (p.description || 'task') + (res ? ' (' + res + ')' : '') + ' waiting' + (p.reason ? ': ' + p.reason : '') });
  }));
}

/** @param {JobInfo[]} jobs */
function renderJobs(jobs) {
  $('jobs-count').textContent = String(jobs.length);
  const rows = jobs.slice().sort((a, b) => b.startTime - a.startTime).map((j) => {
    const button = h('button', { text: 'logs', type: 'button', 'aria-label': 'show logs of ' + j.jobId });
    button.addEventListener('click', () => showLogs(j.jobId, j.status));
    const live = j.status === 'RUNNING' || j.status === 'PENDING';
    const stop = live ? h('button', { text: 'stop', type: 'button', class: 'stop', 'aria-label': 'stop ' + j.jobId }) : null;
    if (stop) stop.addEventListener('click', () => stopJob(j.jobId, stop));
    const ran = ((j.endTime || Date.now()) - j.startTime) / 1000;
    const outcome = j.message || (j.exitCode !== undefined && j.exitCode !== null ? 'exit ' + j.exitCode : '');
    return h('tr', { data: { jobId: j.jobId, status: j.status } }, [
      cell(j.jobId, 'job', 'mono'),
      cell(j.status, 'status', 'status-' + j.status),
      cell(Array.isArray(j.entrypoint) ? j.entrypoint.join(' ') : String(j.entrypoint), 'entrypoint', 'mono'),
      cell(fmtTime(j.startTime), 'started'),
      cell(fmtDuration(ran), 'duration', 'num'),
      cell(outcome, 'message'),
      h('td', { class: 'actions' }, [button, stop]),
    ]);
  });
  tableBody('jobs').replaceChildren(...(rows.length ? rows : [emptyRow(7, 'no jobs submitted')]));
}

// ---- the head's recent history: throughput (overview), node charts (nodes), collection charts ----
/** @type {SeriesReport | null} */
let series = null;
let seriesLoading = false;
async function refreshSeries() {
  if (seriesLoading || conn.status === 'signed-out') return;
  seriesLoading = true;
  try {
    const r = await fetch('/api/series', { cache: 'no-store', credentials: 'same-origin' });
    if (r.status === 401) return signedOut();
    if (!r.ok) return;
    series = /** @type {SeriesReport} */ (await r.json());
    // Live points the series now holds need not be kept twice.
    const lastT = series.t.length ? /** @type {number} */ (series.t[series.t.length - 1]) : 0;
    for (const [id, pts] of livePoints) livePoints.set(id, pts.filter((p) => p[0] > lastT));
    renderSeries();
    if (currentRoute() === 'collection') renderCollections();
  } catch (e) {
    // the status poll reports an unreachable head
  } finally {
    seriesLoading = false;
  }
}
/** @param {number[]} t ms since the epoch @returns {number[]} seconds, as uPlot's time scale wants them */
const seconds = (t) => t.map((v) => v / 1000);
function renderSeries() {
  if (!series) return;
  const s = series;
  const done = s.t.map((_, i) => (s.tasks.finished[i] || 0) + (s.tasks.failed[i] || 0));
  const rate = s.t.map((t, i) => {
    if (i === 0) return null;
    const dt = (t - /** @type {number} */ (s.t[i - 1])) / 1000;
    return dt > 0 ? Math.max(0, (/** @type {number} */ (done[i]) - /** @type {number} */ (done[i - 1])) / dt) : null;
  });
  drawChart($('throughput-chart'), 'throughput', { labels: ['tasks/s'], data: [seconds(s.t), rate], time: true });
  renderNodeCharts(s);
}

/** @type {Map<string, { root: HTMLElement; summary: HTMLElement; util: HTMLElement; store: HTMLElement }>} */
const nodeCharts = new Map();
/** @param {SeriesReport} s */
function renderNodeCharts(s) {
  const box = $('node-charts');
  const ids = new Set(s.nodes.map((n) => n.nodeId));
  for (const [id, c] of [...nodeCharts]) if (!ids.has(id)) { c.root.remove(); nodeCharts.delete(id); }
  if (s.nodes.length === 0) {
    box.replaceChildren(h('section', { class: 'wide' }, [h('span', { class: 'empty', text: 'no node history yet' })]));
    return;
  }
  for (const el of [...box.children]) if (!(/** @type {HTMLElement} */ (el).dataset.nodeId)) el.remove();
  const time = seconds(s.t);
  for (const n of s.nodes) {
    let c = nodeCharts.get(n.nodeId);
    if (!c) {
      const summary = h('div', { class: 'count', data: { field: 'now' } });
      const util = h('div', { class: 'chart', data: { chart: 'node-util' } });
      const store = h('div', { class: 'chart', data: { chart: 'node-store' } });
      const root = h('section', { class: 'wide', data: { nodeId: n.nodeId } }, [
        h('h2', null, [document.createTextNode('Node '), h('span', { class: 'mono', text: n.nodeId }), h('span', { class: 'count', text: n.address })]),
        summary,
        h('h3', { text: 'in use (% of the node)' }), util,
        h('h3', { text: 'object store' }), store,
      ]);
      box.appendChild(root);
      c = { root: root, summary: summary, util: util, store: store };
      nodeCharts.set(n.nodeId, c);
    }
    /** @param {(number | null)[]} used @param {(number | null)[]} total */
    const pct = (used, total) => used.map((u, i) => { const t = total[i]; return u === null || !t ? null : (100 * u) / t; });
    const has = (/** @type {(number | null)[]} */ total) => total.some((v) => !!v);
    const labels = ['CPU'];
    /** @type {(number | null)[][]} */
    const cols = [pct(n.cpuUsed, n.cpuTotal)];
    if (has(n.memoryTotal)) { labels.push('memory'); cols.push(pct(n.memoryUsed, n.memoryTotal)); }
    if (has(n.gpuTotal)) { labels.push('GPU'); cols.push(pct(n.gpuUsed, n.gpuTotal)); }
    drawChart(c.util, 'node-util-' + n.nodeId, { labels: labels, data: [time, ...cols], time: true, yRange: [0, 100], yFormat: (v) => nf0.format(v) + '%' });
    drawChart(c.store, 'node-store-' + n.nodeId, { labels: ['used', 'spilled'], data: [time, n.storeUsedBytes, n.storeSpilledBytes], time: true, yFormat: fmtBytes });
    const at = s.t.length - 1;
    /** @param {(number | null)[]} used @param {(number | null)[]} total @param {(v: unknown) => string} f */
    const now = (used, total, f) => (total[at] ? f(used[at]) + ' / ' + f(total[at]) : '–');
    c.summary.textContent = 'CPU ' + now(n.cpuUsed, n.cpuTotal, fmtNum) + ' · memory ' + now(n.memoryUsed, n.memoryTotal, fmtBytes) + ' · GPU ' + now(n.gpuUsed, n.gpuTotal, fmtNum) +
      ' · store ' + fmtBytes(n.storeUsedBytes[at]) + (n.storeSpilledBytes[at] ? ' · ' + fmtBytes(n.storeSpilledBytes[at]) + ' spilled' : '');
  }
}

// ---- collection: the progress of `convoy collect` jobs (their progress ids start with collect-) ----
/** The latest report of each live collection. @type {Map<string, ProgressEvent>} */
const collections = new Map();
/** Points reported live since the head's series was last fetched: [ms, samples]. @type {Map<string, [number, number][]>} */
const livePoints = new Map();
/** @param {string} id */
const isCollection = (id) => id.startsWith('collect-');
/** @param {ProgressEvent} ev */
function collectionProgress(ev) {
  collections.set(ev.id, ev);
  const pts = livePoints.get(ev.id) || [];
  pts.push([ev.ts, Number(ev.done)]);
  if (pts.length > MAX_LIVE_POINTS) pts.splice(0, pts.length - MAX_LIVE_POINTS);
  livePoints.set(ev.id, pts);
  if (currentRoute() === 'collection') renderCollections();
}
/** @param {Record<string, unknown> | undefined} extra */
function citiesOf(extra) {
  return Object.entries(extra || {}).flatMap(([k, v]) => (k.startsWith('samples.') && typeof v === 'number' ? [[k.slice('samples.'.length), v]] : []))
    .sort((a, b) => Number(b[1]) - Number(a[1]));
}
/** @type {Map<string, { root: HTMLElement; numbers: HTMLElement; chart: HTMLElement; cities: HTMLElement; providers: HTMLElement }>} */
const collectionViews = new Map();
function renderCollections() {
  const box = $('collections');
  const fromSeries = series ? series.progress.filter((p) => isCollection(p.id)) : [];
  const ids = [...new Set([...collections.keys(), ...fromSeries.map((p) => p.id)])];
  if (ids.length === 0) {
    collectionViews.clear();
    box.replaceChildren(h('section', { class: 'wide' }, [h('span', { class: 'empty', text: 'no collection jobs reported progress in the last hour' })]));
    return;
  }
  for (const el of [...box.children]) if (!(/** @type {HTMLElement} */ (el).dataset.collection)) el.remove();
  for (const id of ids) {
    const hist = fromSeries.find((p) => p.id === id);
    const ev = collections.get(id);
    let v = collectionViews.get(id);
    if (!v) {
      const numbers = h('div', { class: 'numbers' });
      const chart = h('div', { class: 'chart', data: { chart: 'samples' } });
      const cities = h('div', { class: 'cities', data: { field: 'cities' } });
      const providers = h('div', { data: { field: 'providers' } });
      const root = h('section', { class: 'wide collection', data: { collection: id } }, [
        h('h2', { data: { field: 'label' } }), numbers, h('h3', { text: 'samples over time' }), chart, h('h3', { text: 'samples per city' }), cities, providers,
      ]);
      box.appendChild(root);
      v = { root: root, numbers: numbers, chart: chart, cities: cities, providers: providers };
      collectionViews.set(id, v);
    }
    const label = ev ? String(ev.label || id) : hist ? hist.label : id;
    /** @type {HTMLElement} */ (v.root.querySelector('[data-field=label]')).textContent = label;
    const done = ev ? Number(ev.done) : hist ? lastValue(hist.done) : NaN;
    const total = ev ? Number(ev.total) : hist ? hist.total : NaN;
    const rate = ev ? Number(ev.rate) : NaN;
    let eta = ev && ev.etaS !== null && ev.etaS !== undefined ? Number(ev.etaS) : NaN;
    if (!finite(eta) && total > 0 && rate > 0 && done < total) eta = (total - done) / rate;
    /** @param {string} field @param {string} text */
    const num = (field, text) => h('span', { data: { field: field }, text: text });
    const sep = () => document.createTextNode(' · ');
    v.numbers.replaceChildren(
      num('samples', fmtInt(done)), document.createTextNode(' of '), num('target', fmtInt(total)), document.createTextNode(' samples'),
      sep(), num('percent', total > 0 && finite(done) ? (100 * Math.min(1, done / total)).toFixed(1) + '%' : '–'),
      sep(), num('rate', fmtRate(rate)),
      sep(), num('eta', !ev ? 'not running' : total > 0 && done >= total ? 'done' : finite(eta) ? 'ETA ' + fmtDuration(eta) : 'ETA unknown'),
    );
    // The chart: what the head sampled, then what arrived live since.
    /** @type {[number, number][]} */
    const pts = [];
    if (hist && series) hist.done.forEach((d, i) => { if (d !== null) pts.push([/** @type {number} */ (series && series.t[i]), d]); });
    for (const p of livePoints.get(id) || []) if (!pts.length || p[0] > /** @type {[number, number]} */ (pts[pts.length - 1])[0]) pts.push(p);
    drawChart(v.chart, 'collection-' + id, { labels: ['samples'], data: [pts.map((p) => p[0] / 1000), pts.map((p) => p[1])], time: true });
    const cities = citiesOf(ev && ev.extra);
    const most = cities.length ? Number(/** @type {[string, number]} */ (cities[0])[1]) : 0;
    v.cities.replaceChildren(...(cities.length ? cities.map(([city, n]) => {
      const fill = h('div', { class: 'fill' });
      fill.style.width = (most > 0 ? (100 * Number(n)) / most : 0).toFixed(1) + '%';
      return h('div', { class: 'city', data: { city: city } }, [h('span', { class: 'name', text: city }), h('span', { class: 'num', data: { field: 'count' }, text: fmtInt(n) }), h('div', { class: 'bar' }, [fill])]);
    }) : [h('span', { class: 'empty', text: ev ? 'this job does not report samples per city' : 'not running' })]));
    v.providers.replaceChildren(...providerTable(ev && ev.extra));
  }
}
/** @param {(number | null)[]} xs */
function lastValue(xs) { for (let i = xs.length - 1; i >= 0; i--) if (xs[i] !== null) return /** @type {number} */ (xs[i]); return NaN; }
/** API use of a provider-backed collection: requests, failures, cost and quota, when the job reports them. @param {Record<string, unknown> | undefined} extra */
function providerTable(extra) {
  const e = extra || {};
  if (e.apiRequests === undefined && e.provider === undefined) return [];
  const n = (/** @type {string} */ k) => (typeof e[k] === 'number' ? /** @type {number} */ (e[k]) : NaN);
  const quota = finite(n('quotaPerDay')) ? fmtInt(n('quotaPerDay')) + ' / day' : finite(n('quotaPerMonth')) ? fmtInt(n('quotaPerMonth')) + ' / month' : '–';
  const cost = finite(n('costUsd')) ? new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 4 }).format(n('costUsd')) : '–';
  const row = h('tr', { data: { provider: String(e.provider || '') } }, [
    cell(String(e.provider || '–'), 'provider'), cell(fmtInt(n('apiRequests')), 'apiRequests', 'num'), cell(fmtInt(n('failedRequests')), 'failedRequests', 'num'),
    cell(quota, 'quota', 'num'), cell(finite(n('quotaLeft')) ? fmtInt(n('quotaLeft')) : '–', 'quotaLeft', 'num'), cell(cost, 'cost', 'num'),
  ]);
  return [h('h3', { text: 'API use' }), h('table', { class: 'providers' }, [
    h('thead', null, [h('tr', null, ['provider', 'requests', 'failed', 'quota', 'quota left', 'cost'].map((t, i) => h('th', { text: t, class: i ? 'num' : undefined })))]),
    h('tbody', null, [row]),
  ])];
}

// ---- a page's own data: fetched when the page opens and while it stays open, one request at a time ----
/**
 * @template T
 * @param {string} url
 * @param {(data: T) => void} render
 * @returns {() => Promise<void>}
 */
function pageData(url, render) {
  let loading = false;
  return async () => {
    if (loading || conn.status === 'signed-out') return;
    loading = true;
    try {
      const r = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
      if (r.status === 401) return signedOut();
      if (r.ok) render(/** @type {T} */ (await r.json()));
    } catch (e) {
      // the status poll reports an unreachable head
    } finally {
      loading = false;
    }
  };
}

// ---- objects: each node's store, the objects by owner, the largest ones (GET /api/memory asks every node) ----
const LARGEST_SHOWN = 50;
const refreshObjects = pageData('/api/memory', renderObjects);
/** @param {MemoryReport} m */
function renderObjects(m) {
  $('objects-count').textContent = fmtInt(m.directory.count) + ' shared object(s), ' + fmtBytes(m.directory.bytes) + ' in the directory';
  tableBody('object-stores').replaceChildren(...(m.nodes.length ? m.nodes.map((n) => {
    const s = n.stats;
    if (!s) return h('tr', { data: { nodeId: n.nodeId } }, [cell(n.nodeId, 'node', 'mono'), h('td', { colspan: 6, class: 'empty', text: n.error || 'no answer' })]);
    return h('tr', { data: { nodeId: n.nodeId } }, [
      cell(n.nodeId, 'node', 'mono'), cell(fmtInt(s.objects), 'objects', 'num'), cell(fmtBytes(s.usedBytes), 'used', 'num'), cell(fmtBytes(s.budgetBytes), 'budget', 'num'),
      cell(fmtBytes(s.pinnedBytes), 'pinned', 'num'), cell(fmtBytes(s.spilledBytes) + ' (' + fmtInt(s.spilledObjects) + ')', 'spilled', 'num'), cell(fmtBytes(s.diskBytes), 'disk', 'num'),
    ]);
  }) : [emptyRow(7, 'no nodes')]));
  /** @type {Map<string, { connected: boolean; count: number; bytes: number; spilled: number }>} */
  const owners = new Map();
  /** @type {{ node: string; o: import('../../../api/head-api.ts').StoredObject }[]} */
  const all = [];
  for (const n of m.nodes) for (const o of n.objects) {
    all.push({ node: n.nodeId, o: o });
    const e = owners.get(o.owner) || { connected: o.ownerConnected, count: 0, bytes: 0, spilled: 0 };
    e.count++;
    e.bytes += o.size;
    if (o.place === 'disk' || o.place === 'remote') e.spilled += o.size;
    owners.set(o.owner, e);
  }
  const byBytes = [...owners].sort((a, b) => b[1].bytes - a[1].bytes);
  tableBody('object-owners').replaceChildren(...(byBytes.length ? byBytes.map(([owner, e]) => h('tr', { data: { owner: owner } }, [
    cell(owner || '(none)', 'owner', 'mono'), cell(e.connected ? 'yes' : 'gone', 'connected'), cell(fmtInt(e.count), 'objects', 'num'), cell(fmtBytes(e.bytes), 'bytes', 'num'), cell(fmtBytes(e.spilled), 'spilled', 'num'),
  ])) : [emptyRow(5, 'no objects stored')]));
  all.sort((a, b) => b.o.size - a.o.size);
  tableBody('object-largest').replaceChildren(...(all.length ? all.slice(0, LARGEST_SHOWN).map(({ node, o }) => h('tr', { data: { objectId: o.objectId, place: o.place } }, [
    cell(o.objectId, 'object', 'mono'), cell(node, 'node', 'mono'), cell(o.owner, 'owner', 'mono'), cell(o.place, 'place'), cell(fmtBytes(o.size), 'size', 'num'), cell(fmtInt(o.pins), 'pins', 'num'), cell(o.secondary ? 'copy' : 'primary', 'copy'),
  ])) : [emptyRow(7, 'no objects stored')]));
}

// ---- actors: every connected owner's actors, as the owners report them (GET /api/actors) ----
const refreshActors = pageData('/api/actors', renderActors);
/** @param {ActorInfo[]} actors */
function renderActors(actors) {
  const alive = actors.filter((a) => a.state === 'alive').length;
  $('actors-count').textContent = fmtInt(actors.length) + ' actor(s), ' + fmtInt(alive) + ' alive';
  tableBody('actors').replaceChildren(...(actors.length ? actors.map((a) => h('tr', { data: { actorId: a.actorId, state: a.state } }, [
    cell(a.actorId, 'actor', 'mono'),
    cell(a.name ? a.className + ' (' + a.name + ')' : a.className, 'class'),
    cell(a.state, 'state', 'actor-' + a.state),
    cell(a.nodeId || '–', 'node', 'mono'),
    cell(fmtInt(a.restarts), 'restarts', 'num'),
    cell(fmtInt(a.pendingCalls), 'pending', 'num'),
    cell(Object.entries(a.resources).map(([k, v]) => k + ' ' + (k === 'memory' ? fmtBytes(v) : fmtNum(v))).join(', ') || '–', 'resources'),
    cell(a.owner, 'owner', 'mono'),
    cell(a.jobId || '–', 'job', 'mono'),
    cell(a.deathReason || '', 'reason'),
  ])) : [emptyRow(10, 'no actors reported')]));
}

// ---- placement groups: bundles, where each went, and why a group waits (GET /api/placement-groups) ----
const refreshPlacementGroups = pageData('/api/placement-groups', renderPlacementGroups);
/** @param {Record<string, number>} v */
function fmtBundle(v) {
  return '{' + Object.entries(v).map(([k, x]) => k + ' ' + (k === 'memory' ? fmtBytes(x) : fmtNum(x))).join(', ') + '}';
}
/** @param {PlacementGroupInfo[]} groups */
function renderPlacementGroups(groups) {
  const waiting = groups.filter((g) => g.state !== 'CREATED').length;
  $('placement-groups-count').textContent = fmtInt(groups.length) + ' group(s), ' + fmtInt(waiting) + ' waiting';
  tableBody('placement-groups').replaceChildren(...(groups.length ? groups.map((g) => h('tr', { data: { groupId: g.groupId, state: g.state } }, [
    cell(g.groupId, 'group', 'mono'),
    cell(g.name || '–', 'name'),
    cell(g.strategy, 'strategy'),
    cell(g.infeasible ? g.state + ' (infeasible)' : g.state, 'state', 'group-' + (g.infeasible ? 'infeasible' : g.state.toLowerCase())),
    cell(g.bundles.map((b, i) => fmtBundle(b) + ' → ' + (g.nodes[i] || '–')).join('; '), 'bundles', 'mono'),
    cell(fmtInt(g.leases), 'leases', 'num'),
    cell(g.owner, 'owner', 'mono'),
    cell(g.reason || '', 'reason'),
  ])) : [emptyRow(8, 'no placement groups')]));
}

// ---- models: the registry's versions with their metrics against the baselines (GET /api/models) ----
const refreshModels = pageData('/api/models', renderModels);
/** @param {ModelsReport} m */
function renderModels(m) {
  $('models-note').textContent = m.registry === null
    ? 'the head was started without a registry: start it with convoy start --head --registry PATH (the folder convoy model --registry uses) to list models here'
    : m.models.length === 0 ? 'no models registered in ' + m.registry : '';
  $('models-count').textContent = m.registry === null ? '' : fmtInt(m.models.length) + ' model(s) in ' + m.registry;
  /** @param {Record<string, number>} x @param {string[]} keys */
  const first = (x, keys) => { for (const k of keys) if (finite(x[k])) return x[k]; return NaN; };
  const rows = [];
  for (const model of m.models) {
    for (const v of model.latest) {
      rows.push(h('tr', { class: v.promoted ? 'best' : undefined, data: { model: model.name, version: v.version, promoted: v.promoted } }, [
        cell(model.name, 'model', 'mono'),
        cell('v' + v.version, 'version', 'mono'),
        cell(v.promoted ? '★ promoted' : '', 'promoted'),
        cell(v.createdAt ? fmtTime(Date.parse(v.createdAt)) : '–', 'created'),
        cell(v.pipeline || '–', 'pipeline', 'mono'),
        cell(v.horizonsMin.length ? v.horizonsMin.map((x) => x + ' min').join(', ') : '–', 'horizons'),
        cell(fmtNum(first(v.metrics, ['validMae', 'bestValidMae'])), 'validMae', 'num'),
        cell(fmtNum(first(v.metrics, ['test.model.mae'])), 'testMae', 'num'),
        cell(fmtNum(first(v.metrics, ['test.lastValue.mae'])), 'lastValueMae', 'num'),
        cell(fmtNum(first(v.metrics, ['test.historicalAverage.mae'])), 'historicalAverageMae', 'num'),
      ]));
    }
  }
  tableBody('models').replaceChildren(...(rows.length ? rows : [emptyRow(10, 'no versions')]));
}

// ---- trials: tune runs, their results tables and learning curves ----
/** @type {TuneRunSummary[]} */
let tuneRuns = [];
const refreshTuneRuns = pageData('/api/tune-runs', (/** @type {TuneRunSummary[]} */ runs) => {
  tuneRuns = runs;
  renderTuneRuns();
});
/** The trial with the best last reported metric (errored ones excluded), as the run chooses it. @param {TuneRunSummary} run */
function bestTrialOf(run) {
  /** @type {TuneTrialSummary | undefined} */
  let best;
  for (const t of run.trials) {
    const v = t.metrics[run.metric];
    if (t.status === 'error' || !finite(v)) continue;
    const b = best ? best.metrics[run.metric] : undefined;
    if (!best || !finite(b) || (run.mode === 'min' ? v < b : v > b)) best = t;
  }
  return best;
}
/** @param {Record<string, unknown>} config */
function describeConfig(config) {
  return Object.entries(config).map(([k, v]) => k + '=' + (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}
const MAX_RUNS_SHOWN = 20;
/** @type {Map<string, { root: HTMLElement; title: HTMLElement; body: HTMLElement; chart: HTMLElement }>} */
const runViews = new Map();
function renderTuneRuns() {
  const box = $('tune-runs');
  const runs = tuneRuns.slice(0, MAX_RUNS_SHOWN);
  const names = new Set(runs.map((r) => r.name));
  for (const [name, v] of [...runViews]) if (!names.has(name)) { v.root.remove(); runViews.delete(name); }
  if (runs.length === 0) {
    box.replaceChildren(h('section', { class: 'wide' }, [h('span', { class: 'empty', text: 'no tune runs reported' })]));
    return;
  }
  for (const el of [...box.children]) if (!(/** @type {HTMLElement} */ (el).dataset.run)) el.remove();
  runs.forEach((run, index) => {
    let v = runViews.get(run.name);
    if (!v) {
      const title = h('h2');
      const body = h('tbody');
      const chart = h('div', { class: 'chart', data: { chart: 'learning-curves' } });
      const table = h('table', { class: 'trials' }, [
        h('thead', null, [h('tr', null, ['trial', 'config', 'status', run.metric, 'iterations', 'best'].map((t, i) => h('th', { text: t, class: i === 3 || i === 4 ? 'num' : undefined })))]),
        body,
      ]);
      const root = h('section', { class: 'wide', data: { run: run.name } }, [title, h('div', { class: 'scroll' }, [table]), h('h3', { text: 'learning curves (' + run.metric + ' per iteration)' }), chart]);
      v = { root: root, title: title, body: body, chart: chart };
      runViews.set(run.name, v);
    }
    // Most recently reported first, as the head lists them.
    if (box.children[index] !== v.root) box.insertBefore(v.root, box.children[index] || null);
    v.root.dataset.status = run.status;
    v.title.replaceChildren(document.createTextNode('Tune run ' + run.name + ' '), h('span', { class: 'count', data: { field: 'summary' }, text: run.status + ' · ' + run.trials.length + ' trial(s) · ' + run.metric + ' (' + run.mode + ') · ' + (run.jobId ? 'job ' + run.jobId + ' · ' : '') + 'updated ' + fmtTime(run.updatedAt) }));
    const best = bestTrialOf(run);
    v.body.replaceChildren(...run.trials.map((t) => {
      const early = t.status === 'stopped';
      const isBest = best !== undefined && best.trialId === t.trialId;
      return h('tr', { class: isBest ? 'best' : undefined, data: { trialId: t.trialId, status: t.status, best: isBest, earlyStopped: early } }, [
        cell(t.trialId, 'trial', 'mono'),
        cell(describeConfig(t.config), 'config', 'mono'),
        h('td', { data: { field: 'status' }, class: 'trial-' + t.status, text: early ? 'stopped early' : t.status, title: t.error || undefined }),
        cell(fmtNum(t.metrics[run.metric]), 'metric', 'num'),
        cell(fmtInt(t.iterations), 'iterations', 'num'),
        cell(isBest ? '★ best' : '', 'best'),
      ]);
    }));
    // The curves share one x axis: every iteration any trial reported, each trial null where it has none.
    /** @type {Map<string, Map<number, number>>} */
    const byTrial = new Map();
    const iterations = new Set();
    for (const t of run.trials) {
      const pts = t.curve && t.curve.length ? t.curve : finite(t.metrics[run.metric]) && t.iterations > 0 ? [[t.iterations, t.metrics[run.metric]]] : [];
      const m = new Map();
      for (const [it, val] of pts) { m.set(it, val); iterations.add(it); }
      byTrial.set(t.trialId, m);
    }
    const xs = /** @type {number[]} */ ([...iterations]).sort((a, b) => a - b);
    const trials = run.trials.slice(0, CHART_COLORS.length * 3);
    drawChart(v.chart, 'run-' + run.name, {
      labels: trials.map((t) => t.trialId + (best && best.trialId === t.trialId ? ' ★' : '')),
      data: [xs, ...trials.map((t) => { const m = /** @type {Map<number, number>} */ (byTrial.get(t.trialId)); return xs.map((x) => (m.has(x) ? /** @type {number} */ (m.get(x)) : null)); })],
      xLabel: 'iteration',
    });
  });
}

// ---- tasks: the head's task log, a page at a time (GET /api/tasks) ----
/** `before` cursors of the pages shown so far: the last is the page on screen ('' for the newest). @type {string[]} */
let taskCursors = [''];
/** @type {TaskPage | null} */
let taskPage = null;
let taskLoading = false;
function taskUrl() {
  const url = new URL('/api/tasks', location.href);
  const q = url.searchParams;
  const state = /** @type {HTMLSelectElement} */ ($('task-filter-state')).value;
  const name = /** @type {HTMLSelectElement} */ ($('task-filter-name')).value;
  const job = /** @type {HTMLInputElement} */ ($('task-filter-job')).value.trim();
  if (state) q.set('state', state);
  if (name) q.set('name', name);
  if (job) q.set('job', job);
  q.set('limit', String(TASK_PAGE_SIZE));
  const before = taskCursors[taskCursors.length - 1];
  if (before) q.set('before', before);
  return url.pathname + url.search;
}
async function refreshTaskLog() {
  if (taskLoading || conn.status === 'signed-out') return;
  taskLoading = true;
  const note = $('task-log-note');
  try {
    const r = await fetch(taskUrl(), { cache: 'no-store', credentials: 'same-origin' });
    if (r.status === 401) return signedOut();
    if (r.status === 404) {
      taskPage = null;
      note.textContent = 'task log not available: this head does not keep one (GET /api/tasks answered 404)';
      $('task-log').dataset.available = 'false';
      tableBody('task-log').replaceChildren(emptyRow(9, 'task log not available'));
      $('task-log-count').textContent = '';
      $('task-page').textContent = '';
      /** @type {HTMLButtonElement} */ ($('task-older')).disabled = true;
      /** @type {HTMLButtonElement} */ ($('task-newer')).disabled = true;
      return;
    }
    if (!r.ok) { note.textContent = 'cannot read the task log: HTTP ' + r.status; return; }
    taskPage = /** @type {TaskPage} */ (await r.json());
    $('task-log').dataset.available = 'true';
    renderTaskLog(taskPage);
  } catch (e) {
    note.textContent = 'cannot read the task log: head unreachable';
  } finally {
    taskLoading = false;
  }
}
/** @param {TaskPage} p */
function renderTaskLog(p) {
  const tasks = Array.isArray(p.tasks) ? p.tasks : [];
  $('task-log-count').textContent = fmtInt(p.matching) + ' matching · ' + fmtInt(p.kept) + ' kept of ' + fmtInt(p.limit);
  $('task-log-note').textContent = p.dropped > 0 ? fmtInt(p.dropped) + ' older task(s) dropped (the log keeps the newest ' + fmtInt(p.limit) + ')' : '';
  const rows = tasks.map((t) => h('tr', { data: { taskId: t.taskId, state: t.state } }, [
    cell(t.taskId, 'task', 'mono'),
    cell(t.name, 'name', 'mono'),
    cell(t.state, 'state', 'task-' + t.state),
    cell(t.jobId || '–', 'job', 'mono'),
    cell(t.nodeId || '–', 'node', 'mono'),
    cell(fmtInt(t.attempt), 'attempt', 'num'),
    cell(fmtTime(t.submittedAt), 'submitted'),
    cell(finite(t.startedAt) && finite(t.endedAt) ? fmtDuration((/** @type {number} */ (t.endedAt) - /** @type {number} */ (t.startedAt)) / 1000) : '–', 'duration', 'num'),
    cell(t.error || '', 'error', 'error'),
  ]));
  tableBody('task-log').replaceChildren(...(rows.length ? rows : [emptyRow(9, 'no tasks match')]));
  // The filter's choices: every state, and the functions the log holds.
  const nameSelect = /** @type {HTMLSelectElement} */ ($('task-filter-name'));
  const chosen = nameSelect.value;
  const names = (Array.isArray(p.byName) ? p.byName : []).map((b) => b.name);
  if (chosen && !names.includes(chosen)) names.push(chosen);
  const current = [...nameSelect.options].slice(1).map((o) => o.value);
  if (current.join('\u0000') !== names.join('\u0000')) {
    nameSelect.replaceChildren(h('option', { value: '', text: 'all' }), ...names.map((n) => {
      const b = p.byName.find((x) => x.name === n);
      const total = b ? Object.values(b.counts).reduce((a, c) => a + (c || 0), 0) : 0;
      return h('option', { value: n, text: n + (total ? ' (' + fmtInt(total) + ')' : '') });
    }));
    nameSelect.value = chosen;
  }
  $('task-page').textContent = 'page ' + taskCursors.length;
  /** @type {HTMLButtonElement} */ ($('task-older')).disabled = !p.next;
  /** @type {HTMLButtonElement} */ ($('task-newer')).disabled = taskCursors.length <= 1;
}
function setupTaskLog() {
  const stateSelect = /** @type {HTMLSelectElement} */ ($('task-filter-state'));
  for (const st of TASK_LOG_STATES) stateSelect.appendChild(h('option', { value: st, text: st }));
  $('task-filter').addEventListener('submit', (e) => { e.preventDefault(); taskCursors = ['']; refreshTaskLog(); });
  stateSelect.addEventListener('change', () => { taskCursors = ['']; refreshTaskLog(); });
  $('task-filter-name').addEventListener('change', () => { taskCursors = ['']; refreshTaskLog(); });
  $('task-older').addEventListener('click', () => { if (taskPage && taskPage.next) { taskCursors.push(taskPage.next); refreshTaskLog(); } });
  $('task-newer').addEventListener('click', () => { if (taskCursors.length > 1) { taskCursors.pop(); refreshTaskLog(); } });
}

/** Asks the head to stop a job (POST /api/jobs/ID/stop); the row shows the new status at the next poll. @param {string} jobId @param {HTMLElement} button */
async function stopJob(jobId, button) {
  if (!window.confirm('Stop job ' + jobId + '?')) return;
  /** @type {HTMLButtonElement} */ (button).disabled = true;
  try {
    const r = await fetch('/api/jobs/' + encodeURIComponent(jobId) + '/stop', { method: 'POST', cache: 'no-store', credentials: 'same-origin' });
    if (r.status === 401) return signedOut();
    button.textContent = r.ok ? 'stopping…' : 'stop failed: HTTP ' + r.status;
  } catch (e) {
    button.textContent = 'stop failed: head unreachable';
  }
  scheduleRefresh(250);
}

// ---- job logs: read, or follow while the job runs ----
/** @type {AbortController | null} */
let logsAbort = null;
function closeLogs() {
  if (logsAbort) logsAbort.abort();
  logsAbort = null;
  $('job-logs').hidden = true;
}
/** @param {string} jobId @param {JobStatus} status */
async function showLogs(jobId, status) {
  if (logsAbort) logsAbort.abort();
  const ctl = new AbortController();
  logsAbort = ctl;
  const pre = $('job-logs-text');
  const note = $('job-logs-note');
  $('job-logs').hidden = false;
  $('job-logs').dataset.jobId = jobId;
  $('job-logs-title').textContent = 'Logs of ' + jobId;
  pre.textContent = '';
  const follow = status === 'RUNNING' || status === 'PENDING';
  note.textContent = follow ? 'following…' : 'loading…';
  try {
    const r = await fetch('/api/jobs/' + encodeURIComponent(jobId) + '/logs' + (follow ? '?follow=1' : ''), { signal: ctl.signal, cache: 'no-store' });
    if (!r.ok) { note.textContent = 'cannot read the logs: HTTP ' + r.status; return; }
    const reader = /** @type {ReadableStream<Uint8Array>} */ (r.body).getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      appendLog(pre, decoder.decode(chunk.value, { stream: true }));
    }
    appendLog(pre, decoder.decode());
    note.textContent = pre.textContent ? (follow ? 'job ended' : '') : '(no output)';
  } catch (err) {
    const e = /** @type {Error | undefined} */ (err);
    if (e && e.name === 'AbortError') return;
    note.textContent = 'log stream broke: ' + (e && e.message);
  }
}
// Only the tail is kept, so following a chatty job cannot grow the tab without bound.
/** @param {HTMLElement} pre @param {string} text */
function appendLog(pre, text) {
  if (!text) return;
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  let all = pre.textContent + text;
  if (all.length > MAX_LOG_CHARS) all = '…' + all.slice(all.length - MAX_LOG_CHARS);
  pre.textContent = all;
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

// ---- live progress bars ----
/**
 * @typedef {{ label: HTMLElement; count: HTMLElement; percent: HTMLElement; rate: HTMLElement; eta: HTMLElement;
 *   fill: HTMLElement; extras: HTMLElement; bar: HTMLElement; root: HTMLElement }} ProgressBar
 */
/** @type {Map<string, ProgressBar>} */
const bars = new Map();
/** @param {string} id @returns {ProgressBar} */
function progressBar(id) {
  const known = bars.get(id);
  if (known) return known;
  const parts = {
    label: h('span', { class: 'label', data: { field: 'label' } }),
    count: h('span', { data: { field: 'count' } }),
    percent: h('span', { data: { field: 'percent' } }),
    rate: h('span', { data: { field: 'rate' } }),
    eta: h('span', { data: { field: 'eta' } }),
    fill: h('div', { class: 'fill' }),
    extras: h('div', { class: 'extras', data: { field: 'extras' } }),
  };
  const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, [parts.fill]);
  const sep = () => document.createTextNode(' · ');
  const b = parts;
  const root = h('div', { class: 'progress-item', data: { id: id } }, [
    h('div', { class: 'top' }, [b.label, h('span', { class: 'numbers' }, [b.count, document.createTextNode(' '), b.percent, sep(), b.rate, sep(), b.eta])]),
    bar,
    b.extras,
  ]);
  bar.setAttribute('aria-label', id);
  if (bars.size === 0) $('progress').replaceChildren();
  $('progress').appendChild(root);
  const made = { ...parts, bar, root };
  bars.set(id, made);
  $('progress-count').textContent = String(bars.size);
  return made;
}
/** A bar whose driver has gone (or that went stale) leaves the page. @param {string} id */
function endProgress(id) {
  bars.get(id)?.root.remove();
  bars.delete(id);
  $('progress-count').textContent = bars.size ? String(bars.size) : '';
  if (bars.size === 0) $('progress').replaceChildren(h('span', { class: 'empty', text: 'no running work reports progress' }));
}
/** @param {ProgressEvent} ev */
function progress(ev) {
  const id = String(ev.id);
  const b = progressBar(id);
  const done = Number(ev.done);
  const total = Number(ev.total);
  const rate = Number(ev.rate);
  const hasTotal = finite(total) && total > 0;
  const pct = hasTotal && finite(done) ? Math.max(0, Math.min(100, (100 * done) / total)) : null;
  const finished = hasTotal && done >= total;
  let eta = ev.etaS === null || ev.etaS === undefined ? NaN : Number(ev.etaS);
  if (!finite(eta) && hasTotal && rate > 0 && done < total) eta = (total - done) / rate;
  b.label.textContent = String(ev.label || id);
  b.count.textContent = fmtInt(done) + (hasTotal ? ' / ' + fmtInt(total) : '');
  b.percent.textContent = pct === null ? '' : '(' + pct.toFixed(1) + '%)';
  b.rate.textContent = fmtRate(rate);
  b.eta.textContent = finished ? 'done' : finite(eta) ? 'ETA ' + fmtDuration(eta) : 'ETA unknown';
  b.fill.style.width = (pct === null ? 0 : pct) + '%';
  if (pct === null) b.bar.removeAttribute('aria-valuenow');
  else b.bar.setAttribute('aria-valuenow', pct.toFixed(1));
  b.root.dataset.done = String(finished);
  b.root.title = 'updated ' + fmtTime(ev.ts);
  // Samples per city are the collection page's; the bar keeps to the job's totals.
  const extras = ev.extra && typeof ev.extra === 'object' ? Object.entries(ev.extra).filter(([k]) => !k.startsWith('samples.')).slice(0, 12) : [];
  b.extras.replaceChildren(...extras.map(([k, v], i) => {
    const d = describeExtra(k, v);
    return h('span', { data: { extra: k } }, [document.createTextNode((i ? ' · ' : '') + d.label + ' ' + d.text)]);
  }));
}

// ---- event feed ----
/** @type {Set<string>} */
const seenEvents = new Set();
/** @param {FeedEvent} ev */
function describeEvent(ev) {
  if (ev.type === 'node') return 'node ' + ev.nodeId + ' ' + ev.state + (ev.reason ? ': ' + ev.reason : '');
  if (ev.type === 'job') return 'job ' + ev.jobId + ' ' + ev.status;
  if (ev.type === 'warning') return ev.message;
  return ev.type;
}
/** @param {FeedEvent} ev */
function feed(ev) {
  // A reconnect replays the head's recent events; show each one once.
  const key = JSON.stringify(ev);
  if (seenEvents.has(key)) return;
  seenEvents.add(key);
  if (seenEvents.size > 4 * MAX_EVENTS) seenEvents.delete(/** @type {string} */ (seenEvents.values().next().value));
  const list = $('events');
  const li = h('li', { class: String(ev.type), data: { type: ev.type } }, [h('time', { text: fmtTime(ev.ts) }), document.createTextNode(describeEvent(ev))]);
  list.prepend(li);
  while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
}

/** @type {WebSocket | null} */
let eventSocket = null;
/** @param {number} delayMs */
function connectEvents(delayMs) {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/events');
  eventSocket = ws;
  // The head sends its current bars first thing: those that ended while this page was away go.
  ws.onopen = () => { conn.events = true; delayMs = 1000; showConn(); for (const id of [...bars.keys()]) endProgress(id); collections.clear(); };
  ws.onmessage = (m) => {
    /** @type {FeedEvent} */
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    if (!ev || typeof ev !== 'object' || conn.status === 'signed-out') return;
    if (ev.type === 'progress') { progress(ev); if (isCollection(ev.id)) collectionProgress(ev); }
    else if (ev.type === 'progress-end') { endProgress(ev.id); collections.delete(ev.id); if (currentRoute() === 'collection') renderCollections(); }
    else { feed(ev); scheduleRefresh(250); }
  };
  ws.onclose = () => {
    conn.events = false;
    showConn();
    setTimeout(() => connectEvents(Math.min(delayMs * 2, 30000)), delayMs);
  };
}

$('job-logs-close').addEventListener('click', closeLogs);
setupTaskLog();
window.addEventListener('hashchange', showRoute);
/** @type {ReturnType<typeof setTimeout> | null} */
let resizeTimer = null;
window.addEventListener('resize', () => {
  if (resizeTimer) clearTimeout(resizeTimer);
  resizeTimer = setTimeout(redrawCharts, 150);
});
refresh();
showRoute();
setInterval(refresh, POLL_MS);
// The open page's own data: charts follow the head's sampling; trials and the task log follow the status poll.
setInterval(() => {
  const route = currentRoute();
  if (route === 'overview' || route === 'nodes' || route === 'collection') refreshSeries();
}, SERIES_POLL_MS);
setInterval(() => {
  const route = currentRoute();
  if (route === 'trials') refreshTuneRuns();
  if (route === 'objects') refreshObjects();
  if (route === 'actors') refreshActors();
  if (route === 'placement-groups') refreshPlacementGroups();
  if (route === 'models') refreshModels();
  // Only the newest page follows new tasks; an older one stays put while it is read.
  if (route === 'tasks' && taskCursors.length === 1) refreshTaskLog();
}, POLL_MS);
connectEvents(1000);
