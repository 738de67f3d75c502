#!/usr/bin/env node
// Which trained trials of a database's studies today's `constant-in-z` filter would reject (issue 21): their δ (or
// loss gradient, or prediction) does not depend on the logits. Studies stored before the filter existed trained
// them; this lists them per study with the rung each reached. Used for docs/results/search-*.md.
//   node scripts/constant-in-z.mjs DB
import { openStore } from '../dist/store/index.js';
import { HeadFilter, studySpace } from '../dist/search/index.js';
import { isBaselineTrial } from '../dist/search/ranking.js';
import { setNumThreads } from '../dist/engine/index.js';

const [dbPath] = process.argv.slice(2);
if (!dbPath) {
  console.error('usage: node scripts/constant-in-z.mjs DB');
  process.exit(2);
}
setNumThreads(1);
const store = openStore(dbPath, { readonly: true });
try {
  for (const s of store.listStudies()) {
    const cfg = JSON.parse(s.config).config;
    // The known-head table is off: this asks only whether the rule reads z, not whether it is a known head.
    const filter = new HeadFilter(studySpace(cfg), undefined, false, cfg.scaleInvariantHash === true);
    const hits = store
      .listTrials(s.id)
      .filter((t) => !isBaselineTrial(t) && t.state !== 'rejected')
      .filter(
        (t) =>
          filter.check(t.params ? { expr: t.expr, params: t.params } : { expr: t.expr }, () => false)
            .reason === 'constant-in-z',
      );
    console.log(
      `${s.name}: ${hits.length} trained trial(s) constant in z${hits.length ? ': ' : ''}${hits.map((t) => `#${t.number} \`${t.expr}\` (rung ${t.rung})`).join(', ')}`,
    );
  }
} finally {
  store.close();
}
