// Tags as a comma-separated line, saved with one call.
import { useState } from 'react';
import { errorMessage } from './errors.js';
import { Field } from './Field.js';

interface TagEditorProps {
  tags: string[];
  onSave: (tags: string[]) => Promise<void>;
}

/** Starts over from the saved tags whenever they change (keyed by them). */
export function TagEditor(props: TagEditorProps) {
  return <TagForm key={props.tags.join(', ')} {...props} />;
}

function TagForm({ tags, onSave }: TagEditorProps) {
  const joined = tags.join(', ');
  const [text, setText] = useState(joined);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        const next = [
          ...new Set(
            text
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          ),
        ];
        onSave(next)
          .then(() => setError(null))
          .catch((err: unknown) => setError(errorMessage(err)));
      }}
    >
      <Field
        label="Tags"
        layout="inline"
        error={error}
        announceError
        extra={
          <button type="submit" disabled={text === joined}>
            Save tags
          </button>
        }
      >
        {(control) => (
          <input
            {...control}
            value={text}
            placeholder="web, production"
            onChange={(e) => setText(e.target.value)}
          />
        )}
      </Field>
    </form>
  );
}
