import { recoveryCodePattern } from '@smart-token/contracts';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Shell } from '../../app/Shell';
import { Button, Field } from '../../components/ui/ui';
import { HOME_OF, needsOtp, useLogin, useMe } from '../../features/auth/auth';
import { ProblemAlert, fieldErrors, localProblem, type FieldSpecs } from '../../features/errors/ProblemAlert';
import { ApiError } from '../../lib/api';
import './messages';

interface Problems {
  email?: string;
  password?: string;
  otp?: string;
}

/** The second step: a code of the authenticator app, or (lost phone) a recovery code. */
type SecondFactor = 'app' | 'recovery';

const SIX_DIGITS = /^\d{6}$/;

export function LoginScreen() {
  const { t } = useTranslation();
  const { t: tl } = useTranslation('login');
  const me = useMe();
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  /** Set once the server answered OTP_REQUIRED: the same form asks for the second factor. */
  const [factor, setFactor] = useState<SecondFactor | undefined>();
  const [problems, setProblems] = useState<Problems>({});
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const otpRef = useRef<HTMLInputElement>(null);
  const next = params.get('next');
  const safeNext = next && next.startsWith('/') && !next.startsWith('//') ? next : undefined;
  const fields: FieldSpecs = { email: { label: t('email'), kind: 'email' }, password: { label: t('password'), kind: 'password' } };

  useEffect(() => {
    if (factor) otpRef.current?.focus();
  }, [factor]);

  if (me.data) return <Navigate to={me.data.mfaEnrolmentRequired ? '/security' : (safeNext ?? HOME_OF[me.data.role])} replace />;

  function signIn(withOtp?: string) {
    login.mutate(
      { email: email.trim(), password, ...(withOtp !== undefined && { otp: withOtp }) },
      {
        onSuccess: (s) => void navigate(s.mfaEnrolmentRequired ? '/security' : (safeNext ?? HOME_OF[s.user.role]), { replace: true }),
        onError: (error) => {
          if (needsOtp(error)) setFactor((f) => f ?? 'app');
        },
      },
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (login.isPending) return;
    if (factor) {
      const typed = otp.trim();
      const valid = factor === 'app' ? SIX_DIGITS.test(typed) : recoveryCodePattern.test(typed);
      const problem = valid ? undefined : tl(`${factor === 'app' ? 'code' : 'recovery'}${typed ? 'Invalid' : 'Required'}`);
      setProblems({ otp: problem });
      if (problem) return otpRef.current?.focus();
      return signIn(typed);
    }
    // Empty fields are named here, in the reader's language, before the server is asked.
    const found: Problems = {
      email: email.trim() ? undefined : localProblem('email', 'required', fields),
      password: password ? undefined : localProblem('password', 'required', fields),
    };
    setProblems(found);
    if (found.email) return emailRef.current?.focus();
    if (found.password) return passwordRef.current?.focus();
    signIn();
  }

  function switchFactor(to: SecondFactor | undefined) {
    setFactor(to);
    setOtp('');
    setProblems({});
    login.reset();
    if (!to) setPassword('');
  }

  const server = fieldErrors(login.error, fields);
  // In the second step a refusal is about the code (the password was right a moment ago).
  const wrongSecondFactor = factor && login.error instanceof ApiError && login.error.code === 'INVALID_CREDENTIALS';
  const otpError = problems.otp ?? (wrongSecondFactor ? tl(factor === 'app' ? 'codeWrong' : 'recoveryWrong') : undefined);

  return (
    <Shell>
      <div className="card" style={{ maxWidth: 420, margin: '40px auto' }}>
        <h1>{factor ? tl('codeHeading') : t('signIn')}</h1>
        <form onSubmit={submit} noValidate>
          {!factor ? (
            <>
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
              {!needsOtp(login.error) && <ProblemAlert error={login.error} fields={fields} />}
            </>
          ) : (
            <>
              <p>{tl(factor === 'app' ? 'codeIntro' : 'recoveryIntro')}</p>
              <p className="field-hint" dir="ltr">
                {email.trim()}
              </p>
              <Field
                ref={otpRef}
                key={factor}
                label={tl(factor === 'app' ? 'code' : 'recoveryCode')}
                hint={tl(factor === 'app' ? 'codeHint' : 'recoveryHint')}
                autoComplete={factor === 'app' ? 'one-time-code' : 'off'}
                inputMode={factor === 'app' ? 'numeric' : 'text'}
                spellCheck={false}
                dir="ltr"
                maxLength={factor === 'app' ? 6 : 11}
                required
                value={otp}
                onChange={(e) => setOtp(e.target.value)}
                error={otpError}
              />
              {!wrongSecondFactor && !needsOtp(login.error) && <ProblemAlert error={login.error} />}
            </>
          )}
          <Button type="submit" disabled={login.isPending}>
            {login.isPending ? t('signingIn') : t('signIn')}
          </Button>
          {factor && (
            <p>
              <Button type="button" tone="secondary" onClick={() => switchFactor(factor === 'app' ? 'recovery' : 'app')}>
                {tl(factor === 'app' ? 'useRecovery' : 'useApp')}
              </Button>{' '}
              <Button type="button" tone="secondary" onClick={() => switchFactor(undefined)}>
                {tl('back')}
              </Button>
            </p>
          )}
        </form>
      </div>
    </Shell>
  );
}
