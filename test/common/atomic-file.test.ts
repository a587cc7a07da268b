import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomicSync } from '../../cluster/common/atomic-file.ts';
import { tsxLoaderUrl } from '../../cluster/common/spawn.ts';

describe('writeFileAtomicSync', () => {
  it('lets two processes replace one file over and over without meeting on a temporary name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-atomic-'));
    const file = path.join(dir, 'run.json');
    const helper = new URL('../../cluster/common/atomic-file.ts', import.meta.url).href;
    // Each writer replaces the file 400 times, as a tune driver writes its run state after every event.
    const writer = (name: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const script = `const { writeFileAtomicSync } = await import(${JSON.stringify(helper)});
for (let i = 0; i < 400; i++) writeFileAtomicSync(${JSON.stringify(file)}, JSON.stringify({ writer: ${JSON.stringify(name)}, i }));`;
        const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c) => (stderr += c));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([writer('a'), writer('b')]);
    for (const r of results) expect(r).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ i: 399 }); // whole, and from a writer's last write
    expect(readdirSync(dir)).toEqual(['run.json']); // no temporary file left behind
  });

  it('leaves no temporary file when the write fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-atomic-'));
    mkdirSync(path.join(dir, 'taken'));
    expect(() => writeFileAtomicSync(path.join(dir, 'taken'), 'x')).toThrow(/EISDIR|directory/); // a file cannot replace a folder
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
