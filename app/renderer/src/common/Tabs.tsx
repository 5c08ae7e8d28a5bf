// WAI-ARIA tabs: Left/Right/Home/End move between tabs, panels stay mounted when `keepMounted`
// (consoles must not reconnect when their tab is hidden).
import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabSpec {
  id: string;
  title: string;
  content: ReactNode;
  /** Extra control shown after the tab (e.g. a close button). */
  after?: ReactNode;
}

interface TabsProps {
  label: string;
  tabs: TabSpec[];
  active: string;
  onSelect: (id: string) => void;
  keepMounted?: boolean;
}

export function Tabs({ label, tabs, active, onSelect, keepMounted = false }: TabsProps) {
  const base = useId();
  const list = useRef<HTMLDivElement>(null);
  const current = tabs.some((t) => t.id === active) ? active : tabs[0]?.id;

  const onKeyDown = (e: KeyboardEvent, index: number) => {
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = (index + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    if (next === null) return;
    e.preventDefault();
    const tab = tabs[next]!;
    onSelect(tab.id);
    list.current?.querySelector<HTMLElement>(`[data-tab="${CSS.escape(tab.id)}"]`)?.focus();
  };

  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} ref={list} className="tablist">
        {tabs.map((t, i) => (
          <span key={t.id} className="tab-wrap">
            <button
              type="button"
              role="tab"
              data-tab={t.id}
              id={`${base}-tab-${t.id}`}
              aria-selected={t.id === current}
              aria-controls={`${base}-panel-${t.id}`}
              tabIndex={t.id === current ? 0 : -1}
              onClick={() => onSelect(t.id)}
              onKeyDown={(e) => onKeyDown(e, i)}
            >
              {t.title}
            </button>
            {t.after}
          </span>
        ))}
      </div>
      {tabs.map((t) =>
        keepMounted || t.id === current ? (
          <div
            key={t.id}
            role="tabpanel"
            id={`${base}-panel-${t.id}`}
            aria-labelledby={`${base}-tab-${t.id}`}
            hidden={t.id !== current}
            className="tabpanel"
          >
            {t.content}
          </div>
        ) : null,
      )}
    </div>
  );
}
