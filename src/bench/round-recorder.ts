/**
 * Records every round's uploads of a federated arm (the global model before the round and each
 * participant's local model and weight) through the round loop's aggregation hook, for the
 * analyses that need them (site contribution, client drift: src/analysis). It observes and
 * delegates: the aggregate is exactly what the arm would compute without it. Recording stops
 * (and says so) past MAX_RECORDED_VALUES numbers, so a large model cannot exhaust memory.
 */
import type { AggregationHook } from '../federated/run-federated.js';

export interface RecordedUpdate {
  clientId: string;
  exampleCount: number;
  params: Float64Array;
}

export interface RecordedRound {
  round: number;
  globalBefore: Float64Array;
  updates: RecordedUpdate[];
}

/** 4 M float64 values (32 MB) per arm and seed. */
export const MAX_RECORDED_VALUES = 4 * 1024 * 1024;

export class RoundRecorder {
  readonly rounds: RecordedRound[] = [];
  private values = 0;
  truncated = false;

  /** An aggregation hook that records the request, then aggregates through `inner` (or the strategy). */
  hook(inner?: AggregationHook): AggregationHook {
    return async (req) => {
      const size = req.state.params.length * (req.updates.length + 1);
      if (this.values + size > MAX_RECORDED_VALUES) this.truncated = true;
      if (!this.truncated) {
        this.values += size;
        this.rounds.push({
          round: req.round,
          globalBefore: req.state.params.slice(),
          updates: req.updates.map((u) => ({ clientId: u.clientId, exampleCount: u.exampleCount, params: u.params.slice() })),
        });
      }
      return inner ? inner(req) : { aggregated: req.strategy.aggregate(req.updates, req.state) };
    };
  }
}
