import { loadConfig } from '@factory/core/config/load';
import { configSection } from '@factory/core/config/types';
import type { ManifestRepo } from '../manifest/manifest.js';
import { resolveReviewPolicy } from './policy.js';
import type { ReviewPolicy } from './types.js';

/**
 * The merge policy for one repository: the defaults, then the `review` section of the repository's factory
 * config (read from its working tree, the default branch's copy, never a pull request's), then the
 * manifest's `defaults.review` and the repository's own `review` entry, which the operator controls.
 * An invalid config is an error for that repository: no policy, no merge.
 */
export async function repoReviewPolicy(repo: ManifestRepo): Promise<ReviewPolicy> {
  const { config } = await loadConfig({ cwd: repo.path, stopDir: repo.path });
  const section = configSection<Partial<ReviewPolicy> | undefined>(config, 'review');
  return resolveReviewPolicy({ ...(section ?? {}), ...repo.review });
}
