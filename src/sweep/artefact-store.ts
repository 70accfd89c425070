/**
 * On-disk artefacts. A task's files live in `<root>/<kind>/<key>/`; they are written into
 * `<root>/.tmp/<host>.<pid>.<random>.<key>/` and renamed into place only when complete, so a
 * folder under `<root>/<kind>/` is always a finished artefact. Every artefact holds
 * `_task.json` (kind, version, key, params, input keys, seed, result), written last, so a
 * finished artefact can be adopted by another sweep sharing the folder without rerunning it.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from './canonical-json.js';

/** Name of the manifest file every artefact folder holds. */
export const MANIFEST_FILE = '_task.json';

/** Contents of an artefact's `_task.json`; deterministic (no times), so artefacts compare bytewise. */
export interface ArtefactManifest {
  key: string;
  kind: string;
  version: string;
  params: JsonValue;
  /** Input keys in order. */
  inputs: string[];
  seed: number;
  result: JsonValue;
}

const TMP_DIR = '.tmp';

/** Paths and crash-safe commits of artefact folders under one root. */
export class ArtefactStore {
  /** Absolute root folder (`DIR/artefacts` or a shared cache folder). */
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** Final folder of a task's artefact. */
  dirOf(kind: string, key: string): string {
    return join(this.root, kind, key);
  }

  /** The manifest of a complete artefact, or undefined when there is none (or it is unreadable). */
  readManifest(kind: string, key: string): ArtefactManifest | undefined {
    const path = join(this.dirOf(kind, key), MANIFEST_FILE);
    if (!existsSync(path)) return undefined;
    try {
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as ArtefactManifest;
      return manifest.key === key ? manifest : undefined;
    } catch {
      return undefined;
    }
  }

  /** Creates a fresh, empty temporary folder for a task and returns its path. */
  createTemp(key: string): string {
    const tmpRoot = join(this.root, TMP_DIR);
    mkdirSync(tmpRoot, { recursive: true });
    const name = `${safeHost()}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.${key}`;
    const dir = join(tmpRoot, name);
    mkdirSync(dir);
    return dir;
  }

  /**
   * Makes a temporary folder the task's artefact: writes the manifest, fsyncs every file, and
   * renames the folder into place. If another process committed the same key first, the
   * temporary folder is discarded and the existing artefact kept (keys are content hashes, so
   * both hold the same bytes).
   *
   * @returns the final folder
   */
  commit(tempDir: string, manifest: ArtefactManifest): string {
    // The whole folder is temporary, so a plain write suffices; fsyncTree flushes it with the rest.
    writeFileSync(join(tempDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncTree(tempDir);
    const finalDir = this.dirOf(manifest.kind, manifest.key);
    mkdirSync(join(this.root, manifest.kind), { recursive: true });
    try {
      renameSync(tempDir, finalDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (
        (code === 'ENOTEMPTY' || code === 'EEXIST') &&
        this.readManifest(manifest.kind, manifest.key)
      ) {
        rmSync(tempDir, { recursive: true, force: true });
        return finalDir;
      }
      throw error;
    }
    fsyncDir(join(this.root, manifest.kind));
    return finalDir;
  }

  /** Removes a temporary folder (after a failed task). */
  discardTemp(tempDir: string): void {
    rmSync(tempDir, { recursive: true, force: true });
  }

  /**
   * Removes temporary folders left by processes on this host that no longer run (a killed sweep
   * or worker). Folders of live processes, and of other hosts sharing the folder, are kept.
   *
   * @returns the number of folders removed
   */
  cleanStaleTemps(): number {
    const tmpRoot = join(this.root, TMP_DIR);
    if (!existsSync(tmpRoot)) return 0;
    let removed = 0;
    const host = safeHost();
    for (const name of readdirSync(tmpRoot)) {
      const [entryHost, pidText] = name.split('.');
      const pid = Number(pidText);
      const parsed = Number.isInteger(pid) && pid > 0;
      // Another machine's folder: its process cannot be checked from here.
      if (parsed && entryHost !== host) continue;
      if (parsed && (pid === process.pid || isAlive(pid))) continue;
      rmSync(join(tmpRoot, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Names of the temporary folders present now (for tests and status). */
  listTemps(): string[] {
    const tmpRoot = join(this.root, TMP_DIR);
    return existsSync(tmpRoot) ? readdirSync(tmpRoot) : [];
  }
}

function safeHost(): string {
  return hostname().replace(/[^A-Za-z0-9-]/g, '-') || 'host';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fsyncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(path);
    else if (entry.isFile()) fsyncPath(path, 'r');
  }
  fsyncDir(dir);
}

function fsyncDir(dir: string): void {
  try {
    fsyncPath(dir, 'r');
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
