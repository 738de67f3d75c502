import { UsageError } from './args.js';

const COMMANDS: Record<string, string> = {
  bench: 'engine benchmark against PyTorch on this machine (--quick, --json, --threads N)',
  heads: 'list the heads (id, formula, source, params)',
  datasets: 'list the datasets and where they are read from',
  compare: 'train model × head × seed grids and compare heads with CIs and Holm-corrected p-values',
  search: 'evolve losses, δ-rules and output activations',
  confirm: "retrain a study's best candidates with fresh seeds against softmax-ce",
  report: 'write a self-contained HTML report from a database',
  demo: 'a two-minute compare on MNIST, then the report',
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(10)} ${v}`);
  return `usage: headroom <command> [options]\n\ncommands:\n${rows.join('\n')}\n\n'headroom <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage());
    return command === undefined ? 2 : 0;
  }
  if (!(command in COMMANDS))
    throw new UsageError(`unknown command '${command}'. Run 'headroom --help' for the list.`);
  const mod = (await import(`./commands/${command}.js`)) as { run(argv: string[]): Promise<number> };
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const exitCode = (err as { exitCode?: unknown }).exitCode;
    if (typeof exitCode === 'number') {
      console.error(`headroom: ${(err as Error).message}`);
      process.exitCode = exitCode;
    } else {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    }
  },
);
