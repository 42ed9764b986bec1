import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type CliResult, factoryBin, projectRoot, type RunCliOptions } from './run-cli.js';

/**
 * Runs the built factory bin without blocking the test's event loop: needed when the test itself serves
 * something the command calls (a forge on loopback).
 */
export function runFactoryAsync(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  if (!existsSync(factoryBin)) throw new Error(`${factoryBin} is missing: run npm run build first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [factoryBin, ...args], {
      cwd: options.cwd ?? projectRoot,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
