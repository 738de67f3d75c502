// The package entry (`import … from 'headroom'`): a small surface that stays stable. Everything else is internal.
//   compare, search, confirm, fit         run grids, studies and single runs; return what --json prints
//   defineHead, defineDataset, defineModel  add to the registries (in a script, or in a --plugin module)
//   Tensor, engine, nn, heads               the tensor engine, layers and models, and the head catalogue, as they are
export { compare, search, confirm, fit } from './api/run.js';
export type { CompareSpec, SearchSpec, SearchOutput, ConfirmSpec, FitSpec, HeadChoice } from './api/run.js';
export { defineHead, defineDataset, defineModel } from './api/define.js';
export type { HeadDefinition, DatasetDefinition, ModelDefinition } from './api/define.js';
export type { DatasetArrays, DatasetFolder, DatasetLoader, DatasetPart } from './data/sources/custom.js';
export type { CompareOutput, CompareRow } from './compare/index.js';
export type { ConfirmOutput } from './search/confirm.js';
export type { EpochRecord, RunConfig, RunResult } from './train/config.js';
export type { Head, HeadContext, HeadFactory, HeadParams, OutputLayerKind } from './heads/types.js';
export type { Body, ModelSpec } from './nn/models/types.js';
export { Tensor } from './engine/index.js';
export * as engine from './engine/index.js';
export * as nn from './nn/index.js';
export * as heads from './heads/index.js';
