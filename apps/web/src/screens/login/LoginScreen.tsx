import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Shell } from '../../app/Shell';
import { Alert, Button, Field } from '../../components/ui/ui';
import { HOME_OF, useLogin, useMe } from '../../features/auth/auth';

export function LoginScreen() {
  const { t } = useTranslation();
  const me = useMe();
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = params.get('next');
  const safeNext = next && next.startsWith('/') && !next.startsWith('//') ? next : undefined;

  if (me.data) return <Navigate to={safeNext ?? HOME_OF[me.data.role]} replace />;

  function submit(event: FormEvent) {
    event.preventDefault();
    login.mutate({ email, password }, { onSuccess: (s) => void navigate(safeNext ?? HOME_OF[s.user.role], { replace: true }) });
  }

  return (
    <Shell>
      <div className="card" style={{ maxWidth: 420, margin: '40px auto' }}>
        <h1>{t('signIn')}</h1>
        <form onSubmit={submit} noValidate>
          <Field label={t('email')} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <Field label={t('password')} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          {login.error && <Alert>{login.error.message}</Alert>}
          <Button type="submit" disabled={login.isPending}>
            {login.isPending ? t('signingIn') : t('signIn')}
          </Button>
        </form>
      </div>
    </Shell>
  );
}
