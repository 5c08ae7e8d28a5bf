// A horizontal bar for a share (CPU, memory, progress), with its value as text beside it.
interface MeterProps {
  label: string;
  /** 0 to 1; null when unknown. */
  value: number | null;
  text: string;
  role?: 'meter' | 'progressbar';
  /** A fixed colour class (e.g. a VM state's); otherwise usage turns amber, then red. */
  fillClass?: string;
}

export function Meter({ label, value, text, role = 'meter', fillClass }: MeterProps) {
  const percent = value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 100);
  // Usage turns amber then red as it fills; progress is never a warning.
  const level =
    fillClass !== undefined
      ? fillClass
      : percent === null || role === 'progressbar'
        ? ''
        : percent >= 90
          ? 'high'
          : percent >= 70
            ? 'mid'
            : 'low';
  return (
    <div className="meter">
      <div
        className="meter-track"
        role={role}
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={text}
      >
        <div className={`meter-fill ${level}`} style={{ width: `${percent ?? 0}%` }} />
      </div>
      <span className="meter-text">{text}</span>
    </div>
  );
}
