import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Shell } from '../../app/Shell';
import { Button, Field } from '../../components/ui/ui';
import { HOME_OF, useLogin, useMe } from '../../features/auth/auth';
import { ProblemAlert, fieldErrors, localProblem, type FieldSpecs } from '../../features/errors/ProblemAlert';

interface Problems {
  email?: string;
  password?: string;
}

export function LoginScreen() {
  const { t } = useTranslation();
  const me = useMe();
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const next = params.get('next');
  const safeNext = next && next.startsWith('/') && !next.startsWith('//') ? next : undefined;
  const fields: FieldSpecs = { email: { label: t('email'), kind: 'email' }, password: { label: t('password'), kind: 'password' } };

  if (me.data) return <Navigate to={safeNext ?? HOME_OF[me.data.role]} replace />;

  function submit(event: FormEvent) {
    event.preventDefault();
    // Empty fields are named here, in the reader's language, before the server is asked.
    const found: Problems = {
      email: email.trim() ? undefined : localProblem('email', 'required', fields),
      password: password ? undefined : localProblem('password', 'required', fields),
    };
    setProblems(found);
    if (found.email) return emailRef.current?.focus();
    if (found.password) return passwordRef.current?.focus();
    login.mutate({ email: email.trim(), password }, { onSuccess: (s) => void navigate(safeNext ?? HOME_OF[s.user.role], { replace: true }) });
  }

  const server = fieldErrors(login.error, fields);

  return (
    <Shell>
      <div className="card" style={{ maxWidth: 420, margin: '40px auto' }}>
        <h1>{t('signIn')}</h1>
        <form onSubmit={submit} noValidate>
          <Field
            ref={emailRef}
            label={t('email')}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={problems.email ?? server.email}
          />
          <Field
            ref={passwordRef}
            label={t('password')}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={problems.password ?? server.password}
          />
          <ProblemAlert error={login.error} fields={fields} />
          <Button type="submit" disabled={login.isPending}>
            {login.isPending ? t('signingIn') : t('signIn')}
          </Button>
        </form>
      </div>
    </Shell>
  );
}
