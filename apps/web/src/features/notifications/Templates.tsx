import type { Department, Language, NotificationTrigger } from '@smart-token/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Select } from '../../components/ui/ui';
import { LANGUAGES } from '../../i18n';
import { ProblemAlert } from '../errors/ProblemAlert';
import { useDepartmentNames } from '../setup/setup';
import { useTemplates } from './notifications';
import { TRIGGERS } from './vocabulary';
import { TemplateEditor } from './TemplateEditor';
import './messages';

/** The clinic-wide texts (value ''), or one department's. */
export function ScopeSelect({ departments, value, onChange, label }: { departments: Department[]; value: string; onChange: (departmentId: string) => void; label: string }) {
  const { t } = useTranslation('notifications');
  const names = useDepartmentNames(departments);
  return (
    <Select label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{t('clinicWide')}</option>
      {departments.map((d) => (
        <option key={d.id} value={d.id}>
          {d.code} · {names.of(d)}
        </option>
      ))}
    </Select>
  );
}

/** Chooses one text (whose, which language, which message) and edits it. */
export function Templates({ departments }: { departments: Department[] }) {
  const { t } = useTranslation('notifications');
  const [scope, setScope] = useState('');
  const [language, setLanguage] = useState<Language>('en');
  const [trigger, setTrigger] = useState<NotificationTrigger>('issued');
  const departmentId = scope === '' ? null : scope;
  const templates = useTemplates(departmentId);
  const template = templates.data?.find((x) => x.trigger === trigger && x.language === language);

  return (
    <>
      <p className="muted">{t('templatesIntro')}</p>
      <div className="form-grid">
        <ScopeSelect departments={departments} value={scope} onChange={setScope} label={t('scope')} />
        <Select label={t('language')} value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code} lang={l.code}>
              {l.label}
            </option>
          ))}
        </Select>
        <Select label={t('trigger')} value={trigger} onChange={(e) => setTrigger(e.target.value as NotificationTrigger)}>
          {TRIGGERS.map((x) => (
            <option key={x} value={x}>
              {t(`trigger.${x}`)}
            </option>
          ))}
        </Select>
      </div>
      <ProblemAlert error={templates.error} />
      {templates.data && <TemplateEditor key={`${scope}/${language}/${trigger}`} template={template} departmentId={departmentId} language={language} trigger={trigger} />}
    </>
  );
}
