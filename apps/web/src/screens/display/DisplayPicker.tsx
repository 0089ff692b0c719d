import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { Shell } from '../../app/Shell';
import { Alert, Button } from '../../components/ui/ui';
import { useMe } from '../../features/auth/auth';
import { useDepartments } from '../../features/setup/setup';
import { LANGUAGES, type Language } from '../../i18n';
import { BoardSettingsForm } from './BoardSettingsForm';
import type { Privacy } from './board';
import { MAX_BOARD_DEPARTMENTS, boardLanguages } from './DisplayScreen';
import './display.css';
import './messages';

/** Setting up a TV: which departments, which languages, how much of a patient it may show. */
export function DisplayPicker() {
  const { t } = useTranslation('display');
  const { i18n } = useTranslation();
  const departments = useDepartments();
  const me = useMe();
  const navigate = useNavigate();
  const [chosenIds, setChosenIds] = useState<string[] | null>(null);
  const [languages, setLanguages] = useState<Language[]>(() => boardLanguages(null, i18n.language));
  const [privacy, setPrivacy] = useState<Privacy>('token');
  const [error, setError] = useState('');
  const list = departments.data ?? [];
  // Until someone ticks a box, the first department is the board's.
  const chosen = chosenIds ?? (list[0] ? [list[0].id] : []);

  function open(event: FormEvent) {
    event.preventDefault();
    if (chosen.length === 0) return setError(t('pickOneDepartment'));
    if (chosen.length > MAX_BOARD_DEPARTMENTS) return setError(t('pickFewerDepartments', { max: MAX_BOARD_DEPARTMENTS }));
    if (languages.length === 0) return setError(t('pickOneLanguage'));
    const query = new URLSearchParams({ lang: languages.join(','), ...(privacy === 'initials' && { privacy }) });
    void navigate(`/display/${chosen.map(encodeURIComponent).join(',')}?${query.toString().replace(/%2C/g, ',')}`);
  }

  return (
    <Shell>
      <h1>{t('chooseBoard')}</h1>
      <p>{t('chooseIntro')}</p>
      {departments.isPending && <p role="status">{i18n.t('loading')}</p>}
      {departments.error && <Alert>{departments.error.message}</Alert>}
      {departments.isSuccess && list.length === 0 && <Alert tone="info">{t('noDepartments')}</Alert>}
      {list.length > 0 && (
        <form className="card picker" onSubmit={open}>
          <fieldset className="picker-group">
            <legend>{t('boardDepartments', { max: MAX_BOARD_DEPARTMENTS })}</legend>
            {list.map((d) => (
              <label key={d.id} className="picker-choice">
                <input
                  type="checkbox"
                  checked={chosen.includes(d.id)}
                  onChange={(e) => {
                    setError('');
                    setChosenIds(e.target.checked ? [...chosen, d.id] : chosen.filter((id) => id !== d.id));
                  }}
                />
                {d.name} ({d.code})
              </label>
            ))}
          </fieldset>
          <fieldset className="picker-group">
            <legend>{t('boardLanguages')}</legend>
            {LANGUAGES.map((l) => (
              <label key={l.code} className="picker-choice">
                <input
                  type="checkbox"
                  checked={languages.includes(l.code)}
                  onChange={(e) => {
                    setError('');
                    setLanguages((current) => (e.target.checked ? [...current, l.code] : current.filter((c) => c !== l.code)));
                  }}
                />
                <span lang={l.code}>{l.label}</span>
              </label>
            ))}
          </fieldset>
          <fieldset className="picker-group">
            <legend>{t('privacy')}</legend>
            {(['token', 'initials'] as const).map((p) => (
              <label key={p} className="picker-choice">
                <input type="radio" name="privacy" value={p} checked={privacy === p} onChange={() => setPrivacy(p)} />
                {p === 'token' ? t('privacyToken') : t('privacyInitials')}
              </label>
            ))}
          </fieldset>
          {error && <Alert>{error}</Alert>}
          <Button type="submit" size="big">
            {t('open')}
          </Button>
        </form>
      )}
      {me.data?.role === 'admin' && list.length > 0 && <BoardSettingsForm departments={list} />}
    </Shell>
  );
}
