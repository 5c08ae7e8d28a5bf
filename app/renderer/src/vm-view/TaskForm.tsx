// A form of the VM screen whose submit starts one task, followed in the task pane (a refusal
// becomes a notice).
import type { ReactNode } from 'react';
import type { Task } from '../../../shared/domain/inventory.js';
import { useTaskRunner } from './use-task-runner.js';

interface TaskFormProps {
  /** The form's accessible name, e.g. "Resources". */
  label: string;
  className: string;
  /** What the task does, for a refusal's notice, e.g. "Insert ISO". */
  what: string;
  start: () => Promise<Task | Task[]>;
  /** Called once the task was asked for, e.g. to empty the form. */
  onStarted?: () => void;
  children: ReactNode;
}

export function TaskForm({ label, className, what, start, onStarted, children }: TaskFormProps) {
  const run = useTaskRunner();
  return (
    <form
      className={className}
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        void run(what, start);
        onStarted?.();
      }}
    >
      {children}
    </form>
  );
}
