/**
 * Bad or missing input data. The CLI prints the message (one line: what is wrong and how to fix it) and exits with 2.
 */
export class DataError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    // One line, so the CLI's `headroom: <message>` stays readable in logs and grids.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'DataError';
  }
}
