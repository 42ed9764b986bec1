import { WorkflowSet } from '@factory/core/workflow/workflow';

/**
 * The repository's workflows: the defaults plus the `workflows` section of its factory config.
 * Until the config loader lands, the defaults.
 */
export async function loadRepositoryWorkflows(_root: string): Promise<WorkflowSet> {
  return WorkflowSet.defaults();
}
