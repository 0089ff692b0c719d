import { Shell } from '../../app/Shell';

// Being built: see the web issue. Replaced by the real screen.
export function ReceptionScreen() {
  return <Shell><h1>ReceptionScreen</h1></Shell>;
}
