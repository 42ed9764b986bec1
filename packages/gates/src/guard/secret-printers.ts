import { gitSubcommand, operands } from './effects.js';
import type { Hit, Rule } from './policy.js';
import type { Invocation } from './shell/analyze.js';

/**
 * Tools whose job is to print a credential: `gh auth token`, `git credential fill`,
 * `gcloud auth print-access-token`, `aws configure get aws_secret_access_key`, `kubectl config view --raw`,
 * `kubectl get secret -o yaml`, `gpg --export-secret-keys`, password managers (`pass show`, `op read`,
 * `security find-generic-password -w`, `vault kv get`, `sops -d`). What they print lands in the transcript.
 */

interface Printer {
  readonly program: RegExp;
  /** The first operands, in order; `undefined` entries match any word. */
  readonly words?: readonly (readonly string[])[];
  /** An option that must be present. */
  readonly option?: RegExp;
}

const PRINTERS: readonly Printer[] = [
  { program: /^gh$/, words: [['auth'], ['token']] },
  { program: /^gh$/, words: [['auth'], ['status']], option: /^(-t|--show-token)$/ },
  { program: /^glab$/, words: [['auth'], ['status']], option: /^(-t|--show-token)$/ },
  { program: /^aws$/, words: [['configure'], ['get', 'export-credentials']] },
  { program: /^aws$/, words: [['sts'], ['get-session-token', 'assume-role', 'get-federation-token']] },
  { program: /^aws$/, words: [['secretsmanager'], ['get-secret-value']] },
  { program: /^aws$/, words: [['ssm'], ['get-parameter', 'get-parameters']], option: /^--with-decryption$/ },
  { program: /^gcloud$/, words: [['auth'], ['print-access-token', 'print-identity-token']] },
  { program: /^gcloud$/, words: [['auth'], ['application-default'], ['print-access-token']] },
  { program: /^gcloud$/, words: [['secrets'], ['versions'], ['access']] },
  { program: /^az$/, words: [['account'], ['get-access-token']] },
  { program: /^az$/, words: [['keyvault'], ['secret'], ['show', 'download']] },
  { program: /^heroku$/, words: [['auth:token', 'config']] },
  { program: /^kubectl$/, words: [['config'], ['view']], option: /^(--raw|--flatten)(=true)?$/ },
  {
    program: /^kubectl$/,
    words: [
      ['get', 'edit'],
      ['secret', 'secrets'],
    ],
  },
  { program: /^gpg2?$/, option: /^--export-secret-(sub)?keys$/ },
  { program: /^docker-credential-[\w-]+$/, words: [['get']] },
  {
    program: /^security$/,
    words: [['find-generic-password', 'find-internet-password']],
    option: /^-[a-zA-Z]*[wg]$/,
  },
  { program: /^secret-tool$/, words: [['lookup']] },
  { program: /^pass$/, words: [['show']] },
  { program: /^op$/, words: [['read']] },
  { program: /^op$/, words: [['item'], ['get']] },
  { program: /^vault$/, words: [['read']] },
  { program: /^vault$/, words: [['kv'], ['get']] },
  { program: /^sops$/, option: /^(-d|--decrypt)$/ },
  { program: /^ansible-vault$/, words: [['view', 'decrypt']] },
  { program: /^doppler$/, words: [['secrets']] },
];

function matches(printer: Printer, inv: Invocation): boolean {
  if (!printer.program.test(inv.program)) return false;
  const words = operands(inv.args, 'onp', [
    '--output',
    '--namespace',
    '--profile',
    '--region',
    '--format',
  ]).words.map((word) => word.value);
  if (printer.words?.some((choices, i) => !choices.includes(words[i] ?? ''))) return false;
  return !printer.option || inv.args.some((arg) => printer.option!.test(arg.value ?? ''));
}

export const secretPrinters: Rule = {
  id: 'secret-printers',
  category: 'secrets',
  description:
    'tools that print a credential: gh auth token, git credential fill, gcloud auth print-access-token, kubectl config view --raw, password managers',
  decision: 'deny',
  alternative:
    'Let the tools use their credentials themselves (gh, git, gcloud and kubectl authenticate on their own); if a token is really needed, ask the user to set it in the environment of the program that needs it',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const inv of input.analysis?.invocations ?? []) {
      if (inv.program === 'git') {
        const { subcommand, rest } = gitSubcommand(inv.args, inv.env);
        const verb = rest[0]?.value;
        if (
          (subcommand === 'credential' && (verb === 'fill' || verb === 'get')) ||
          /^credential-/.test(subcommand ?? '')
        )
          hits.push({ detail: `git ${subcommand} ${verb ?? ''} prints the stored credentials` });
        continue;
      }
      for (const printer of PRINTERS)
        if (matches(printer, inv)) {
          hits.push({
            detail: `${inv.program} ${inv.args
              .slice(0, 3)
              .map((arg) => arg.raw)
              .join(' ')} prints a credential`,
          });
          break;
        }
    }
    return hits;
  },
};
