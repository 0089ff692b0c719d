import type { ComponentProps, ReactNode } from 'react';
import { useId } from 'react';

type Tone = 'primary' | 'secondary' | 'danger' | 'ghost';

export function Button({ tone = 'primary', size, className, ...props }: ComponentProps<'button'> & { tone?: Tone; size?: 'big' }) {
  return <button type="button" {...props} className={['btn', `btn-${tone}`, size === 'big' ? 'btn-big' : '', className ?? ''].join(' ').trim()} />;
}

/** A labelled input: the label is always there (screen readers, and people who forget the question). */
export function Field({ label, hint, error, ...props }: ComponentProps<'input'> & { label: string; hint?: string; error?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={error || hint ? `${id}-note` : undefined} {...props} />
      {(error || hint) && (
        <small id={`${id}-note`} className={error ? 'field-error' : 'field-hint'}>
          {error ?? hint}
        </small>
      )}
    </div>
  );
}

export function Select({ label, children, ...props }: ComponentProps<'select'> & { label: string; children: ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...props}>
        {children}
      </select>
    </div>
  );
}

/** Errors are read out as they appear (role=alert); notices politely (role=status). */
export function Alert({ children, tone = 'error' }: { children: ReactNode; tone?: 'error' | 'info' }) {
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} className={`alert alert-${tone}`}>
      {children}
    </div>
  );
}

export function Badge({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'warn' | 'ok' }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
