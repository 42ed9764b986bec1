/**
 * pass@k: the chance that at least one of k attempts drawn from the n made passes, given c of n passed
 * (the unbiased estimator 1 - C(n-c, k) / C(n, k)). With k = n it is 1 when any attempt passed.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (n <= 0) return 0;
  const kk = Math.min(Math.max(1, k), n);
  if (n - c < kk) return 1;
  // C(n-c, k) / C(n, k) as a product, which stays exact enough for small n.
  let ratio = 1;
  for (let i = 0; i < kk; i++) ratio *= (n - c - i) / (n - i);
  return 1 - ratio;
}

export function passRate(n: number, c: number): number {
  return n === 0 ? 0 : c / n;
}
