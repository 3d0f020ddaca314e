/** Arm and strategy names shared by the bench and privacy schemas (own module: no import cycle). */
export const BENCH_ARM_KINDS = ['central', 'local', 'fedavg', 'fedavgm', 'fedprox', 'scaffold', 'fedadam', 'fedyogi', 'fedadagrad'] as const;
export const FEDERATED_STRATEGIES = ['fedavg', 'fedavgm', 'fedprox', 'scaffold', 'fedadam', 'fedyogi', 'fedadagrad'] as const;
