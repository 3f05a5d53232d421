import { useState } from 'preact/hooks';
import { parseJson, JsonSyntaxError } from '../../../src/json-syntax.js';

/** The problem with a policy text, in Ferry's own parser's words (with line and column), or undefined. */
export function policySyntaxProblem(text: string): string | undefined {
  try {
    const doc = parseJson(text);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'A policy document is a JSON object.';
    if (!('Statement' in doc)) return 'A policy document needs a "Statement".';
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message;
    throw error;
  }
}

/** A JSON editor that validates as you type; the server still has the last word on save. */
export function PolicyEditor({ id, initial, saveLabel, onSave, label = 'Policy document (JSON)' }: { id: string; initial: string; saveLabel: string; onSave: (text: string) => Promise<void>; label?: string }) {
  const [text, setText] = useState(initial);
  const problem = policySyntaxProblem(text);
  return (
    <div class="editor">
      <label for={`${id}-document`}>{label}</label>
      <textarea id={`${id}-document`} rows={14} spellcheck={false} value={text} aria-invalid={problem ? 'true' : 'false'} aria-describedby={`${id}-problem`} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <p id={`${id}-problem`} class={problem ? 'problem' : 'ok'} role="status">
        {problem ?? 'Valid JSON.'}
      </p>
      <button type="button" disabled={problem !== undefined} onClick={() => void onSave(text)}>
        {saveLabel}
      </button>
    </div>
  );
}
