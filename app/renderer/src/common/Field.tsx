// One labelled form control with its optional hint and error. The control is given the ids and
// ARIA attributes that tie it to them, so a screen reader reads the hint and the error with it
// and knows when it is invalid.
import { useId, type ReactNode } from 'react';

/** What the control spreads on itself: its id and its ties to the hint and error. */
export interface ControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

interface FieldProps {
  label: ReactNode;
  /** Renders the control (input, select, textarea) with the props it must carry. */
  children: (control: ControlProps) => ReactNode;
  /** Help shown under the control. */
  hint?: ReactNode;
  error?: string | null;
  /**
   * Announce the error as it appears (role alert): for errors found on submit. Errors shown while
   * typing stay quiet; they are read with the control.
   */
  announceError?: boolean;
  /** The control's id, when the form focuses it itself; otherwise one is made. */
  id?: string;
  /**
   * Shown after the control, before its hint and error: a file picker filling a text area, or the
   * button of a one-field form.
   */
  extra?: ReactNode;
  /** `inline` lays label, control and error out in a row (no wrapper of its own). */
  layout?: 'stacked' | 'inline';
}

/**
 * The ARIA attributes tying a control to its hint and error: give the ids of those shown (null
 * for those that are not).
 */
export function describedBy(
  hintId: string | null,
  errorId: string | null,
): Omit<ControlProps, 'id'> {
  const ids = [hintId, errorId].filter(Boolean).join(' ');
  return {
    ...(errorId ? { 'aria-invalid': true as const } : {}),
    ...(ids ? { 'aria-describedby': ids } : {}),
  };
}

interface FieldErrorProps {
  id: string;
  message: string | null | undefined;
  /** Announce it as it appears (role alert): for errors found on submit. */
  announce?: boolean;
}

/** A control's error, under it; describedBy ties the control to it. */
export function FieldError({ id, message, announce = false }: FieldErrorProps) {
  return message ? (
    <span id={id} className="field-error" role={announce ? 'alert' : undefined}>
      {message}
    </span>
  ) : null;
}

export function Field({
  label,
  children,
  hint,
  error,
  announceError = false,
  id,
  extra,
  layout = 'stacked',
}: FieldProps) {
  const madeId = useId();
  const controlId = id ?? madeId;
  const hintId = `${controlId}-hint`;
  const errorId = `${controlId}-error`;
  const control: ControlProps = {
    id: controlId,
    ...describedBy(hint ? hintId : null, error ? errorId : null),
  };
  const parts = (
    <>
      <label htmlFor={controlId}>{label}</label>
      {children(control)}
      {extra}
      {hint ? (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      ) : null}
      <FieldError id={errorId} message={error} announce={announceError} />
    </>
  );
  return layout === 'inline' ? parts : <div className="field">{parts}</div>;
}

interface CheckboxProps {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  /** A longer explanation, shown on hover and read with the box. */
  title?: string;
}

/** A checkbox named by the text beside it. */
export function Checkbox({ label, checked, onChange, disabled, title }: CheckboxProps) {
  return (
    <label className="checkbox" title={title}>
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
      />{' '}
      {label}
    </label>
  );
}

interface RadioGroupProps<T extends string> {
  legend: string;
  options: readonly (readonly [value: T, label: string])[];
  value: T;
  onChange: (value: T) => void;
}

/** A fieldset of radio buttons, one of which is chosen. */
export function RadioGroup<T extends string>({
  legend,
  options,
  value,
  onChange,
}: RadioGroupProps<T>) {
  const name = useId();
  return (
    <fieldset className="field">
      <legend>{legend}</legend>
      {options.map(([option, label]) => (
        <label key={option} className="radio">
          <input
            type="radio"
            name={name}
            value={option}
            checked={value === option}
            onChange={() => onChange(option)}
          />{' '}
          {label}
        </label>
      ))}
    </fieldset>
  );
}

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  /** Each choice's value and the text shown for it, in order. */
  options: readonly (readonly [value: T, text: string])[];
  onChange: (value: T) => void;
  error?: string | null;
  id?: string;
}

/** A labelled drop-down list: one Field around a select of `options`. */
export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  error,
  id,
}: SelectFieldProps<T>) {
  return (
    <Field label={label} error={error} id={id}>
      {(control) => (
        <select {...control} value={value} onChange={(e) => onChange(e.target.value as T)}>
          {options.map(([option, text]) => (
            <option key={option} value={option}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
