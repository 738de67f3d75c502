export { summarize, welchT, holm, bootstrapCI } from './summary.js';
export type { Summary, WelchResult, BootstrapOptions } from './summary.js';
export { lnGamma, betai, tCdf, tTwoSided, tQuantile } from './special.js';
