// The provisioning dialog's ISO option (an option of type host-path, like install-from-iso's
// `iso`): the ISOs uploaded to the chosen host to pick from, or a path on the host typed in.
import { useState } from 'react';
import { Field, SelectField } from '../common/Field.js';
import { formatBytes } from '../common/format.js';
import { useHostIsos } from './host-isos.js';

interface IsoOptionProps {
  host: string;
  label: string;
  id: string;
  value: string;
  error: string | null;
  onChange: (path: string) => void;
}

/** The select's entry that switches to typing a path. */
const ANOTHER_PATH = '\0another';

export function IsoOption({ host, label, id, value, error, onChange }: IsoOptionProps) {
  const { isos, error: listError } = useHostIsos(host);
  const uploaded = isos?.isos ?? [];
  const [typing, setTyping] = useState(false);
  const listed = uploaded.some((iso) => iso.path === value);
  if (uploaded.length && !typing && (listed || value === '')) {
    return (
      <SelectField
        label={label}
        id={id}
        error={error}
        value={value}
        options={[
          ['', 'Choose an uploaded ISO'],
          ...uploaded.map(
            (iso) => [iso.path, `${iso.name} (${formatBytes(iso.sizeBytes)})`] as const,
          ),
          [ANOTHER_PATH, 'Another path on the host…'],
        ]}
        onChange={(chosen) => {
          if (chosen === ANOTHER_PATH) {
            setTyping(true);
            onChange('');
          } else onChange(chosen);
        }}
      />
    );
  }
  const hint = listError
    ? `The uploaded ISOs cannot be listed: ${listError}`
    : isos && !uploaded.length
      ? `No ISO uploaded to ${host} yet: upload one in the image store, or give a path on the host.`
      : null;
  return (
    <Field label={label} id={id} error={error} hint={hint}>
      {(control) => (
        <input
          {...control}
          className="mono"
          value={value}
          placeholder={`${isos?.dir ?? '/var/lib/libvirt/images/iso'}/installer.iso`}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
