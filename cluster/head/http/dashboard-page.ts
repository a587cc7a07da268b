/**
 * The dashboard page, from the files in ./dashboard/ (index.html, dashboard.css, dashboard.js; after Dask's
 * `distributed/http/templates` and `static/`). They are read once, when the head starts, and the stylesheet
 * and script are inlined into the page, so the page is one self-contained response (no external assets: it
 * works on an air-gapped cluster). See dashboard.js for how values are inserted (text only) and why the page
 * never holds the token.
 *
 * The charts are uPlot's (MIT, no dependencies), read from its npm package, never a CDN: from the sources and
 * from the compiled package alike it is resolved as a dependency of Convoy, and inlined the same way.
 *
 * The page pins itself down with a Content-Security-Policy naming the hashes of its scripts (uPlot's and the
 * dashboard's) and stylesheets: nothing else may run, load or be posted anywhere, so a value that somehow
 * reached the DOM as markup still could not execute or exfiltrate.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const DASHBOARD_DIR = new URL('./dashboard/', import.meta.url);

/** uPlot's browser build and stylesheet, from the installed package. */
function readChartLibrary(): { script: string; style: string } {
  const dir = path.dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  return {
    script: readFileSync(path.join(dir, 'dist', 'uPlot.iife.min.js'), 'utf8'),
    style: readFileSync(path.join(dir, 'dist', 'uPlot.min.css'), 'utf8'),
  };
}

export interface DashboardPage {
  /** The page; it holds no data, so one string serves every request. */
  readonly html: string;
  /**
   * The page's policy, also sent as a header (a header can add `frame-ancestors`, which a meta tag cannot).
   */
  readonly csp: string;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Reads the dashboard's files and builds the page and its policy. Throws if a file is missing or unsafe to inline. */
export function loadDashboardPage(dir: URL = DASHBOARD_DIR): DashboardPage {
  const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');
  const template = read('index.html');
  const script = read('dashboard.js');
  const style = read('dashboard.css');
  const chart = readChartLibrary();
  // Inlined text ends at the first closing tag of its element, whatever the script meant by it.
  for (const [name, text] of [['dashboard.js', script], ['uPlot.iife.min.js', chart.script]]) {
    if (/<\/script/i.test(text!)) throw new Error(`${name} must not contain a closing script tag: it is inlined into the page`);
  }
  for (const [name, text] of [['dashboard.css', style], ['uPlot.min.css', chart.style]]) {
    if (/<\/style/i.test(text!)) throw new Error(`${name} must not contain a closing style tag: it is inlined into the page`);
  }
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(chart.script)} ${sha256(script)}`,
    `style-src ${sha256(chart.style)} ${sha256(style)}`,
    // 'self' covers the same-origin ws:// feed as well as fetch.
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const slots: Record<string, string> = { csp, style, script, chartStyle: chart.style, chartScript: chart.script };
  // One pass, so a slot's name inside the script or stylesheet is left as it is.
  const html = template.replace(/\{\{(csp|style|script|chartStyle|chartScript)\}\}/g, (_m, name: string) => slots[name]!);
  return { html, csp };
}
