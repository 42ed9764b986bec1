import type { GuardCall } from './policy.js';
import { redactSecrets } from './secrets.js';

const MAX = 2000;

/** A one-line description of a tool call for the audit, with every secret redacted. */
export function summarizeCall(call: GuardCall): string {
  const input = call.input;
  const str = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
  let summary: string;
  switch (call.tool) {
    case 'Bash':
    case 'PowerShell':
      summary = str('command') ?? JSON.stringify(input);
      break;
    case 'Write':
      summary = `${str('file_path') ?? '?'} (${(str('content') ?? '').length} chars): ${(str('content') ?? '').slice(0, 300)}`;
      break;
    case 'Edit':
      summary = `${str('file_path') ?? '?'}: ${(str('new_string') ?? '').slice(0, 300)}`;
      break;
    case 'MultiEdit':
      summary = `${str('file_path') ?? '?'} (${Array.isArray(input.edits) ? input.edits.length : 0} edits)`;
      break;
    case 'NotebookEdit':
      summary = `${str('notebook_path') ?? '?'}: ${(str('new_source') ?? '').slice(0, 300)}`;
      break;
    case 'Read':
      summary = str('file_path') ?? '?';
      break;
    default:
      summary = JSON.stringify(input);
  }
  return redactSecrets(summary.replace(/\s+/g, ' ').trim()).slice(0, MAX);
}
