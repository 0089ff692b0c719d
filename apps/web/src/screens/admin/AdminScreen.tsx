import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Tab, TabList, TabPanel, Tabs, type Key } from 'react-aria-components';
import { Shell } from '../../app/Shell';
import { AuditTrail } from '../../features/audit/AuditTrail';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { useCounters, useDepartments } from '../../features/setup/setup';
import { Branding } from './Branding';
import { Counters } from './Counters';
import { Departments } from './Departments';
import { Today } from './Today';
import { SecurityFeed } from './SecurityFeed';
import { Devices } from './Devices';
import { Notifications } from './Notifications';
import { Users } from './Users';
import './admin.css';
import './messages';

const SECTIONS = ['today', 'departments', 'counters', 'users', 'devices', 'notifications', 'branding', 'security', 'audit'] as const;
type Section = (typeof SECTIONS)[number];

/** The tab named in the address (`/admin#counters`), so a section can be bookmarked and survives a reload. */
const sectionOf = (hash: string): Section => (SECTIONS as readonly string[]).includes(hash.slice(1)) ? (hash.slice(1) as Section) : 'today';

/** Setting up the hospital, one section per tab: today's figures, departments, counters, staff and devices, branding. */
export function AdminScreen() {
  const { t } = useTranslation('admin');
  const departments = useDepartments();
  const counters = useCounters();
  const [section, setSection] = useState<Section>(() => sectionOf(location.hash));
  const list = departments.data ?? [];

  useEffect(() => {
    const follow = () => setSection(sectionOf(location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  function choose(key: Key) {
    const next = String(key) as Section;
    setSection(next);
    history.replaceState(null, '', `#${next}`);
  }

  return (
    <Shell>
      <h1>{t('title')}</h1>
      <ProblemAlert error={departments.error ?? counters.error} />
      <Tabs selectedKey={section} onSelectionChange={choose} className="admin-tabs">
        <TabList aria-label={t('sections')} className="admin-tablist">
          {SECTIONS.map((s) => (
            <Tab key={s} id={s} className="admin-tab">
              {t(`tab.${s}`)}
            </Tab>
          ))}
        </TabList>
        <TabPanel id="today" className="card admin-panel">
          <h2>{t('tab.today')}</h2>
          {departments.data && counters.data && <Today departments={list} counters={counters.data} />}
        </TabPanel>
        <TabPanel id="departments" className="card admin-panel">
          <h2>{t('departments')}</h2>
          {departments.data && <Departments departments={list} />}
        </TabPanel>
        <TabPanel id="counters" className="card admin-panel">
          <h2>{t('counters')}</h2>
          {departments.data && counters.data && <Counters departments={list} counters={counters.data} />}
        </TabPanel>
        <TabPanel id="devices" className="card admin-panel">
          <h2>{t('tab.devices')}</h2>
          {departments.data && <Devices departments={list} />}
        </TabPanel>
        <TabPanel id="notifications" className="card admin-panel">
          <h2>{t('tab.notifications')}</h2>
          {departments.data && <Notifications departments={list} />}
        </TabPanel>
        <TabPanel id="users" className="card admin-panel">
          <h2>{t('users')}</h2>
          <Users />
        </TabPanel>
        <TabPanel id="security" className="card admin-panel">
          <h2>{t('tab.security')}</h2>
          <SecurityFeed />
        </TabPanel>
        <TabPanel id="audit" className="card admin-panel">
          <h2>{t('tab.audit')}</h2>
          <AuditTrail />
        </TabPanel>
        <TabPanel id="branding" className="card admin-panel">
          <h2>{t('tab.branding')}</h2>
          <Branding />
        </TabPanel>
      </Tabs>
    </Shell>
  );
}
