/**
 * The RDP orders the bench accounts with, in a module of its own so that `fedage privacy` can
 * name them without loading the bench (start-up, issue 19).
 */
import { DEFAULT_ORDERS } from '../privacy/accountant/rdp.js';

/**
 * Opacus's orders extended to α = 512. Every order gives a valid bound, so more orders only
 * tighten ε; the extension matters for small ε over many steps, where Opacus's largest order
 * (63) puts a floor under the converted ε (≈ 0.103 at δ = 1e-5) that no σ can go below.
 */
export const BENCH_ORDERS: readonly number[] = [...DEFAULT_ORDERS, 72, 80, 96, 112, 128, 160, 192, 256, 320, 384, 512];
