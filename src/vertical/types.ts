/**
 * The vertical-FL learning library's data and result types (issue 20, deliverables 3–4). The
 * parties hold different columns of the same, already aligned patients (alignment by private set
 * intersection is upstream: vertical/psi*, vertical/align*); everything here starts from row i
 * being the same patient in every party.
 */

/** One party's columns: row-major rows×cols, already imputed and standardized. */
export interface VerticalPartyMatrix {
  partyId: string;
  featureNames: readonly string[];
  rows: number;
  cols: number;
  values: Float64Array;
}

export interface VerticalTrainingData {
  parties: readonly VerticalPartyMatrix[];
  /** The party that holds the labels (it also holds columns of its own). */
  labelPartyId: string;
  /** 0/1 per row, known to the label holder only. */
  labels: Uint8Array;
  trainIndices: Uint32Array;
  testIndices: Uint32Array;
}

export interface VerticalExperimentConfig {
  seed: number;
  epochs: number;
  batchSize: number;
  /** Plain SGD step size, the same in every arm. */
  learningRate: number;
  /** 0 = linear bottom models (split learning is then exactly logistic regression); > 0 = one ReLU layer of this width per party. */
  bottomHiddenUnits: number;
  verticalLr: {
    /**
     * 'paillier': Hardy et al. 2017 with additively homomorphic encryption (vertical/vertical-lr-paillier.ts);
     * 'masked': the same gradients by additive secret sharing with dealer-made Beaver triples (vertical/vertical-lr-masked.ts).
     * Both compute the same integers, so the same model.
     */
    encryption: 'paillier' | 'masked';
    /** Paillier modulus size in bits (2048 for use; tests use 512). Ignored by 'masked'. */
    keyBits: number;
    /** Fractional bits of the fixed-point encoding (default 20: quantization step 2^-20 ≈ 9.5e-7). */
    fractionBits?: number;
  };
  leakageDefence: {
    /**
     * Gaussian gradient perturbation (Li et al. 2022, §5 "noisy gradients" baseline): the label
     * holder adds N(0, σ²·I) to every per-example gradient row it returns, with σ = noiseMultiplier ×
     * the largest row norm of that batch's true gradients (so the scale follows training). 0 = off.
     */
    noiseMultiplier: number;
  };
  /** Encoding of split-learning activations and gradients on the wire (default 'float32', as PyTorch tensors). */
  wireFormat?: 'float32' | 'float64';
  /**
   * Which arms to run (default: all). 'label-holder+party' stands for every label-holder+P arm.
   * The leakage figures need 'split-learning' (and 'split-learning+defence' for the defended column).
   */
  arms?: readonly VerticalArmKind[];
}

export type VerticalArmKind = 'central' | 'label-holder-only' | 'label-holder+party' | 'split-learning' | 'split-learning+defence' | 'vertical-lr';
export const VERTICAL_ARM_KINDS: readonly VerticalArmKind[] = ['central', 'label-holder-only', 'label-holder+party', 'split-learning', 'split-learning+defence', 'vertical-lr'];

export interface VerticalArmResult {
  /** 'central' | 'label-holder-only' | `label-holder+${partyId}` | 'split-learning' | 'split-learning+defence' | 'vertical-lr' */
  arm: string;
  /** ROC AUC on the test rows. */
  auc: number;
  /** F1 on the test rows at the threshold that maximizes F1 on the training rows. */
  f1: number;
  /** Training bytes per epoch on the wire, all directions (0 for arms that exchange nothing). */
  bytesPerEpoch: number;
  /**
   * Per epoch. forward: messages from the parties without labels towards the label holder or the
   * coordinator (activations, encrypted or masked logits, masked gradient shares); backward:
   * messages towards the parties without labels (gradients, encrypted residuals, decryptions).
   */
  bytesByDirection: { forward: number; backward: number };
  epochs: number;
  /** Wall-clock training time of the arm (machine dependent; not part of determinism). */
  wallMs: number;
  /**
   * How the federated arms exchange messages, for reports: e.g. 'split learning, float32 wire',
   * 'Paillier 2048-bit (Hardy et al. 2017), fixed point 2^-20', 'masked: Beaver triples over
   * Z_2^64, fixed point 2^-20'. Absent for the baselines.
   */
  protocol?: string;
}

export interface VerticalLeakageResult {
  attack: 'gradient-norm' | 'gradient-direction';
  /** AUC of the attack's score against the true labels (0.5 = no better than chance). */
  attackAuc: number;
  /** The defence evaluated, e.g. 'gaussian(noiseMultiplier=4)'; null when none is configured. */
  defence: string | null;
  /** Attack AUC against the defended run (equals attackAuc when defence is null). */
  defenceAttackAuc: number;
  /** Model test AUC lost to the defence: auc(split-learning) − auc(split-learning+defence). */
  aucCost: number;
  /** The party without labels that mounts the attack on the gradients it receives. */
  attackerPartyId: string;
}

export interface VerticalExperimentResult {
  arms: VerticalArmResult[];
  leakage: VerticalLeakageResult[];
}

export type VerticalProgress = (event: { arm: string; epoch: number }) => void;
