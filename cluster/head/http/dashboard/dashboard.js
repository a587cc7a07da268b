// @ts-check
/**
 * The dashboard's browser script, served inline in index.html (no build step). It polls `/api/status` and
 * listens to `/api/events` for live progress and events. `npm run typecheck` checks it against the head's
 * JSON contract (cluster/api/head-api.ts) with the DOM's types (tsconfig.dashboard.json).
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
 * @typedef {import('../../../../scheduler/resources.ts').ResourceVector} ResourceVector
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
  for (const id of ['cards', 'warnings', 'pending', 'events', 'progress']) $(id).replaceChildren();
  for (const id of ['nodes', 'tasks', 'jobs']) tableBody(id).replaceChildren();
  for (const id of ['head-info', 'progress-count', 'warnings-count', 'nodes-count', 'jobs-count']) $(id).textContent = '';
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
      cell(load ? fmtInt(load.runningTasks) : '–', 'running', 'num'),
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
    const ran = ((j.endTime || Date.now()) - j.startTime) / 1000;
    const outcome = j.message || (j.exitCode !== undefined && j.exitCode !== null ? 'exit ' + j.exitCode : '');
    return h('tr', { data: { jobId: j.jobId, status: j.status } }, [
      cell(j.jobId, 'job', 'mono'),
      cell(j.status, 'status', 'status-' + j.status),
      cell(Array.isArray(j.entrypoint) ? j.entrypoint.join(' ') : String(j.entrypoint), 'entrypoint', 'mono'),
      cell(fmtTime(j.startTime), 'started'),
      cell(fmtDuration(ran), 'duration', 'num'),
      cell(outcome, 'message'),
      h('td', null, [button]),
    ]);
  });
  tableBody('jobs').replaceChildren(...(rows.length ? rows : [emptyRow(7, 'no jobs submitted')]));
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
  const extras = ev.extra && typeof ev.extra === 'object' ? Object.entries(ev.extra).slice(0, 12) : [];
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
  ws.onopen = () => { conn.events = true; delayMs = 1000; showConn(); for (const id of [...bars.keys()]) endProgress(id); };
  ws.onmessage = (m) => {
    /** @type {FeedEvent} */
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    if (!ev || typeof ev !== 'object' || conn.status === 'signed-out') return;
    if (ev.type === 'progress') progress(ev);
    else if (ev.type === 'progress-end') endProgress(ev.id);
    else { feed(ev); scheduleRefresh(250); }
  };
  ws.onclose = () => {
    conn.events = false;
    showConn();
    setTimeout(() => connectEvents(Math.min(delayMs * 2, 30000)), delayMs);
  };
}

$('job-logs-close').addEventListener('click', closeLogs);
refresh();
setInterval(refresh, POLL_MS);
connectEvents(1000);
