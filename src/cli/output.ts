// What `--json` prints. The programmatic API (src/api/run.ts) runs the same commands and takes this value instead of
// reading stdout, so that compare(), search() and confirm() return exactly the data `--json` prints.
import { AsyncLocalStorage } from 'node:async_hooks';

const capture = new AsyncLocalStorage<(json: string) => void>();

/** Prints `value` as JSON on stdout, or hands it to the capturing caller (the API) when there is one. */
export function printJson(value: unknown, indent?: number): void {
  const text = JSON.stringify(value, null, indent);
  const sink = capture.getStore();
  if (sink) sink(text);
  else console.log(text);
}

/** True while the API runs a command (compare() and the rest): the command's caller takes its output. */
export function runByApi(): boolean {
  return capture.getStore() !== undefined;
}

/**
 * Runs a command with its printJson output captured (per async context, so concurrent calls do not mix). Returns the
 * exit code and the parsed value: parsed from the printed text, so NaN reads as null exactly as in the CLI's output.
 */
export async function captureJson(run: () => Promise<number>): Promise<{ code: number; value: unknown }> {
  let text: string | undefined;
  const code = await capture.run((t) => {
    text = t;
  }, run);
  return { code, value: text === undefined ? undefined : (JSON.parse(text) as unknown) };
}
