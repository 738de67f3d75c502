export { Module } from './module.js';
export {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  poolOutputSize,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
  type BatchNormOptions,
  type Conv2dOptions,
  type LinearOptions,
  type Pair,
} from './layers.js';
export {
  fans,
  glorotUniformBound,
  heNormalStd,
  initBias,
  initWeight,
  kaimingUniformBound,
  type InitKind,
} from './init.js';
export * from './models/index.js';
export { fuseBody, fuseLayer, FusedLayer, type Fused, type FusedBody, type FusableBody } from './fused.js';
