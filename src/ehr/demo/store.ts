// Keeps the demo EHR's state across restarts: every current resource as one
// line of DATA_DIR/demo-ehr/resources.ndjson, written whole to a temporary
// file and renamed over the old one (a crash leaves the old or the new file,
// never half of one), a second after changes and on close. Version history
// is not kept: after a restart each resource has only its latest version.
// A lock file names the one process that owns the folder and where its demo
// EHR answers, so other instances on the same DATA_DIR use that one.
import fs from 'node:fs';
import path from 'node:path';
import { getResourceTypes } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { UserError } from '../../platform/errors.ts';
import type { DemoRepository } from './repository.ts';

export interface StoreLog {
  error(obj: object, msg: string): void;
}

const DEBOUNCE_MS = 1000;

export class DemoEhrStore {
  readonly dir: string;
  readonly file: string;
  readonly lockFile: string;
  private readonly repo: DemoRepository;
  /** Runs the snapshot's read of the repository between requests, never during one. */
  private readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  private readonly log: StoreLog;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    dir: string,
    repo: DemoRepository,
    exclusive: <T>(work: () => Promise<T>) => Promise<T>,
    log: StoreLog,
  ) {
    this.dir = dir;
    this.repo = repo;
    this.exclusive = exclusive;
    this.log = log;
    this.file = path.join(dir, 'resources.ndjson');
    this.lockFile = path.join(dir, 'lock');
  }

  /**
   * Takes the folder for this process (undefined). When a live process holds
   * it, says which and the address its demo EHR serves once it listens; pid
   * 0 when the lock cannot be read yet (being written): ask again shortly.
   */
  tryLock(): LockHolder | undefined {
    fs.mkdirSync(this.dir, { recursive: true });
    try {
      fs.writeFileSync(this.lockFile, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(this.lockFile);
    if (!holder || alive(holder.pid)) return holder ?? { pid: 0 };
    fs.rmSync(this.lockFile, { force: true }); // left by a process that ended
    return { pid: 0 };
  }

  /** Tells other processes on this folder where the demo EHR answers. */
  announce(url: string): void {
    const temp = `${this.lockFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ pid: process.pid, url }));
    fs.renameSync(temp, this.lockFile);
  }

  unlock(): void {
    if (readLock(this.lockFile)?.pid === process.pid) fs.rmSync(this.lockFile, { force: true });
  }

  exists(): boolean {
    return fs.existsSync(this.file);
  }

  /** Puts the saved resources back, versions and all; returns how many. */
  async load(): Promise<number> {
    const text = await fs.promises.readFile(this.file, 'utf8');
    let count = 0;
    let line = 0;
    for (const json of text.split('\n')) {
      line++;
      if (!json.trim()) continue;
      let resource: Resource;
      try {
        resource = JSON.parse(json) as Resource;
      } catch {
        throw new UserError(
          `The demo EHR's saved state ${this.file} is unreadable at line ${line}; move the file away to start again from the fixtures.`,
        );
      }
      await this.repo.createResource(resource);
      count++;
    }
    return count;
  }

  /** Something changed: save within a second. */
  changed(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save().catch((err: unknown) =>
        this.log.error({ err }, 'demo EHR: saving its state failed'),
      );
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Saves now if anything changed since the last save (waits for one under way). */
  async save(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.write()
      .catch((err: unknown) => {
        this.dirty = true;
        throw err;
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  private async write(): Promise<void> {
    const lines = await this.exclusive(() => this.snapshot());
    const temp = `${this.file}.${process.pid}.tmp`;
    const handle = await fs.promises.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(lines.join('\n'));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, this.file);
  }

  private async snapshot(): Promise<string[]> {
    const lines: string[] = [];
    for (const resourceType of getResourceTypes()) {
      for (const r of await this.repo.all(resourceType)) lines.push(JSON.stringify(r));
    }
    lines.push('');
    return lines;
  }
}

export interface LockHolder {
  pid: number;
  url?: string;
}

/** The lock's holder; undefined while it is being written, or if unreadable. */
function readLock(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
