/**
 * Finds the Python that runs the bench's PyTorch reference (bench/torch_reference.py). No engine import: the CLI
 * decides this before it loads libtorch, and tests call it directly.
 */
import { spawnSync } from 'node:child_process';

/** Where the apt-get fallback (Debian's python3-torch) installs torch. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface PythonCandidate {
  /** What is run: a path, or a bare name looked up on PATH. */
  command: string;
  /** Where it came from, for messages. */
  source: string;
}

/** HEADROOM_PYTHON if set, then the system python (where apt's python3-torch lands), then python3 on PATH. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): PythonCandidate[] {
  const out: PythonCandidate[] = [];
  const fromEnv = env.HEADROOM_PYTHON;
  if (fromEnv !== undefined && fromEnv !== '') out.push({ command: fromEnv, source: 'HEADROOM_PYTHON' });
  out.push({ command: SYSTEM_PYTHON, source: SYSTEM_PYTHON });
  out.push({ command: 'python3', source: 'python3 on PATH' });
  return out;
}

export interface FoundPython {
  /** The command to spawn (as given, so a wrapper script or venv python keeps working). */
  command: string;
  source: string;
  /** sys.executable as that python reports it (resolves 'python3' on PATH), for the report line. */
  executable: string;
}

/**
 * The first candidate that can `import torch`, or null. Each check is one short child process (torch's import takes
 * a second or two); a candidate that is missing, not executable or lacks torch is skipped. `candidates` is for tests.
 */
export function findTorchPython(
  env: NodeJS.ProcessEnv = process.env,
  candidates: readonly PythonCandidate[] = pythonCandidates(env),
): FoundPython | null {
  for (const c of candidates) {
    const r = spawnSync(c.command, ['-c', 'import sys, torch; print(sys.executable)'], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    if (r.error === undefined && r.status === 0) {
      const executable = r.stdout.trim().split('\n').pop() ?? '';
      return { command: c.command, source: c.source, executable: executable || c.command };
    }
  }
  return null;
}

/** "HEADROOM_PYTHON (/x/py), /usr/bin/python3, python3 on PATH": what was tried, for the not-found message. */
export function describeCandidates(env: NodeJS.ProcessEnv = process.env): string {
  return pythonCandidates(env)
    .map((c) => (c.source === 'HEADROOM_PYTHON' ? `HEADROOM_PYTHON (${c.command})` : c.source))
    .join(', ');
}
