export { summarize, welchT, holm, bootstrapCI } from './summary.js';
export type { Summary, WelchResult, BootstrapOptions } from './summary.js';
export { lnGamma, betai, tCdf, tTwoSided, tQuantile } from './special.js';
export { versusBaseline } from './baseline.js';
export type { BaselineComparison } from './baseline.js';
export { correlation, correlationP, ranks } from './correlation.js';
export type { Correlation } from './correlation.js';
