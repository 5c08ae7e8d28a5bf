// Running and finished tasks, newest first: progress, duration, and each task's full log (the
// commands it ran and their output), fetched when opened and then followed through taskLog events.
import { useEffect, useRef, useState } from 'react';
import type { Task } from '../../../shared/domain/inventory.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';
import { formatDuration, formatTime } from '../common/format.js';
import { Meter } from '../common/Meter.js';
import { describeTask, useFleetStore } from '../store/fleet-store.js';

const EMPTY: never[] = [];

/** Re-renders every second while `active`, so running durations move. */
function useClock(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

const isLive = (t: Task) => t.status === 'queued' || t.status === 'running';

export function TaskPane() {
  const taskIds = useFleetStore((s) => s.taskIds);
  const tasks = useFleetStore((s) => s.tasks);
  const [open, setOpen] = useState(true);
  const [expanded, setExpanded] = useState<string | null>(null);
  const running = taskIds.filter((id) => isLive(tasks[id]!)).length;
  const now = useClock(running > 0);

  return (
    <section className={`task-pane${open ? ' open' : ''}`} aria-labelledby="tasks-title">
      <header className="task-pane-header">
        <button
          type="button"
          className="pane-toggle"
          aria-expanded={open}
          aria-controls="task-list"
          onClick={() => setOpen(!open)}
        >
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> <span id="tasks-title">Tasks</span>
        </button>
        <span className="muted" role="status">
          {running} running, {taskIds.length - running} finished
        </span>
      </header>
      <ul id="task-list" className="task-list" hidden={!open} aria-label="Tasks">
        {taskIds.length === 0 ? <li className="muted">No tasks yet.</li> : null}
        {taskIds.map((id) => (
          <TaskItem
            key={id}
            task={tasks[id]!}
            now={now}
            expanded={expanded === id}
            onToggle={() => setExpanded(expanded === id ? null : id)}
          />
        ))}
      </ul>
    </section>
  );
}

function TaskItem({
  task,
  now,
  expanded,
  onToggle,
}: {
  task: Task;
  now: number;
  expanded: boolean;
  onToggle: () => void;
}) {
  const client = useClient();
  const notify = useFleetStore((s) => s.notify);
  const title = describeTask(task);
  const started = Date.parse(task.startedAt ?? task.createdAt);
  const ended = task.endedAt ? Date.parse(task.endedAt) : now;
  const progress = task.progress ?? (task.status === 'succeeded' ? 1 : null);
  return (
    <li className={`task status-${task.status}`} aria-label={`${title}, ${task.status}`}>
      <div className="task-row">
        <button
          type="button"
          className="task-title link"
          aria-expanded={expanded}
          onClick={onToggle}
        >
          {title}
        </button>
        <span className={`badge task-${task.status}`}>{task.status}</span>
        <Meter
          role="progressbar"
          label={`Progress of ${title}`}
          value={progress}
          text={progress === null ? (isLive(task) ? '…' : '–') : `${Math.round(progress * 100)} %`}
        />
        <span className="task-duration" title={`Started ${formatTime(task.createdAt)}`}>
          {formatDuration(ended - started)}
        </span>
        {isLive(task) ? (
          <button
            type="button"
            aria-label={`Cancel ${title}`}
            onClick={() =>
              void client
                .cancelTask(task.id)
                .catch((err: unknown) => notify('error', errorMessage(err)))
            }
          >
            Cancel
          </button>
        ) : null}
      </div>
      {task.message || task.error ? (
        <div className={task.error ? 'task-error' : 'muted'}>{task.error ?? task.message}</div>
      ) : null}
      {expanded ? <TaskLog taskId={task.id} title={title} /> : null}
    </li>
  );
}

function TaskLog({ taskId, title }: { taskId: string; title: string }) {
  const client = useClient();
  const entries = useFleetStore((s) => s.taskLogs[taskId] ?? EMPTY);
  const appendTaskLog = useFleetStore((s) => s.appendTaskLog);
  const [error, setError] = useState<string | null>(null);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    client
      .taskLog(taskId)
      .then((all) => appendTaskLog(taskId, all))
      .catch((err: unknown) => setError(errorMessage(err)));
  }, [client, taskId, appendTaskLog]);
  // A block body on purpose: newer Chromium returns a Promise from scrollIntoView, and React
  // would call whatever an effect returns as its cleanup.
  useEffect(() => {
    void end.current?.scrollIntoView({ block: 'nearest' });
  }, [entries.length]);
  return (
    <div className="task-log" role="log" aria-label={`Log of ${title}`} tabIndex={0}>
      {error ? <div className="task-error">{error}</div> : null}
      {entries.length === 0 && !error ? <div className="muted">No log entries yet.</div> : null}
      {entries.map((e) => (
        <div key={e.seq} className={`log-line log-${e.stream}`}>
          <span className="log-at">{formatTime(e.at)}</span>
          <span className="log-text">{e.stream === 'command' ? `$ ${e.text}` : e.text}</span>
        </div>
      ))}
      <div ref={end} />
    </div>
  );
}
