// Which file called into headroom: a definition remembers the module that made it, so that worker processes can
// import that module and have the same heads, datasets and models.
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file is src/api/origin.ts or dist/api/origin.js. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OWN = [`${ROOT}src${sep}`, `${ROOT}dist${sep}`];

function pathOf(name: string): string | undefined {
  if (name.startsWith('file:')) return fileURLToPath(name);
  return name.startsWith(sep) ? name : undefined; // node:internal frames and eval code have no file
}

/**
 * The first file on the call stack outside headroom's own src/ and dist/: the user module that called a define
 * function. Undefined when there is none (a REPL, eval). Read through V8's structured stack API, which reports the
 * module URL of every frame whatever the message formatting.
 */
export function callerFile(): string | undefined {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 50;
    Error.prepareStackTrace = (_err, frames) => frames;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerFile);
    const frames = holder.stack as NodeJS.CallSite[] | undefined;
    for (const f of frames ?? []) {
      const name = f.getFileName();
      const path = name === undefined || name === null ? undefined : pathOf(name);
      if (path === undefined || OWN.some((d) => path.startsWith(d))) continue;
      return path;
    }
    return undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** The script node was started with (process.argv[1]), resolved, or undefined. */
export function mainScript(): string | undefined {
  const arg = process.argv[1];
  if (arg === undefined) return undefined;
  try {
    return realpathSync(arg);
  } catch {
    return arg;
  }
}

export function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return real(a) === real(b);
}
