/** Reference values the covariate effects are centred on (shared by the model and its stages). */
export const REF_AGE = 76;
export const REF_EDUCATION = 14;
export const REF_ICV_CM3 = 1400;
/** Hippocampus-to-ICV slope for the residual ICV adjustment (HV/ICV ~ 0.003). */
export const HIPPOCAMPUS_ICV_SLOPE = 0.003;
