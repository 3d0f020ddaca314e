/**
 * The statistics the fidelity table reports: pure functions of arrays, tested against brute
 * force and closed forms (test/data/fidelity/stats.test.ts).
 */

export function mean(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v;
  return x.length ? s / x.length : NaN;
}

export function variance(x: readonly number[]): number {
  const m = mean(x);
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  return x.length > 1 ? s / (x.length - 1) : NaN;
}

/** Cohen's d = (mean a - mean b) / pooled SD. */
export function cohensD(a: readonly number[], b: readonly number[]): number {
  const pooled = ((a.length - 1) * variance(a) + (b.length - 1) * variance(b)) / (a.length + b.length - 2);
  return (mean(a) - mean(b)) / Math.sqrt(pooled);
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** AUC = P(score of a positive > score of a negative) + ties / 2, by ranks (Mann-Whitney). */
export function auc(score: readonly number[], label: readonly number[]): number {
  const idx = score.map((_, i) => i).sort((a, b) => score[a] - score[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && score[idx[j + 1]] === score[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (label[idx[k]] === 1) {
      rankSumPos += avgRank;
      nPos++;
    }
    i = j + 1;
  }
  const nNeg = idx.length - nPos;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Ordinary least-squares slope of y on t. */
export function olsSlope(t: readonly number[], y: readonly number[]): number {
  const mt = mean(t);
  const my = mean(y);
  let num = 0;
  let den = 0;
  for (let i = 0; i < t.length; i++) {
    num += (t[i] - mt) * (y[i] - my);
    den += (t[i] - mt) ** 2;
  }
  return num / den;
}

/**
 * Logistic regression by Newton-Raphson (IRLS) on standardized columns with an intercept and a
 * tiny ridge (1e-6) for numerical safety; returns the fitted probabilities.
 */
export function logisticFit(x: readonly (readonly number[])[], y: readonly number[], iterations = 25): Float64Array {
  const n = y.length;
  const p = x[0].length + 1;
  const rows = x.map((r) => [1, ...r]);
  // Standardize (not the intercept).
  for (let j = 1; j < p; j++) {
    const col = rows.map((r) => r[j]);
    const m = mean(col);
    const sd = Math.sqrt(variance(col)) || 1;
    for (const r of rows) r[j] = (r[j] - m) / sd;
  }
  const beta = new Float64Array(p);
  const prob = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    const g = new Float64Array(p);
    const h = Array.from({ length: p }, () => new Float64Array(p));
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let j = 0; j < p; j++) eta += beta[j] * rows[i][j];
      const mu = 1 / (1 + Math.exp(-eta));
      prob[i] = mu;
      const wgt = mu * (1 - mu);
      for (let j = 0; j < p; j++) {
        g[j] += (y[i] - mu) * rows[i][j];
        for (let k = 0; k < p; k++) h[j][k] += wgt * rows[i][j] * rows[i][k];
      }
    }
    for (let j = 0; j < p; j++) h[j][j] += 1e-6;
    const step = solve(h, g);
    let change = 0;
    for (let j = 0; j < p; j++) {
      beta[j] += step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    if (change < 1e-10) break;
  }
  for (let i = 0; i < n; i++) {
    let eta = 0;
    for (let j = 0; j < p; j++) eta += beta[j] * rows[i][j];
    prob[i] = 1 / (1 + Math.exp(-eta));
  }
  return prob;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A small and symmetric positive definite). */
export function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}
