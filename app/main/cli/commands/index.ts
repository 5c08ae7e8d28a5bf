// Every convirtctl command, in the order the usage text and docs/cli.md show them.
import type { Command } from '../command-table.js';
import { certCommands } from './cert.js';
import { configCommands } from './config.js';
import { consoleCommands } from './console.js';
import { hostCommands } from './host.js';
import { imageCommands } from './image.js';
import { imageListCommands } from './imagelist.js';
import { provisionCommands } from './provision.js';
import { secretsCommands } from './secrets.js';
import { taskCommands } from './task.js';
import { vmCommands } from './vm.js';

export const COMMANDS: readonly Command[] = [
  ...hostCommands,
  ...vmCommands,
  ...consoleCommands,
  ...provisionCommands,
  ...imageCommands,
  ...imageListCommands,
  ...certCommands,
  ...taskCommands,
  ...secretsCommands,
  ...configCommands,
];
