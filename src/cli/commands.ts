/** The registry of commands: one module per command under src/cli/. */
import type { CommandModule } from 'yargs';
import { analyzeCommand } from './analyze.js';
import { conformanceCommand } from './conformance.js';
import { featuresCommand } from './features.js';
import { flowsCommand } from './flows.js';
import { modelCommand } from './model.js';
import { trainCommand } from './train.js';
import { watchCommand } from './watch.js';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [analyzeCommand, flowsCommand, featuresCommand, trainCommand, modelCommand, conformanceCommand, watchCommand];
