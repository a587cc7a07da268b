import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlStoreFileError, IllegalStateError } from '../../cluster/common/errors.ts';
import { tsxLoaderUrl } from '../../cluster/common/spawn.ts';
import { SQLITE_SCHEMA_VERSION, SqliteControlStore } from '../../cluster/head/control/sqlite-store.ts';
import type { ObjectRecord } from '../../cluster/head/control/records.ts';
import { controlStoreSuite } from './control-store.suite.ts';

const WRITER = fileURLToPath(new URL('../fixtures/control-store/writer.ts', import.meta.url));

let dir: string;
let n = 0;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'convoy-sqlite-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

controlStoreSuite('sqlite', () => SqliteControlStore.open(path.join(dir, `suite-${n++}.db`)));

const object = (id: string, size = 1): ObjectRecord => ({ objectId: id, nodes: ['n1'], size, owner: 'c1' });

describe('SqliteControlStore', () => {
  it('finds the same rows in the same order after a reopen, and numbers new keys after them', async () => {
    const file = path.join(dir, 'control.db');
    const first = SqliteControlStore.open(file);
    for (const id of ['c', 'a', 'b', 'd']) first.objects.put(id, object(id));
    first.objects.put('a', object('a', 99));
    first.objects.delete('b');
    first.objects.put('b', object('b', 7));
    first.nodes.put('a', { nodeId: 'a' } as never);
    await first.close();

    const second = SqliteControlStore.open(file);
    expect(second.objects.keys()).toEqual(['c', 'a', 'd', 'b']);
    expect(second.objects.get('a')).toEqual(object('a', 99));
    expect(second.objects.get('b')).toEqual(object('b', 7));
    expect(second.nodes.keys()).toEqual(['a']);
    second.objects.put('e', object('e'));
    second.objects.put('c', object('c', 3));
    await second.close();

    const third = SqliteControlStore.open(file);
    expect(third.objects.keys()).toEqual(['c', 'a', 'd', 'b', 'e']);
    expect(third.objects.get('c')!.size).toBe(3);
    await third.close();
  });

  it('keeps what was flushed when the process is killed right after', async () => {
    const file = path.join(dir, 'killed.db');
    const child = spawn(process.execPath, ['--import', tsxLoaderUrl(), WRITER, `sqlite:${file}`, dir, '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('flushed')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before it flushed`)));
    });
    child.kill('SIGKILL');
    await exited;
    const store = SqliteControlStore.open(file);
    expect(store.objects.size()).toBe(49);
    expect(store.objects.keys().slice(0, 3)).toEqual(['o0', 'o2', 'o3']);
    expect(store.objects.get('o49')).toEqual(object('o49', 49));
    await store.close();
  });

  it('creates its file private to this user (mode 0600)', async () => {
    const file = path.join(dir, 'sub', 'control.db');
    const store = SqliteControlStore.open(file);
    store.meta.put('head', { tokenHash: 'x', sessionDir: dir, address: 'a', httpAddress: 'b', startedAt: 1, closedCleanly: false });
    await store.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    await store.close();
  });

  it('is in WAL mode while open', async () => {
    const file = path.join(dir, 'wal.db');
    const store = SqliteControlStore.open(file);
    store.objects.put('a', object('a'));
    await store.flush();
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    await store.close();
  });

  it('refuses a file that is not an SQLite database, naming it and the fix', () => {
    const file = path.join(dir, 'notes.db');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    const err = openError(file);
    expect(err.problem).toBe('foreign');
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not a Convoy control store.*move it away.*--store/);
    expect(readFileSync(file, 'utf8')).toMatch(/^these are my notes/);
  });

  it("refuses another program's SQLite database and leaves it as it was", () => {
    const file = path.join(dir, 'other.db');
    const other = new Database(file);
    other.exec("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('a')");
    other.close();
    const err = openError(file);
    expect(err.problem).toBe('foreign');
    expect(err.message).toMatch(/another program \(its tables: songs\)/);
    const again = new Database(file);
    expect(again.prepare('SELECT count(*) AS n FROM songs').get()).toEqual({ n: 1 });
    again.close();
  });

  it('refuses a store written by a newer Convoy', async () => {
    const file = path.join(dir, 'newer.db');
    await SqliteControlStore.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    const err = openError(file);
    expect(err.problem).toBe('newer');
    expect(err.message).toContain(`store layout ${SQLITE_SCHEMA_VERSION + 1}`);
    expect(err.message).toContain(file);
  });

  it('refuses a damaged store', async () => {
    const file = path.join(dir, 'damaged.db');
    const store = SqliteControlStore.open(file);
    for (let i = 0; i < 2000; i++) store.objects.put(`o${i}`, { ...object(`o${i}`), owner: 'x'.repeat(200) });
    await store.close();
    const pageSize = 4096;
    expect(statSync(file).size).toBeGreaterThan(10 * pageSize);
    // Keep the header page (the schema), overwrite the table's pages.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(8 * pageSize, 0xa5), 0, 8 * pageSize, pageSize);
    closeSync(fd);
    const err = openError(file);
    expect(err.problem).toBe('corrupt');
    expect(err.message).toMatch(/is damaged.*move it away/);
  });

  it('refuses a second head on the same file while the first has it open', async () => {
    const file = path.join(dir, 'shared.db');
    const first = SqliteControlStore.open(file);
    const err = openError(file);
    expect(err.problem).toBe('locked');
    expect(err.message).toMatch(/in use by another Convoy head/);
    await first.close();
    await SqliteControlStore.open(file).close();
  });

  it('takes no writes once closed', async () => {
    const store = SqliteControlStore.open(path.join(dir, 'closed.db'));
    await store.close();
    expect(() => store.objects.put('a', object('a'))).toThrow(IllegalStateError);
  });
});

function openError(file: string): ControlStoreFileError {
  try {
    SqliteControlStore.open(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ControlStoreFileError);
    return err as ControlStoreFileError;
  }
  throw new Error(`opening ${file} did not fail`);
}
