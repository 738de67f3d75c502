/**
 * How the CLI reports a failure: always one line on stderr and an exit code, never a stack trace unless
 * HEADROOM_DEBUG=1 (the traces help the people fixing headroom, not the people running it).
 *
 * - Errors that carry their own `exitCode` (UsageError, DataError, StoreError, …) are printed as they are.
 * - File-system and disk errors (ENOENT, EEXIST, ENOTDIR, EISDIR, EROFS, EACCES, EPERM, ENOSPC, EDQUOT) and SQLite's
 *   I/O errors (SQLITE_FULL, SQLITE_IOERR_*, SQLITE_READONLY, …) become the path, the reason and a fix. Before work
 *   started they exit 2 (nothing was done); after, they exit 1 and say that the database is intact (every store write
 *   is one transaction, so a failed write leaves it as it was) and that the same command resumes.
 * - Anything else is a bug: one line naming it, exit 1.
 */

let started: { db: string } | null = null;

/**
 * Marks the point after which a failure interrupts work stored in `db` (runs, trials): from then on a fault exits 1
 * with the resume hint instead of 2.
 */
export function workStarted(db: string): void {
  started = { db };
}

/** For tests that run several commands in one process. */
export function resetWorkStarted(): void {
  started = null;
}

const FS_REASONS: Record<string, { why: string; fix: string }> = {
  ENOENT: { why: 'no such file or folder', fix: 'check the path, or pick one in a folder that exists' },
  EEXIST: {
    why: 'a file is in the way',
    fix: 'a part of the path is a file, not a folder; pick another path',
  },
  ENOTDIR: { why: 'a part of the path is a file, not a folder', fix: 'pick a path inside a folder' },
  EISDIR: { why: 'it is a folder', fix: 'give a file path instead' },
  EROFS: { why: 'read-only file system', fix: 'pick a path on a writable file system' },
  EACCES: { why: 'permission denied', fix: 'pick a path you can write, or change its permissions' },
  EPERM: { why: 'operation not permitted', fix: 'pick a path you can write, or change its permissions' },
  ENOSPC: { why: 'no space left on the device', fix: 'free some space (or pick a path on another disk)' },
  EDQUOT: { why: 'disk quota exceeded', fix: 'free some space (or pick a path on another disk)' },
};

const VERBS: Record<string, string> = {
  mkdir: 'create the folder',
  open: 'open',
  write: 'write',
  writev: 'write',
  rename: 'write',
  copyfile: 'write',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'list',
  stat: 'read',
  read: 'read',
  access: 'use',
};

const SQLITE_REASONS: Record<string, string> = {
  SQLITE_FULL: 'free space on its disk',
  SQLITE_READONLY: 'make the file and its folder writable, or pick another --db',
  SQLITE_CANTOPEN: 'check that the file and its folder exist and are writable, or pick another --db',
  SQLITE_IOERR: 'check the disk (is it full, removed or read-only?)',
  SQLITE_CORRUPT: 'the file is damaged; restore it from a copy or pick another --db',
  SQLITE_NOTADB: 'the file is not a SQLite database; pick another --db',
};

export interface Failure {
  message: string;
  exitCode: number;
  /** The stack, for HEADROOM_DEBUG=1. */
  stack?: string;
}

/** One line: newlines in a message (from a library) are folded so that logs keep one line per failure. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function afterStart(line: string): Failure {
  if (started === null) return { message: line, exitCode: 2 };
  return {
    message: `${line} The database ${started.db} is intact; rerun the same command to resume.`,
    exitCode: 1,
  };
}

/** The line and exit code for any error thrown by a command (`command` prefixes the line when known). */
export function describeFailure(err: unknown, command?: string): Failure {
  const prefix = command ? `${command}: ` : '';
  const e = err instanceof Error ? err : new Error(String(err));
  const stack = e.stack;
  const own = (err as { exitCode?: unknown } | null)?.exitCode;
  if (typeof own === 'number') {
    // Messages from below the CLI (data, store, report) do not know the command; every line names it.
    const text = oneLine(e.message);
    return {
      message: command && !text.startsWith(`${command}:`) ? prefix + text : text,
      exitCode: own,
      stack,
    };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in FS_REASONS) {
    const { why, fix } = FS_REASONS[code];
    const errno = err as NodeJS.ErrnoException;
    const verb = errno.syscall ? (VERBS[errno.syscall] ?? errno.syscall) : 'use';
    const where = errno.path ? ` ${errno.path}` : '';
    return { ...afterStart(`${prefix}cannot ${verb}${where}: ${why}; ${fix}.`), stack };
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    const base = Object.keys(SQLITE_REASONS).find((k) => code === k || code.startsWith(`${k}_`));
    const db = started ? ` ${started.db}` : '';
    const fix = base ? SQLITE_REASONS[base] : 'check the database file and its disk';
    return { ...afterStart(`${prefix}database${db}: ${oneLine(e.message)} (${code}); ${fix}.`), stack };
  }
  const line = `${prefix}internal error: ${oneLine(e.message.split('\n')[0] ?? '')} (HEADROOM_DEBUG=1 prints the stack trace).`;
  const f = afterStart(line);
  return { message: f.message, exitCode: 1, stack };
}
