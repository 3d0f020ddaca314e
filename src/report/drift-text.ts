/** The drift part of `fedage inspect --drift` as plain text (the JSON form is the section itself). */
import type { Dashboard } from '../analysis/dashboard.js';

type EnrollmentPart = Pick<Dashboard['drift'], 'enrollment' | 'falseAlarmRate'> & Partial<Pick<Dashboard['drift'], 'siteShift'>>;

export function enrollmentDriftText(d: EnrollmentPart): string {
  const lines = ['Drift over enrollment time (periods: calendar years; reference: the first period)', ''];
  for (const s of d.enrollment) {
    const top = [...s.shifts].filter((x) => x.psi !== null).sort((a, b) => (b.psi as number) - (a.psi as number))[0];
    const cp = s.codeChangePoint;
    const code = cp ? `${cp.alarm ? 'code change point' : 'no code change point (best split'} at ${cp.period}, G = ${cp.statistic.toFixed(1)} vs ${cp.critical.toFixed(1)}${cp.alarm ? '' : ')'}` : 'no diagnosis codes to test';
    const planted = s.plantedSwitch ? `; planted switch ${s.plantedSwitch.date}: ${s.switchFound ? 'found within one period' : 'MISSED'}` : '';
    lines.push(`${s.site}: ${s.periods.map((p) => `${p.label} (${p.rows}${p.labelRate === null ? '' : `, label ${(100 * p.labelRate).toFixed(1)}%`})`).join(', ')}`);
    lines.push(`  ${s.alarms} of ${s.tests} feature-shift tests alarm${top ? `; largest PSI ${top.psi!.toFixed(3)} (${top.feature}, ${top.period})` : ''}`);
    lines.push(`  ${code}${planted}`);
  }
  lines.push('', `Feature-shift alarms over all sites: ${d.falseAlarmRate.alarms} of ${d.falseAlarmRate.tests} tests (PSI >= 0.25 and KS p < 0.01 / tests per site).`);
  if (d.siteShift && d.siteShift.length) lines.push('', siteShiftText(d.siteShift));
  return lines.join('\n');
}

/** The between-site population shift as a small table: one row per site. */
export function siteShiftText(sites: NonNullable<EnrollmentPart['siteShift']>): string {
  const lines = ['Population shift between sites (each site vs the pooled other sites; alarm: PSI >= 0.25 and KS p < 0.01 / features)', ''];
  const w = Math.max(4, ...sites.map((s) => s.site.length));
  lines.push(`${'site'.padEnd(w)}  ${'rows'.padStart(6)}  alarms  largest PSI   shifted features (PSI, mean difference)`);
  for (const s of sites) {
    const top = [...s.shifts].filter((x) => x.psi !== null).sort((a, b) => (b.psi as number) - (a.psi as number))[0];
    const shifted = s.shiftedFeatures
      .map((f) => s.shifts.find((x) => x.feature === f)!)
      .map((x) => `${x.feature} (${x.psi!.toFixed(2)}, ${x.meanDifference === null ? '-' : `${x.meanDifference >= 0 ? '+' : ''}${x.meanDifference.toPrecision(3)}`})`);
    const largest = top ? `${top.psi!.toFixed(3)} ${top.feature}` : '-';
    lines.push(`${s.site.padEnd(w)}  ${String(s.rows).padStart(6)}  ${`${s.alarms}/${s.tests}`.padStart(6)}  ${largest.padEnd(12)}  ${shifted.length ? shifted.join(', ') : 'none'}`);
  }
  return lines.join('\n');
}
