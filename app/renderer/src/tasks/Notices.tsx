// Notifications: failures (role alert, kept until dismissed) and information (role status).
import { useFleetStore } from '../store/fleet-store.js';

export function Notices() {
  const notices = useFleetStore((s) => s.notices);
  const dismiss = useFleetStore((s) => s.dismissNotice);
  return (
    <div className="notices" aria-label="Notifications">
      {notices.map((n) => (
        <div
          key={n.id}
          className={`notice notice-${n.kind}`}
          role={n.kind === 'error' ? 'alert' : 'status'}
        >
          <span>{n.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
