import { Button, Text, UNSTABLE_Toast as Toast, UNSTABLE_ToastContent as ToastContent, UNSTABLE_ToastQueue as ToastQueue, UNSTABLE_ToastRegion as ToastRegion } from 'react-aria-components';
import './overlays.css';

export interface ToastMessage {
  title: string;
  description?: string;
  tone?: 'ok' | 'error';
}

/** Long enough to read a sentence twice; a toast stays while it is hovered or focused (React Aria). */
const TOAST_MS = 6000;
const MAX_VISIBLE = 3;

/** The page's one queue: a screen says what just happened with `showToast`, the region draws it. */
const queue = new ToastQueue<ToastMessage>({ maxVisibleToasts: MAX_VISIBLE });

export function showToast(message: ToastMessage): void {
  queue.add(message, { timeout: TOAST_MS });
}

/**
 * Where toasts appear (React Aria's ToastRegion: a landmark that F6 reaches, each toast announced
 * and dismissible by keyboard). Mount once on a screen that shows toasts.
 */
export function Toasts({ dismissLabel, regionLabel }: { dismissLabel: string; regionLabel: string }) {
  return (
    <ToastRegion queue={queue} className="toast-region" aria-label={regionLabel}>
      {({ toast }) => (
        <Toast toast={toast} className={`toast toast-${toast.content.tone ?? 'ok'}`}>
          <ToastContent className="toast-content">
            <Text slot="title" className="toast-title">
              {toast.content.title}
            </Text>
            {toast.content.description && (
              <Text slot="description" className="toast-description">
                {toast.content.description}
              </Text>
            )}
          </ToastContent>
          <Button slot="close" className="toast-close" aria-label={dismissLabel}>
            <span aria-hidden="true">×</span>
          </Button>
        </Toast>
      )}
    </ToastRegion>
  );
}
