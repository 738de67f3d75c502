// `headroom serve --db PATH [--port N] [--host H]`: the live dashboard.
import { resolve } from 'node:path';
import { opt, parseOptions, UsageError, type OptionTable } from '../args.js';

const HELP = `usage: headroom serve --db PATH [--port N] [--host H]

A dashboard of the database in the browser that updates as compare, search and confirm write to it (no reload):

  overview  the findings (which heads differ significantly from the baseline), every grid and study with its state
  grid      each run's progress by epoch, learning curves that grow epoch by epoch, the accuracy/Δ/CI table
  study     the search curve with softmax-ce per rung, candidates per rung and promotions, rejections, the Pareto
            front, the family tree of evolved candidates, parallel coordinates of parametric spaces (taylor, poly)
  run/trial the expression or head, its δ shape, its curve, its full config and the command that reproduces it

It only reads the database (it can be started before, during or after the commands that write it), bundles every
script it needs (no network), and answers on 127.0.0.1 unless --host says otherwise. Ctrl-C stops it.

options:
  --db PATH     the SQLite database written by compare / search / confirm                      [headroom.db]
  --port N      the port; 0 picks a free one                                                    [8742]
  --host H      the address to listen on (0.0.0.0: every interface; anyone who reaches it can read the database)
                                                                                                [127.0.0.1]
  --json        print {"url"} as one JSON line once it listens (for scripts)
`;

const OPTIONS = {
  db: opt.dbToRead(),
  port: opt.int({ min: 0, max: 65535 }),
  host: opt.text(),
  json: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

export async function run(argv: string[]): Promise<number> {
  const o = parseOptions('serve', argv, OPTIONS);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const dbPath = o.db ?? resolve('headroom.db');
  const { startDashboard } = await import('../../serve/index.js');
  let dash;
  try {
    dash = await startDashboard({ dbPath, port: o.port ?? 8742, host: o.host ?? '127.0.0.1' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(
        `serve: port ${o.port ?? 8742} is in use; pick another with --port (0: any free port).`,
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UsageError(`serve: cannot listen on '${o.host}': no such address on this machine.`);
    if (code === 'EACCES')
      throw new UsageError(`serve: port ${o.port} needs privileges; pick one above 1023 with --port.`);
    throw e;
  }
  if (o.json) console.log(JSON.stringify({ url: dash.url }));
  else console.log(`headroom serve: ${dash.url}  (database ${dbPath}, read-only; Ctrl-C stops it)`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await dash.close();
  return 0;
}
