import { Shell } from '../../app/Shell';

// Being built: see the web issue. Replaced by the real screen.
export function KioskScreen() {
  return <Shell><h1>KioskScreen</h1></Shell>;
}
