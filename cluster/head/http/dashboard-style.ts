/**
 * The dashboard's stylesheet, inlined into the page (no external assets: the dashboard must work on an
 * air-gapped cluster and under a CSP that allows nothing but this page's own hashed style and script).
 */
export const DASHBOARD_CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #667085; --line: #e6e9ef; --bg: #f5f6f8; --card: #fff;
  --accent: #3b6fd8; --ok: #0a7d32; --bad: #b00020; --warn: #8a5300; --warn-bg: #fff6e5; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Liberation Sans", sans-serif; margin: 0; color: var(--ink); background: var(--bg); }
header { background: var(--ink); color: #fff; padding: 10px 20px; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; letter-spacing: .02em; }
header .conn { font-size: 12px; padding: 1px 8px; border-radius: 10px; background: #ffffff22; }
header .conn[data-state="live"] { background: #0a7d3299; }
header .conn[data-state="error"], header .conn[data-state="signed-out"] { background: #b0002099; }
header .head-info { color: #c8cfdc; font-size: 12px; }
main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
section { background: var(--card); border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px #0001; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 15px; margin: 0 0 8px; display: flex; gap: 8px; align-items: baseline; }
h2 .count { color: var(--muted); font-weight: normal; font-size: 13px; }
.signin { grid-column: 1 / -1; background: var(--warn-bg); color: var(--warn); border: 1px solid #f0d9a8; }
.cards { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 20px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; }
td.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
.state-alive, .status-SUCCEEDED, .status-RUNNING { color: var(--ok); }
.state-dead, .status-FAILED { color: var(--bad); }
.status-STOPPED, .status-PENDING { color: var(--muted); }
.empty { color: var(--muted); }
.bar { background: var(--line); border-radius: 4px; height: 12px; overflow: hidden; }
.bar > .fill { background: var(--accent); height: 100%; width: 0; transition: width .3s ease; }
.progress-item { padding: 6px 0; border-bottom: 1px solid var(--line); }
.progress-item:last-child { border-bottom: 0; }
.progress-item .top { display: flex; justify-content: space-between; gap: 12px; flex-wrap: wrap; margin-bottom: 3px; }
.progress-item .label { font-weight: 600; overflow-wrap: anywhere; }
.progress-item .numbers, .progress-item .extras { color: var(--muted); font-variant-numeric: tabular-nums; }
.progress-item .extras { font-size: 12px; margin-top: 3px; }
.progress-item[data-done="true"] .fill { background: var(--ok); }
.store { min-width: 140px; }
.store .bar { height: 6px; margin-top: 2px; }
#warnings { margin: 0; padding-left: 18px; color: var(--warn); }
#warnings li { margin: 2px 0; overflow-wrap: anywhere; }
#events { margin: 0; padding: 0; list-style: none; max-height: 220px; overflow: auto; font-size: 12px; }
#events li { padding: 2px 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
#events time { color: var(--muted); margin-right: 8px; font-variant-numeric: tabular-nums; }
#events .warning { color: var(--warn); }
button { font: inherit; font-size: 12px; padding: 1px 8px; border: 1px solid #c8cfdc; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
#job-logs[hidden], #job-logs pre:empty { display: none; }
#job-logs pre { background: #0f131b; color: #e3e8f0; padding: 8px 10px; border-radius: 4px; max-height: 420px; overflow: auto;
  font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; margin: 8px 0 0; }
`;
