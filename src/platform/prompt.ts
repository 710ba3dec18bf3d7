// Reads a password without echoing it, or from stdin for scripts.
import readline from 'node:readline';
import { UserError } from './errors.ts';

export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY)
    throw new UserError('No terminal to ask for the password: pipe it in with --password-stdin.');
  const first = await ask('Password (at least 12 characters): ');
  const again = await ask('Password again: ');
  if (first !== again) throw new UserError('The two passwords differ.');
  return first;
}

function ask(question: string): Promise<string> {
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
  });
  // Echo nothing while the password is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s) => {
    if (s.startsWith(question)) process.stdout.write(question);
  };
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    }),
  );
}
