// HTTP headers sent with a download: rows of NAME and VALUE (typed as a secret, never shown
// again), each row with its one error, and a way to add and remove rows.
import { useId } from 'react';
import { describedBy, FieldError } from './Field.js';
import type { FormErrors, HeaderRow } from './form-checks.js';

interface HeaderFieldsProps {
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  /** Errors at `header-N` for the Nth row (form-checks' checkHeaderRows). */
  errors: FormErrors;
}

export function HeaderFields({ rows, onChange, errors }: HeaderFieldsProps) {
  const id = useId();
  const setPart = (index: number, part: keyof HeaderRow, value: string) =>
    onChange(rows.map((h, i) => (i === index ? { ...h, [part]: value } : h)));
  return (
    <fieldset className="field">
      <legend>HTTP headers</legend>
      {rows.length === 0 ? (
        <p className="muted">None. Values are kept as secrets and never shown again.</p>
      ) : null}
      {rows.map((h, i) => {
        // Both inputs of a header share its one error.
        const errorId = `${id}-header-${i}-error`;
        const described = describedBy(null, errors[`header-${i}`] ? errorId : null);
        return (
          <div key={i} className="header-row">
            <input
              aria-label={`Header ${i + 1} name`}
              placeholder="NAME"
              value={h.name}
              onChange={(e) => setPart(i, 'name', e.target.value)}
              {...described}
            />
            <input
              aria-label={`Header ${i + 1} value`}
              type="password"
              autoComplete="off"
              placeholder="VALUE"
              value={h.value}
              onChange={(e) => setPart(i, 'value', e.target.value)}
              {...described}
            />
            <button
              type="button"
              aria-label={`Remove header ${i + 1}`}
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            >
              ×
            </button>
            <FieldError id={errorId} message={errors[`header-${i}`]} announce />
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add header
      </button>
    </fieldset>
  );
}
