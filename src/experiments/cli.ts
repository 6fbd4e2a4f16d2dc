/** The `mbquad` command line. */
import { MbquadError } from '../tensor/index.ts';
import { Options } from './options.ts';
import { BIAS_HELP, biasCommand } from './bias-command.ts';
import { TRAIN_HELP, trainCommand } from './train-command.ts';

const HELP = `mbquad COMMAND [options]

commands:
  train   train a model on a data set (mbquad train --help)
  bias    the mini-batch bias study, Figs. 1, 2 and 4 (mbquad bias --help)
  demo    exact Hessian-vector product vs finite differences
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    console.log(HELP);
    return;
  }
  if (command === 'train') {
    if (rest.includes('--help')) console.log(TRAIN_HELP);
    else trainCommand(new Options(rest));
    return;
  }
  if (command === 'bias') {
    if (rest.includes('--help')) console.log(BIAS_HELP);
    else biasCommand(new Options(rest));
    return;
  }
  if (command === 'demo') {
    await import('./demo.ts');
    return;
  }
  console.error(`mbquad: unknown command '${command}'\n\n${HELP}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  // Every failure is one line; MBQUAD_DEBUG=1 adds the stack (for bug reports).
  if (process.env.MBQUAD_DEBUG === '1') console.error(e);
  else if (e instanceof MbquadError) console.error(`mbquad: ${e.message}`);
  else console.error(`mbquad: internal error: ${e instanceof Error ? e.message : String(e)} (MBQUAD_DEBUG=1 shows where)`);
  process.exitCode = 1;
});
