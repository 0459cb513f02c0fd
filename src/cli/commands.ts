/** The registry of commands: one module per command under src/cli/. */
import type { CommandModule } from 'yargs';
import { featuresCommand } from './features.js';
import { modelCommand } from './model.js';
import { trainCommand } from './train.js';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [featuresCommand, trainCommand, modelCommand];
