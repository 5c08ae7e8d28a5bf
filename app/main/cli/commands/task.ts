// task list|show: the record of every operation, and one task's log.
import type { Command } from '../command-table.js';
import { printRows } from '../io.js';

export const taskCommands: Command[] = [
  {
    name: 'task list',
    usage: '',
    summary: 'The latest tasks, newest first.',
    run: async ({ json, io, convirt }) => {
      const tasks = await (await convirt()).listTasks(50);
      printRows(io, json, tasks, ['id', 'kind', 'target', 'status', 'createdAt', 'error']);
      return 0;
    },
  },
  {
    name: 'task show',
    usage: 'ID',
    summary: 'A task and its log (each command it ran on a host, and what it printed).',
    run: async ({ args, json, io, convirt }) => {
      const service = await convirt();
      const id = args[0] ?? '';
      const task = await service.getTask(id);
      const log = await service.taskLog(id);
      if (json) io.out(JSON.stringify({ ...task, log }));
      else {
        io.out(JSON.stringify(task, null, 2));
        for (const entry of log) io.out(`[${entry.at} ${entry.stream}] ${entry.text.trimEnd()}`);
      }
      return 0;
    },
  },
];
