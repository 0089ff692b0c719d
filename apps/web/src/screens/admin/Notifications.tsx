import type { Department } from '@smart-token/contracts';
import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { DeadLetters } from '../../features/notifications/DeadLetters';
import { DepartmentNotifications } from '../../features/notifications/DepartmentNotifications';
import { GatewaySettings } from '../../features/notifications/GatewaySettings';
import { useNotificationSettings } from '../../features/notifications/notifications';
import { Templates } from '../../features/notifications/Templates';
import { TestMessage } from '../../features/notifications/TestMessage';
import '../../features/notifications/messages';

/** Admin → Notifications: where messages go, their texts, when each department sends them, and those that could not be sent. */
export function Notifications({ departments }: { departments: Department[] }) {
  const { t } = useTranslation('notifications');
  const settings = useNotificationSettings();
  return (
    <>
      <p>{t('intro')}</p>
      <ProblemAlert error={settings.error} />
      {settings.data && <GatewaySettings gateway={settings.data.gateway} />}
      <section className="admin-form" aria-labelledby="templates-heading">
        <h3 id="templates-heading">{t('templates')}</h3>
        <Templates departments={departments} />
      </section>
      {settings.data && <TestMessage departments={departments} gateway={settings.data.gateway} />}
      <section className="admin-form" aria-labelledby="department-notifications-heading">
        <h3 id="department-notifications-heading">{t('perDepartment')}</h3>
        {settings.data && <DepartmentNotifications departments={departments} settings={settings.data.departments} />}
      </section>
      <section className="admin-form" aria-labelledby="dead-letters-heading">
        <h3 id="dead-letters-heading">{t('deadTitle')}</h3>
        <DeadLetters />
      </section>
    </>
  );
}
