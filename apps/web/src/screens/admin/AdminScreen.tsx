import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Shell } from '../../app/Shell';
import { ProblemAlert } from '../../features/errors/ProblemAlert';
import { useCounters, useDepartments } from '../../features/setup/setup';
import { Counters } from './Counters';
import { Departments } from './Departments';
import { Users } from './Users';
import './admin.css';
import './messages';

/** Setting up the hospital: departments (with their queue rules), their counters, and who may sign in. */
export function AdminScreen() {
  const { t } = useTranslation('admin');
  const departments = useDepartments();
  const counters = useCounters();
  const [message, setMessage] = useState('');
  const list = departments.data ?? [];

  return (
    <Shell>
      <h1>{t('title')}</h1>
      <nav aria-label={t('sections')} className="admin-sections">
        <a href="#departments">{t('departments')}</a>
        <a href="#counters">{t('counters')}</a>
        <a href="#users">{t('users')}</a>
      </nav>
      <div role="status" className="admin-message">
        {message}
      </div>
      <ProblemAlert error={departments.error ?? counters.error} />

      <section id="departments" className="card" aria-labelledby="departments-heading">
        <h2 id="departments-heading">{t('departments')}</h2>
        {departments.data && <Departments departments={list} announce={setMessage} />}
      </section>

      <section id="counters" className="card" aria-labelledby="counters-heading">
        <h2 id="counters-heading">{t('counters')}</h2>
        {departments.data && counters.data && <Counters departments={list} counters={counters.data} announce={setMessage} />}
      </section>

      <section id="users" className="card" aria-labelledby="users-heading">
        <h2 id="users-heading">{t('users')}</h2>
        <Users announce={setMessage} />
      </section>
    </Shell>
  );
}
