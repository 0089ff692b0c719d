import { MAX_TICKER_LENGTH, MAX_TILE_FADE_MINUTES, type BoardSettings, type Department } from '@smart-token/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, Select } from '../../components/ui/ui';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { api, get } from '../../lib/api';
import { boardKeys } from './board';

const settingsKey = (departmentId: string) => ['board-settings', departmentId] as const;

/** The admin's part of a board: the ticker along its foot and when unchanged tiles fade, per department. */
export function BoardSettingsForm({ departments }: { departments: Department[] }) {
  const { t } = useTranslation('display');
  const [departmentId, setDepartmentId] = useState(departments[0]?.id ?? '');
  const settings = useQuery({ queryKey: settingsKey(departmentId), queryFn: () => get<BoardSettings>(`/departments/${encodeURIComponent(departmentId)}/board-settings`), enabled: Boolean(departmentId) });
  return (
    <section className="card picker" aria-labelledby="board-settings-h">
      <h2 id="board-settings-h">{t('settingsTitle')}</h2>
      <Select label={t('settingsDepartment')} value={departmentId} onChange={(e) => setDepartmentId(e.target.value)}>
        {departments.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name} ({d.code})
          </option>
        ))}
      </Select>
      {settings.data && <SettingsEditor key={departmentId} departmentId={departmentId} settings={settings.data} />}
      <ProblemAlert error={settings.error} />
    </section>
  );
}

function SettingsEditor({ departmentId, settings }: { departmentId: string; settings: BoardSettings }) {
  const { t } = useTranslation('display');
  const client = useQueryClient();
  const [ticker, setTicker] = useState(settings.ticker);
  const [fade, setFade] = useState(String(settings.tileFadeMinutes));
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () => api<BoardSettings>('PUT', `/departments/${encodeURIComponent(departmentId)}/board-settings`, { ticker, tileFadeMinutes: Number(fade) }),
    onSuccess: (next) => {
      setSaved(true);
      client.setQueryData(settingsKey(departmentId), next);
      void client.invalidateQueries({ queryKey: boardKeys.all });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    save.mutate();
  }

  return (
    <form onSubmit={submit}>
      <div className="field">
        <label htmlFor="board-ticker">{t('settingsTicker')}</label>
        <textarea id="board-ticker" className="board-ticker-input" rows={3} maxLength={MAX_TICKER_LENGTH} value={ticker} onChange={(e) => setTicker(e.target.value)} aria-describedby="board-ticker-hint" />
        <small id="board-ticker-hint" className="field-hint">
          {t('settingsTickerHint', { max: MAX_TICKER_LENGTH })}
        </small>
      </div>
      <Field
        label={t('settingsFade')}
        hint={t('settingsFadeHint')}
        type="number"
        inputMode="numeric"
        min={0}
        max={MAX_TILE_FADE_MINUTES}
        required
        value={fade}
        onChange={(e) => setFade(e.target.value)}
      />
      <ProblemAlert error={save.error} fields={{ ticker: t('settingsTicker'), tileFadeMinutes: t('settingsFade') }} />
      {saved && (
        <p role="status" className="alert alert-info">
          {t('settingsSaved')}
        </p>
      )}
      <Button type="submit" disabled={save.isPending}>
        {t('settingsSave')}
      </Button>
    </form>
  );
}
