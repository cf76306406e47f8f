/**
 * Shows a new bearer secret once (a token's, or a new tenant's first admin's): a modal with the secret selectable,
 * a copy button and the warning that it cannot be shown again. The secret lives in this dialog's props only: closing
 * it forgets it (nothing is stored).
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export function SecretDialog({ title, secret, onClose }: { title: string; secret: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'no' | 'yes' | 'select'>('no');
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for the person to copy.
      field.current?.select();
      setCopied('select');
    }
  };
  return (
    <dialog ref={dialog} class="confirm secret-dialog" aria-labelledby="secret-title" aria-describedby="secret-warning" onCancel={onClose}>
      <h2 id="secret-title">{title}</h2>
      <p id="secret-warning" class="warning">
        Copy it now: it is shown only this once. The controller keeps only a hash of it and cannot show it again; if it is lost, revoke it and
        create another.
      </p>
      <label for="secret-value">Secret</label>
      <div class="secret-row">
        <input id="secret-value" ref={field} class="mono" readOnly value={secret} spellcheck={false} autocomplete="off" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p class="hint" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'select' ? 'The clipboard is not available here: the secret is selected, copy it with Ctrl+C.' : ''}
      </p>
      <div class="actions">
        <button type="button" onClick={onClose}>
          I have copied it
        </button>
      </div>
    </dialog>
  );
}
