/** The query token of a map view: `token` from the config, checked against the grid. */
export function centreToken(grid: number): number {
  return Math.floor(grid / 2) * grid + Math.floor(grid / 2);
}

export function tokenOf(config: Record<string, unknown>, grid: number, warnings: string[]): number {
  const N = grid * grid;
  const centre = centreToken(grid);
  const t = config.token;
  if (t === undefined) return centre;
  if (typeof t !== 'number' || !Number.isInteger(t)) {
    warnings.push(`\`token\` must be a whole token index; using the centre token ${centre}.`);
    return centre;
  }
  if (t < 0 || t >= N) {
    warnings.push(`token ${t} is outside the ${grid}×${grid} grid (0–${N - 1}); using the centre token ${centre}.`);
    return centre;
  }
  return t;
}
