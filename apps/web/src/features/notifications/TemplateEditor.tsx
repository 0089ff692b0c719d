import type { Language, NotificationTrigger, Template, TemplateVariable } from '@smart-token/contracts';
import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button } from '../../components/ui/ui';
import { ProblemAlert, localProblem } from '../errors/ProblemAlert';
import { ApiError } from '../../lib/api';
import { useRevertTemplate, useSaveTemplate, useTemplatePreview } from './notifications';
import { Notice } from './parts';
import { MAX_TEMPLATE_LENGTH, VARIABLES, unknownVariables } from './vocabulary';
import './messages';
import './notifications.css';

/** The server refused the text itself (`errors[].path` names the template's body). */
const isBodyProblem = (error: unknown): error is ApiError =>
  error instanceof ApiError && error.code === 'VALIDATION_FAILED' && error.errors.some((e) => e.path === 'body' || e.path === 'body.body');

/**
 * Why the server refused a text, in the reader's language. English readers get the server's
 * sentence (written for people: it names every problem, down to the brace never closed); other
 * languages get ours, naming an unknown variable (we can see it in the text) or saying what to check.
 */
function useRefusalSentence() {
  const { t, i18n } = useTranslation('notifications');
  const known = VARIABLES.map((v) => `{${v}}`).join(' ');
  return (error: ApiError, body: string): string => {
    if (i18n.language === 'en' && error.detail) return error.detail;
    const unknown = unknownVariables(body);
    if (unknown.length > 0) return t('unknownVariables', { unknown: unknown.map((name) => `{${name}}`).join(' '), known });
    return t('templateRefused', { max: MAX_TEMPLATE_LENGTH });
  };
}

/**
 * One message text (a trigger in a language, for the clinic or a department): edited with a live
 * preview of what a patient reads, its length and SMS parts; saved, or put back to the default.
 * Keyed by its scope, trigger and language, so a new choice starts from the saved text.
 */
export function TemplateEditor({ template, departmentId, language, trigger }: { template: Template | undefined; departmentId: string | null; language: Language; trigger: NotificationTrigger }) {
  const { t } = useTranslation('notifications');
  const saved = template?.body ?? '';
  const [body, setBody] = useState(saved);
  const [base, setBase] = useState(saved);
  const [notice, setNotice] = useState('');
  const [emptyTried, setEmptyTried] = useState(false);
  const save = useSaveTemplate();
  const revert = useRevertTemplate();
  const { preview, typing } = useTemplatePreview({ ...(departmentId && { departmentId }), language, trigger, body });
  const refusal = useRefusalSentence();
  const area = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const label = t('body');
  const triggerName = t(`trigger.${trigger}`);
  const languageName = t(`language.${language}`);

  // The saved text changed (a save, a revert, another admin): an untouched draft follows it.
  if (saved !== base) {
    setBase(saved);
    if (body === base) setBody(saved);
  }

  // The save's refusal is about the text as saved; the preview's, about the text once typing paused.
  const refused = isBodyProblem(save.error) ? save.error : !typing && isBodyProblem(preview.error) ? preview.error : undefined;
  const problem = emptyTried && body.trim() === '' ? localProblem('body', 'required', { body: label }) : refused ? refusal(refused, body) : undefined;
  const shown = body.trim() !== '' && !typing && preview.data && !preview.isError ? preview.data : undefined;

  function edit(next: string) {
    setBody(next);
    setNotice('');
    setEmptyTried(false);
    save.reset();
    revert.reset();
  }

  /** Puts `{name}` where the cursor was (or over the selection), and the cursor after it. */
  function insert(variable: TemplateVariable) {
    const el = area.current;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    const text = `{${variable}}`;
    edit(body.slice(0, start) + text + body.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + text.length, start + text.length);
    });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    setNotice('');
    if (body.trim() === '') {
      setEmptyTried(true);
      area.current?.focus();
      return;
    }
    save.mutate(
      { departmentId, language, trigger, body },
      {
        onSuccess: (stored) => {
          // The server keeps the text trimmed: the field shows what was kept.
          setBody(stored.body);
          setNotice(t('templateSaved', { trigger: triggerName, language: languageName }));
        },
      },
    );
  }

  function backToDefault() {
    setNotice('');
    save.reset();
    revert.mutate({ departmentId, language, trigger }, { onSuccess: () => setNotice(t('templateReverted', { trigger: triggerName, language: languageName })) });
  }

  return (
    <form onSubmit={submit} noValidate className="template-editor" aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`} className="template-title">
        {triggerName} · {languageName} {template && (template.isDefault ? <Badge>{t('defaultText')}</Badge> : <Badge tone="ok">{t('ownText')}</Badge>)}
      </h4>
      <div className="template-columns">
        <div>
          <div className="field">
            <label htmlFor={`${id}-body`}>{label}</label>
            <textarea
              id={`${id}-body`}
              ref={area}
              className="template-body"
              value={body}
              onChange={(e) => edit(e.target.value)}
              maxLength={MAX_TEMPLATE_LENGTH}
              rows={4}
              lang={language}
              dir="auto"
              spellCheck={false}
              aria-invalid={problem ? true : undefined}
              aria-describedby={`${id}-note`}
            />
            {/* Two elements, not one that changes: a new role=alert is read out as it appears. */}
            {problem ? (
              <small key="problem" id={`${id}-note`} className="field-error" role="alert">
                {problem}
              </small>
            ) : (
              <small key="hint" id={`${id}-note`} className="field-hint">
                {t('bodyHint', { max: MAX_TEMPLATE_LENGTH })}
              </small>
            )}
          </div>
          <fieldset className="template-variables">
            <legend>{t('variables')}</legend>
            <p className="field-hint">{t('variablesHint')}</p>
            <ul>
              {VARIABLES.map((variable) => (
                <li key={variable}>
                  <Button tone="secondary" className="btn-small" onClick={() => insert(variable)} aria-label={t('insertVariable', { variable: `{${variable}}`, meaning: t(`variable.${variable}`) })}>
                    <code dir="ltr">{`{${variable}}`}</code>
                  </Button>{' '}
                  <span className="muted small">{t(`variable.${variable}`)}</span>
                </li>
              ))}
            </ul>
          </fieldset>
        </div>
        <section className="template-preview" aria-labelledby={`${id}-preview`}>
          <h5 id={`${id}-preview`}>{t('preview')}</h5>
          {shown ? (
            <>
              <p className="template-preview-text" lang={language} dir="auto" data-testid="template-preview-text">
                {shown.text}
              </p>
              <p className="template-preview-meta" role="status" data-testid="template-preview-meta">
                {t('characters', { count: shown.characters })} · {t(shown.encoding === 'GSM-7' ? 'encodingGsm' : 'encodingUcs')} ·{' '}
                <strong>{t(shown.segments === 1 ? 'smsPartsOne' : 'smsPartsMany', { count: shown.segments })}</strong>
              </p>
            </>
          ) : (
            <p className="muted">{problem ? t('previewRefused') : body.trim() === '' ? t('previewEmpty') : t('previewWaiting')}</p>
          )}
          {preview.isError && !isBodyProblem(preview.error) && <ProblemAlert error={preview.error} />}
        </section>
      </div>
      {!isBodyProblem(save.error) && <ProblemAlert error={save.error} />}
      <ProblemAlert error={revert.error} />
      <div className="button-row">
        <Button type="submit" disabled={save.isPending || body === saved}>
          {save.isPending ? t('saving') : t('saveTemplate')}
        </Button>
        {template && !template.isDefault && (
          <Button tone="secondary" onClick={backToDefault} disabled={revert.isPending}>
            {t('revert')}
          </Button>
        )}
      </div>
      <Notice text={notice} />
    </form>
  );
}
