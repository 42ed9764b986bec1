import { loadConfig } from '@factory/core/config/load';
import { configStateUrl } from '@factory/core/state/location';
import { workflowSetFromConfig } from '@factory/core/workflow/config';
import type { WorkflowSet } from '@factory/core/workflow/workflow';

/**
 * The repository's workflows: the defaults plus the `workflows` section of its factory config (the loader
 * checks the section's shape; the workflow layer checks that it makes sense as a state machine).
 */
export async function loadRepositoryWorkflows(root: string): Promise<WorkflowSet> {
  const loaded = await loadConfig({ cwd: root });
  return workflowSetFromConfig(loaded.config.workflows, 'workflows', loaded.file);
}

/** The repository's workflows and where its workflow state lives (the config's `state.url`, if any). */
export async function loadRepositoryStateSettings(
  root: string,
): Promise<{ workflows: WorkflowSet; url?: string; file?: string }> {
  const loaded = await loadConfig({ cwd: root });
  const workflows = workflowSetFromConfig(loaded.config.workflows, 'workflows', loaded.file);
  const url = configStateUrl(loaded.config);
  return { workflows, ...(url ? { url } : {}), ...(loaded.file ? { file: loaded.file } : {}) };
}
