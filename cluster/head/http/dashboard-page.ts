/**
 * The dashboard: one self-contained page (no build step, no external assets, so it works on an air-gapped
 * cluster). Its script polls /api/status and listens to /api/events for live progress; see
 * dashboard-script.ts for how values are inserted (text only) and why the page never holds the token.
 *
 * The page pins itself down with a Content-Security-Policy naming the hashes of its one script and one
 * stylesheet: nothing else may run, load or be posted anywhere, so a value that somehow reached the DOM as
 * markup still could not execute or exfiltrate.
 */
import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './dashboard-script.ts';
import { DASHBOARD_CSS } from './dashboard-style.ts';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page's policy, also exported so the HTTP layer can send it as a header (a header can add
 * `frame-ancestors`, which a meta tag cannot).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(DASHBOARD_CSS)}`,
  // 'self' covers the same-origin ws:// feed as well as fetch.
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const BODY = `
<header>
  <h1>Convoy</h1>
  <span id="conn" class="conn" data-state="connecting">connecting…</span>
  <span id="head-info" class="head-info"></span>
</header>
<main>
  <section id="signin" class="signin" hidden>
    <strong>Not signed in.</strong> Open this page once as <code>/?token=TOKEN</code> with the cluster token (from the
    head's token file or <code>CONVOY_TOKEN</code>); the browser then keeps it in a cookie and the address bar drops it.
  </section>
  <section class="wide"><h2>Cluster</h2><div id="cards" class="cards"></div></section>
  <section class="wide"><h2>Progress <span id="progress-count" class="count"></span></h2>
    <div id="progress"><span class="empty">no running work reports progress</span></div></section>
  <section><h2>Warnings <span id="warnings-count" class="count"></span></h2><ul id="warnings"></ul></section>
  <section><h2>Tasks</h2>
    <table id="tasks"><thead><tr><th>state</th><th class="num">count</th></tr></thead><tbody></tbody></table>
    <ul id="pending" class="empty"></ul></section>
  <section class="wide"><h2>Nodes <span id="nodes-count" class="count"></span></h2>
    <table id="nodes"><thead><tr><th>node</th><th>state</th><th>address</th><th>host</th><th class="num">CPU</th><th class="num">GPU</th>
    <th class="num">queued</th><th class="num">running</th><th>object store</th><th>heartbeat</th></tr></thead><tbody></tbody></table></section>
  <section class="wide"><h2>Jobs <span id="jobs-count" class="count"></span></h2>
    <table id="jobs"><thead><tr><th>job</th><th>status</th><th>entrypoint</th><th>started</th><th class="num">ran</th><th>outcome</th><th></th></tr></thead><tbody></tbody></table>
    <div id="job-logs" hidden><h2><span id="job-logs-title"></span> <span id="job-logs-note" class="count"></span>
      <button id="job-logs-close" type="button">close</button></h2><pre id="job-logs-text"></pre></div></section>
  <section class="wide"><h2>Events</h2><ul id="events"></ul></section>
</main>`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${DASHBOARD_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Convoy dashboard</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_CSS}</style>
</head>
<body>${BODY}
<noscript>The dashboard needs JavaScript to load the cluster's status.</noscript>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>`;

/** The dashboard page; it holds no data, so one string serves every request. */
export function dashboardHtml(): string {
  return PAGE;
}
