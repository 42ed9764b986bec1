import { literalShellCommands } from '@factory/gates/guard/shell/inline-commands';

console.log(literalShellCommands('awk', 'BEGIN { "printf ok" | getline line; print line }'));
console.log(literalShellCommands('awk', 'BEGIN { print "x" | "cat >/tmp/cc-safety-net-test" }'));
