/**
 * Asks before an action that destroys something (terminate, abort, scale down, delete): a modal <dialog> naming what
 * will happen, with the destructive button on the right and Cancel focused first.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export interface ConfirmProps {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel }: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-label={title} onCancel={onCancel}>
      <h2>{title}</h2>
      {children}
      <div class="actions">
        <button type="button" autofocus onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
