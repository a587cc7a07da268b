/**
 * The dashboard: one self-contained page (no build step, no external assets, so it works on an air-gapped
 * cluster). It polls /api/status and listens to /api/events for live progress. Values are inserted with
 * textContent, never innerHTML, so nothing a task reports can inject markup.
 */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Convoy dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px #0001; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eee; font-variant-numeric: tabular-nums; }
  .dead { color: #b00020; } .alive { color: #0a7d32; }
  .bar { background: #e6e9ef; border-radius: 4px; height: 14px; overflow: hidden; }
  .bar > div { background: #3b6fd8; height: 100%; }
  .warn { color: #8a5300; }
  .muted { color: #667; }
</style>
</head>
<body>
<header><h1>Convoy</h1><span id="summary" class="muted">connecting…</span></header>
<main>
  <section><h2>Progress</h2><div id="progress" class="muted">no running work reports progress</div></section>
  <section><h2>Warnings</h2><ul id="warnings" class="warn"></ul></section>
  <section><h2>Nodes</h2><table id="nodes"><thead><tr><th>node</th><th>state</th><th>address</th><th>CPU</th><th>GPU</th><th>queued</th><th>running</th><th>store</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Tasks</h2><table id="tasks"><thead><tr><th>state</th><th>count</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Jobs</h2><table id="jobs"><thead><tr><th>job</th><th>status</th><th>entrypoint</th><th>started</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
const $ = (id) => document.getElementById(id);
function row(cells, cls) {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => { const td = document.createElement('td'); td.textContent = String(c); if (cls && cls[i]) td.className = cls[i]; tr.appendChild(td); });
  return tr;
}
function fill(tbody, rows) { tbody.replaceChildren(...rows); }
function mib(n) { return (n / 1048576).toFixed(1) + ' MiB'; }
function used(n, k) { const t = n.total[k] || 0; const a = n.available[k] || 0; return t ? (t - a) + ' / ' + t : '-'; }
async function refresh() {
  try {
    const r = await fetch('/api/status', { credentials: 'same-origin' });
    if (!r.ok) { $('summary').textContent = 'status ' + r.status; return; }
    const s = await r.json();
    const alive = s.nodes.filter((n) => n.state === 'alive').length;
    $('summary').textContent = alive + ' node(s) alive · ' + (s.resources.total.cpu || 0) + ' CPU · ' + (s.resources.total.gpu || 0) + ' GPU · ' + s.clients + ' client(s) · head ' + s.address;
    fill($('nodes').tBodies[0], s.nodes.map((n) => row([n.nodeId, n.state, n.address, used(n, 'cpu'), used(n, 'gpu'), n.load ? n.load.queuedTasks : '-', n.load ? n.load.runningTasks : '-', n.load ? mib(n.load.storeUsedBytes) : '-'], [null, n.state])));
    fill($('tasks').tBodies[0], Object.entries(s.tasksByState).map(([k, v]) => row([k, v])));
    fill($('jobs').tBodies[0], s.jobs.map((j) => row([j.jobId, j.status, j.entrypoint.join(' '), new Date(j.startTime).toLocaleTimeString()])));
    $('warnings').replaceChildren(...s.warnings.map((w) => { const li = document.createElement('li'); li.textContent = w; return li; }));
  } catch (e) { $('summary').textContent = 'head unreachable'; }
}
const bars = new Map();
function progress(ev) {
  let el = bars.get(ev.id);
  if (!el) {
    el = document.createElement('div');
    el.className = 'progress-item';
    el.dataset.id = ev.id;
    el.innerHTML = '<div class="label"></div><div class="bar"><div></div></div>';
    if (bars.size === 0) $('progress').replaceChildren();
    $('progress').appendChild(el);
    bars.set(ev.id, el);
  }
  const pct = ev.total > 0 ? Math.min(100, 100 * ev.done / ev.total) : 0;
  const eta = ev.etaS == null ? '' : ' · ETA ' + Math.round(ev.etaS) + ' s';
  el.querySelector('.label').textContent = ev.label + ': ' + ev.done.toLocaleString() + ' / ' + ev.total.toLocaleString() + ' (' + pct.toFixed(1) + '%) · ' + Math.round(ev.rate).toLocaleString() + '/s' + eta;
  el.querySelector('.bar > div').style.width = pct + '%';
}
function connect() {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/events');
  ws.onmessage = (m) => { const ev = JSON.parse(m.data); if (ev.type === 'progress') progress(ev); else refresh(); };
  ws.onclose = () => setTimeout(connect, 2000);
}
refresh(); setInterval(refresh, 2000); connect();
</script>
</body>
</html>`;
}
