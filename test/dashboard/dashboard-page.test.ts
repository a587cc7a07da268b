import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadDashboardPage } from '../../cluster/head/http/dashboard-page.ts';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('the dashboard page', () => {
  it('inlines uPlot from its package and allows exactly its inline scripts and stylesheets by hash', () => {
    const { html, csp } = loadDashboardPage();
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    expect(styles).toHaveLength(2);
    expect(scripts[0]).toMatch(/uPlot/);
    expect(styles[0]).toMatch(/\.u-legend/);
    const directive = (name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `))!.split(' ').slice(1);
    expect(directive('script-src').sort()).toEqual(scripts.map(sha256).sort());
    expect(directive('style-src').sort()).toEqual(styles.map(sha256).sort());
    // Nothing is loaded from elsewhere: no src or href but the empty icon.
    expect(html).not.toMatch(/\bsrc=/);
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).filter((h) => !h!.startsWith('#'))).toEqual(['data:,']);
    expect(html).not.toMatch(/\{\{\w+\}\}/);
  });
});
