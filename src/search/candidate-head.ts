// Makes search candidates resolvable as heads in any process that imports this (the search, confirm, the workers).
import { registerCandidateResolver } from '../heads/index.js';
import { getSpace } from './spaces/index.js';

registerCandidateResolver((ref) =>
  getSpace(ref.space).toHead(
    ref.params ? { expr: ref.expr, params: ref.params } : { expr: ref.expr },
    ref.id,
  ),
);
