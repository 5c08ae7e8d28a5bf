// Tags as a comma-separated line, saved with one call.
import { useId, useState } from 'react';

interface TagEditorProps {
  tags: string[];
  onSave: (tags: string[]) => Promise<void>;
}

/** Starts over from the saved tags whenever they change (keyed by them). */
export function TagEditor(props: TagEditorProps) {
  return <TagForm key={props.tags.join(', ')} {...props} />;
}

function TagForm({ tags, onSave }: TagEditorProps) {
  const id = useId();
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
          .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
      }}
    >
      <label htmlFor={id}>Tags</label>
      <input
        id={id}
        value={text}
        placeholder="web, production"
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" disabled={text === joined}>
        Save tags
      </button>
      {error ? <span role="alert">{error}</span> : null}
    </form>
  );
}
