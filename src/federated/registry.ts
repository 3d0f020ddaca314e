/**
 * The strategy registry: the one list of federated strategies. Names, the CLI's help, the
 * scenario schema's enum, the bench's defaults and the factory all come from here. Adding a
 * strategy = one new file exporting its `StrategyDefinition` (see fedprox.ts) + one line below.
 */
import { FEDADAGRAD } from './fedadagrad.js';
import { FEDADAM } from './fedadam.js';
import { FEDAVG } from './fedavg.js';
import { FEDAVGM } from './fedavgm.js';
import { FEDPROX } from './fedprox.js';
import { FEDYOGI } from './fedyogi.js';
import { SCAFFOLD } from './scaffold.js';
import type { Strategy, StrategyDefinition, StrategySettings } from './strategy.js';

/** In the order the bench runs and reports them. */
export const STRATEGY_REGISTRY = [FEDAVG, FEDAVGM, FEDPROX, SCAFFOLD, FEDADAM, FEDYOGI, FEDADAGRAD] as const;

export type StrategyName = (typeof STRATEGY_REGISTRY)[number]['name'];

/** A strategy by name with its settings (unset ones take the registry defaults). */
export interface StrategyConfig extends StrategySettings {
  name: StrategyName;
}

export const STRATEGY_NAMES = STRATEGY_REGISTRY.map((d) => d.name) as unknown as readonly [StrategyName, ...StrategyName[]];

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

export function strategyDefinition(name: StrategyName): StrategyDefinition<StrategyName> {
  const def = STRATEGY_REGISTRY.find((d) => d.name === name);
  if (!def) throw new RangeError(`unknown strategy '${String(name)}'; known: ${STRATEGY_NAMES.join(', ')}`);
  return def;
}

function checkPositive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be finite and > 0, got ${value}`);
  return value;
}

function checkUnitInterval(name: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new RangeError(`${name} must be in [0, 1), got ${value}`);
  return value;
}

/**
 * The strategy named by `config`, with its registry defaults for unset settings. Throws
 * RangeError on an out-of-range setting or an unknown name.
 */
export function createStrategy(config: StrategyConfig): Strategy {
  const lr = config.serverLearningRate;
  if (lr !== undefined) checkPositive('serverLearningRate', lr);
  if (config.serverMomentum !== undefined) checkUnitInterval('serverMomentum', config.serverMomentum);
  if (config.beta1 !== undefined) checkUnitInterval('beta1', config.beta1);
  if (config.beta2 !== undefined) checkUnitInterval('beta2', config.beta2);
  if (config.tau !== undefined) checkPositive('tau', config.tau);
  if (config.proxMu !== undefined && !(config.proxMu >= 0 && Number.isFinite(config.proxMu))) {
    throw new RangeError(`proxMu must be finite and >= 0, got ${config.proxMu}`);
  }
  const { name, ...settings } = config;
  return strategyDefinition(name).create(settings);
}
