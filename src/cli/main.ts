/**
 * The `mbquad` command line. Conventions (docs/cli.md): `-h`/`--help` on every command
 * prints its help and does nothing else; `--version` prints the version; every option is checked
 * before any work starts; every error is one line on stderr (MBQUAD_DEBUG=1 adds the stack);
 * exit status 0 on success, 2 for a usage error (unknown command or option, bad option value),
 * 1 for any other failure.
 */
import { MbquadError } from '../tensor/index.ts';
import { Options, UsageError, usage } from './options.ts';
import { BIAS_HELP, biasCommand } from './bias-command.ts';
import { CG_HELP, cgCommand } from './cg-command.ts';
import { LAPLACE_HELP, laplaceCommand } from './laplace-command.ts';
import { REPRODUCE_HELP, reproduceCommand } from './reproduce-command.ts';
import { packageVersion } from '../node/reproduce.ts';
import { TRAIN_HELP, trainCommand } from './train-command.ts';
import { useThreads } from '../node/thread-pool.ts';
import { kernelsFromEnvironment } from './backend-choice.ts';

const HELP = `mbquad COMMAND [options]

commands:
  reproduce  every study and one HTML report (npm start; mbquad reproduce --help)
  train      train a model on a data set (mbquad train --help)
  bias       the mini-batch bias study, Figs. 1, 2 and 4 (mbquad bias --help)
  cg         single-batch vs debiased CG, Figs. 5 and 13 (mbquad cg --help)
  laplace    K-FAC Laplace approximations, Figs. 6, 14 and 15 (mbquad laplace --help)
  demo       exact Hessian-vector product vs finite differences (mbquad demo --help)

  mbquad --version     the version
  mbquad --help        this text

Environment: MBQUAD_THREADS=N runs the float64 matmul and convolutions on N threads
(default: every core); MBQUAD_KERNELS=typescript runs the readable TypeScript kernels
instead of their WebAssembly SIMD twins (default auto: WebAssembly where it runs). Results
are bit-identical for any N and either kernels.

Exit status: 0 success, 2 usage error (unknown command or option, bad option value),
1 any other failure. Errors are one line; MBQUAD_DEBUG=1 adds the stack.
`;

const DEMO_HELP = `mbquad demo

  Trains the digits CNN of 'mbquad train' for 20 epochs, then compares its exact
  Hessian-vector product on a mini-batch with central finite differences of the gradient
  (~15 s). Takes no options.
`;

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

/** The CPU kernels chosen by MBQUAD_KERNELS (default: WebAssembly where it runs) on MBQUAD_THREADS threads (default: every core); a bad value is a usage error. */
function startThreads(): void {
  try {
    kernelsFromEnvironment(process.env);
    useThreads();
  } catch (e) {
    if (e instanceof MbquadError) usage(e.op, e.message.slice(e.op.length + 2));
    throw e;
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return void console.log(HELP);
  if (command === '--version' || command === '-v') return void console.log(packageVersion());
  if (!wantsHelp(rest)) startThreads();
  if (command === 'reproduce') return wantsHelp(rest) ? void console.log(REPRODUCE_HELP) : reproduceCommand(new Options(rest));
  if (command === 'train') return wantsHelp(rest) ? void console.log(TRAIN_HELP) : trainCommand(new Options(rest));
  if (command === 'bias') return wantsHelp(rest) ? void console.log(BIAS_HELP) : biasCommand(new Options(rest));
  if (command === 'cg') return wantsHelp(rest) ? void console.log(CG_HELP) : cgCommand(new Options(rest));
  if (command === 'laplace') return wantsHelp(rest) ? void console.log(LAPLACE_HELP) : laplaceCommand(new Options(rest));
  if (command === 'demo') {
    if (wantsHelp(rest)) return void console.log(DEMO_HELP);
    new Options(rest).checkAllUsed(); // it takes none
    await import('./demo.ts');
    return;
  }
  usage('usage', `unknown command '${command}'; the commands are reproduce, train, bias, cg, laplace and demo (mbquad --help)`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (process.env.MBQUAD_DEBUG === '1') console.error(e);
  else if (e instanceof MbquadError) console.error(`mbquad: ${e.message}`);
  else console.error(`mbquad: internal error: ${e instanceof Error ? e.message : String(e)} (MBQUAD_DEBUG=1 shows where)`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
