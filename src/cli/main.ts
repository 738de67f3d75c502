import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { describeFailure } from './errors.js';

const COMMANDS: Record<string, string> = {
  bench: 'engine benchmark against PyTorch on this machine (--quick, --json, --threads N)',
  heads: 'list the heads (id, formula, source, params)',
  datasets: 'list the datasets and where they are read from',
  compare: 'train model × head × seed grids and compare heads with CIs and Holm-corrected p-values',
  search: 'evolve losses, δ-rules and output activations',
  confirm: "retrain a study's best candidates with fresh seeds against softmax-ce",
  report: 'write a self-contained HTML report from a database',
  serve: 'a live dashboard of a database in the browser, updating while compare, search and confirm run',
  ls: 'list the grids and studies of a database with their sizes and states',
  show: 'print one run (id or key) or trial (STUDY#N): config, curve and command',
  export: 'write runs or trials with their final and per-epoch numbers as CSV or JSON',
  demo: 'a two-minute compare on MNIST, then the report',
  worker: 'train jobs from a Redis queue for commands run with --queue (on any machine)',
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(10)} ${v}`);
  return [
    'usage: headroom <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    'every command also takes:',
    '  --plugin FILE   load a module that calls defineHead, defineDataset or defineModel (repeatable; also',
    '                  HEADROOM_PLUGINS=FILE:FILE…); its heads, datasets and models work like the built-in ones',
    '',
    "'headroom <command> --help' for a command's options; 'headroom --version' for the version.",
  ].join('\n');
}

/** This package's version, from the package.json two folders up (src/cli/ or dist/cli/). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * `--plugin FILE` (or `--plugin=FILE`) anywhere on the command line, taken out before the command reads its options:
 * plugins must be loaded first, since they add the names the command's options accept.
 */
function splitPlugins(argv: readonly string[]): { plugins: string[]; rest: string[] } {
  const plugins: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--plugin=')) plugins.push(a.slice('--plugin='.length));
    else if (a === '--plugin') {
      const file = argv[i + 1];
      if (file === undefined || file.startsWith('--'))
        throw new UsageError("--plugin needs a file: --plugin ./my-heads.js. See 'headroom --help'.");
      plugins.push(file);
      i++;
    } else rest.push(a);
  }
  if (plugins.some((p) => p.trim() === ''))
    throw new UsageError("--plugin needs a file: --plugin ./my-heads.js. See 'headroom --help'.");
  return { plugins, rest };
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    console.log(version());
    return 0;
  }
  const { plugins, rest: args } = splitPlugins(argv);
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage());
    return command === undefined ? 2 : 0;
  }
  if (!(command in COMMANDS))
    throw new UsageError(`unknown command '${command}'. Run 'headroom --help' for the list.`);
  // Loaded only when there are plugins: the loader pulls in the engine, which --help and the like do not need.
  if (plugins.length > 0 || (process.env.HEADROOM_PLUGINS ?? '').trim() !== '') {
    const { loadCommandPlugins } = await import('../api/plugins.js');
    await loadCommandPlugins(plugins);
  }
  const mod = (await import(`./commands/${command}.js`)) as { run(argv: string[]): Promise<number> };
  return mod.run(rest);
}

/** The command's name for error messages: the first argument that is neither --plugin nor its file. */
const command = (() => {
  try {
    return splitPlugins(process.argv.slice(2)).rest[0];
  } catch {
    return undefined;
  }
})();
let reported = false;

/** Prints a failure as one line (the stack too with HEADROOM_DEBUG=1) and sets the exit code. */
function report(err: unknown): void {
  if (reported) return;
  reported = true;
  const f = describeFailure(err, command !== undefined && command in COMMANDS ? command : undefined);
  if (process.env.HEADROOM_DEBUG === '1' && f.stack) console.error(f.stack);
  console.error(`headroom: ${f.message}`);
  process.exitCode = f.exitCode;
}

// A throw inside an event callback (a worker's message, a timer) never reaches main's promise: route it to the same
// one-line report instead of Node's default stack dump, then stop (the state after such a throw is unknown).
for (const event of ['uncaughtException', 'unhandledRejection'] as const)
  process.on(event, (err: unknown) => {
    report(err);
    process.exit();
  });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => report(err),
);
